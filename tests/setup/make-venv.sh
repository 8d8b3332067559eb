#!/usr/bin/env bash
# Create or refresh a project venv from a pinned requirements file.
# Usage: make-venv.sh VENV_DIR REQUIREMENTS_FILE [PYTHON]
# The venv is rebuilt only when the requirements file changes (hash stamp).
set -euo pipefail
venv=$1
req=$2
python=${3:-python3.11}
command -v "$python" >/dev/null 2>&1 || python=python3

stamp="$venv/.requirements.sha256"
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "make-venv: $venv up to date"
  exit 0
fi
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q -r "$req" 2> >(grep -v "^WARNING: Location .* is ignored" >&2)
echo "$want" > "$stamp"
echo "make-venv: $venv built from $req with $("$venv/bin/python" --version)"
