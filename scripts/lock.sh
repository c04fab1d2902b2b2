#!/usr/bin/env bash
# Regenerate requirements.lock: resolve pyproject.toml's dependencies (with the test extra)
# afresh in a scratch virtualenv and freeze the result. scripts/bootstrap.sh installs with
# the lock as constraints, so `make test` (and CI) then run on exactly this set: run it
# after a new lock before committing it.
set -euo pipefail
cd "$(dirname "$0")/.."
python=.venv/bin/python
[ -x "$python" ] || python=python3
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
"$python" -m venv "$scratch/venv"
"$scratch/venv/bin/python" -m pip install -q --upgrade pip
"$scratch/venv/bin/python" -m pip install -q -e '.[test]'
{
    echo "# The tested set of mailgate's dependencies (runtime and test), installed by"
    echo "# scripts/bootstrap.sh as constraints. Regenerate with \`make lock\`; do not edit."
    "$scratch/venv/bin/python" -m pip freeze --exclude-editable
} > requirements.lock.new
mv requirements.lock.new requirements.lock
echo "lock: requirements.lock has $(grep -vc '^#' requirements.lock) packages"
