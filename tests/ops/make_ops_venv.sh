#!/usr/bin/env bash
# The throwaway venv of tests/ops: ansible (ships awx.awx), ansible-runner and the awx.awx lookups'
# libraries. Built once and reused; PyPI is only needed the first time.
set -euo pipefail
venv=${1:?usage: make_ops_venv.sh VENV_DIR}
stamp="$venv/.exalogic-ops-venv-2"
[ -e "$stamp" ] && exit 0
python3 -m venv "$venv"
"$venv/bin/pip" install -q 'ansible==11.13.0' 'ansible-runner==2.4.3' 'pytz' 'python-dateutil' 'ansible-builder==3.2.0'
touch "$stamp"
