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
  "start the ZFSSA appliance simulator (HTTPS, REST API, real share directories)"
  "set up the appliance side: project, one share per vServer with root access, snapshot schedule"
  "build two demo vServer roots and export their shares with nfs-ganesha (real NFSv3)"
  "back up both vServers with rsync_backup over NFSv3 (FUSE client via mount -t nfs), snapshot fence"
  "change a file, back up again, restore the file from the snapshot"
  "stop everything and leave nothing mounted or running"
)
echo "make demo will:"
for i in "${!plan[@]}"; do echo "  $((i + 1)). ${plan[$i]}"; done
echo

exec python tests/setup/demo_run.py
