#!/usr/bin/env bash
# Run the project's test suites in the laid-out collection and print one pass/fail summary.
# Called by the Makefile with VENV, COLLECTION and TEST_HOME set. Usage: run-tests.sh SUITE
#   all     sanity, units, simulator-tests, nfs-tests, fleet-tests, ops-tests, integration, lint, reference-docs
#   compat  sanity (compile, import, validate-modules, ansible-doc) and units under the 2.16 venv,
#           plus a Python 2.7/3.6 syntax check of target-side code
set -uo pipefail
: "${VENV:?}" "${COLLECTION:?}" "${TEST_HOME:?}"
export PATH="$VENV/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH
ANSIBLE_COLLECTIONS_PATH=$(cd "$COLLECTION/../../.." && pwd)
mkdir -p "$TEST_HOME"
cd "$COLLECTION" || exit 1

passed=()
failed=()
log_dir="$COLLECTION/tests/output/logs"
mkdir -p "$log_dir"

step() {  # step NAME COMMAND... : run, record, keep going
  local name=$1; shift
  local started=$SECONDS
  echo
  echo "=== $name: $*"
  if "$@"; then
    passed+=("$name ($((SECONDS - started)) s)")
  else
    failed+=("$name ($((SECONDS - started)) s)")
  fi
}

at() { HOME="$TEST_HOME" "$@"; }

prepare_ansible_test() { at python "$COLLECTION/tests/setup/ansible_test_offline.py"; }

sanity() {
  prepare_ansible_test && at ansible-test sanity --local --python 3.11 --color no "$@"
}

units() { at ansible-test units --local --python 3.11 --color no "$@"; }

integration() {
  at ansible-test integration --local --python 3.11 --color no --allow-destructive --allow-root "$@"
}

pytest_suite() {  # pytest_suite DIR : a plain pytest suite that lives outside tests/unit
  python -m pytest -q -p no:cacheprovider "$1"
}

lint() { ansible-lint --offline --profile production; }

reference_docs() { python tests/setup/gen_docs.py --check .; }  # docs/reference/ says what the code says

syntax_2_7_3_6() {  # target-side code must stay Python 2.7/3.6 syntax (Oracle Linux 6/7 guests)
  local files; mapfile -t files < <(find plugins/modules plugins/module_utils -name "*.py" | sort)
  [ -e "${files[0]}" ] || { echo "no module code yet"; return 0; }
  local version bindir compiled=() non_ascii
  # Python 2.7 refuses to import a file with non-ASCII bytes and no coding line (PEP 263); compile
  # checks from a string do not notice, so look for such bytes directly
  non_ascii=$(grep -lP '[^\x00-\x7F]' "${files[@]}")
  [ -z "$non_ascii" ] || { echo "non-ASCII characters in target-side code: $non_ascii"; return 1; }
  for version in 2.7 3.6; do
    # real interpreters when the machine has them (pyenv builds on our images), else vermin alone
    bindir=""
    for candidate in /root/.pyenv/versions/"$version".*/bin; do bindir=$candidate; done
    [ -x "$bindir/python$version" ] || bindir=$(dirname "$(command -v "python$version" 2>/dev/null)" 2>/dev/null)
    [ -x "$bindir/python$version" ] || continue
    PATH="$bindir:$PATH" HOME="$TEST_HOME" ansible-test sanity --local --python "$version" --color no --test compile || return 1
    # the confined-path layer's tests run on the guest interpreter itself (C locale, as cron and some ssh
    # sessions run it), not only compiled for it
    LC_ALL=C LANG=C "$bindir/python$version" tests/unit/plugins/module_utils/_backup/compat_confined.py || return 1
    compiled+=("$version")
  done
  vermin --no-tips --violations -t=2.7- -t=3.6- "${files[@]}" || return 1
  echo "ansible-test compile ran on Python: ${compiled[*]:-none available}; vermin checked 2.7 and 3.6 compatibility"
}

have() { [ -n "$(find "$@" -name 'test_*.py' -print -quit 2>/dev/null)" ]; }

suite=${1:-all}
case "$suite" in
  all)
    step sanity sanity
    have tests/unit && step units units
    have tests/simulator && step simulator-tests pytest_suite tests/simulator
    have tests/nfs && step nfs-tests pytest_suite tests/nfs
    have tests/fleet && step fleet-tests pytest_suite tests/fleet
    have tests/ops && step ops-tests pytest_suite tests/ops
    have tests/demo && step demo-e2e pytest_suite tests/demo
    [ -n "$(ls tests/integration/targets 2>/dev/null)" ] && step integration integration
    step ansible-lint lint
    step reference-docs reference_docs
    ;;
  compat)
    step "sanity (ansible-core $(python -c 'import ansible; print(ansible.__version__)'))" \
      sanity --test compile --test import --test validate-modules --test ansible-doc --test future-import-boilerplate --test metaclass-boilerplate
    step "python 2.7/3.6 syntax and confined layer" syntax_2_7_3_6
    have tests/unit && step "units (ansible-core 2.16)" units
    have tests/fleet && step "fleet over ssh (ansible-core 2.16, targets on Python 2.7 and 3.6)" \
      env FLEET_COMPAT=1 python -m pytest -q -p no:cacheprovider tests/fleet
    ;;
  sanity) step sanity sanity ;;
  units) step units units ;;
  integration) step integration integration ;;
  lint) step ansible-lint lint ;;
  reference-docs) step reference-docs reference_docs ;;
  simulator-tests) step simulator-tests pytest_suite tests/simulator ;;
  nfs-tests) step nfs-tests pytest_suite tests/nfs ;;
  fleet-tests) step fleet-tests pytest_suite tests/fleet ;;
  ops-tests) step ops-tests pytest_suite tests/ops ;;
  demo-e2e) step demo-e2e pytest_suite tests/demo ;;
  bench)
    for b in tests/bench/bench_*.py; do [ -e "$b" ] && step "$(basename "$b" .py)" python "$b"; done
    ;;
  *) echo "unknown suite $suite" >&2; exit 2 ;;
esac

echo
echo "=== summary ($suite)"
for s in "${passed[@]}"; do echo "PASS  $s"; done
for s in "${failed[@]}"; do echo "FAIL  $s"; done
echo "summary: ${#passed[@]} passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
