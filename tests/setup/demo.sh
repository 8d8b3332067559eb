#!/usr/bin/env bash
# `make demo`: the main job end to end against the bundled appliance simulator.
# Prints the plan, runs each step whose pieces exist, and reports honestly which steps ran.
set -uo pipefail
: "${VENV:?}" "${COLLECTION:?}"
export PATH="$VENV/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH
ANSIBLE_COLLECTIONS_PATH=$(cd "$COLLECTION/../../.." && pwd)
cd "$COLLECTION" || exit 1

plan=(
  "start sshd on 127.0.0.51-53 (three vServers), the ZFSSA appliance simulator, a second one as DR appliance and the NFSv3 bed (nfs-ganesha)"
  "build three realistic vServer roots (tests/demo/make_vserver.py): OL-like tree, WebLogic domain, fstab by UUID"
  "appliance setup with playbooks/appliance_setup.yml: project, one share per vServer, snapshot schedule, replication"
  "back up all three with playbooks/backup.yml (rsync over NFSv3, manifest, fence snapshot, replication update)"
  "change a file, back up again and show how much less the second run transferred"
  "restore that file from the first fence snapshot with playbooks/restore.yml"
  "restore it again from the DR appliance: clone the replica there, export it, playbooks/restore.yml"
  "rebuild one vServer onto a new root with new addresses via playbooks/rebuild.yml (when in this tree)"
  "report with playbooks/report.yml: table and the HTML page"
  "stop everything and leave nothing mounted or running"
)
echo "make demo will:"
for i in "${!plan[@]}"; do echo "  $((i + 1)). ${plan[$i]}"; done
echo

exec python tests/setup/demo_run.py
