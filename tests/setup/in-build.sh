#!/usr/bin/env bash
# Run one command inside a laid-out copy of the checkout, with the project venv and an isolated HOME.
# Lets several people (or agents) test at once without sharing tests/output:
#   BUILD=/tmp/b1 tests/setup/in-build.sh ansible-test units --local --python 3.11 tests/unit/plugins/modules/test_x.py
#   BUILD=/tmp/b1 tests/setup/in-build.sh ansible-test integration --local --python 3.11 --allow-destructive --allow-root zfssa_project
#   BUILD=/tmp/b1 tests/setup/in-build.sh sanity-prep && BUILD=/tmp/b1 tests/setup/in-build.sh ansible-test sanity --local --python 3.11
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$here/.build}
venv=${VENV:-$here/.venv}
python3 "$here/tests/setup/build_tree.py" "$build" >/dev/null
export PATH="$venv/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$build" HOME="$build/home"
mkdir -p "$HOME"
cd "$build/ansible_collections/exalogic/backup"
if [ "${1:-}" = sanity-prep ]; then
  exec python tests/setup/ansible_test_offline.py
fi
exec "$@"
