#!/usr/bin/env bash
# Everything the gateway and its tests need on a fresh Debian/Ubuntu machine (run as root):
# Debian packages (Python venv, Dovecot, Postfix), then a virtualenv in .venv with the project.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
python=""
for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
        "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        python=$candidate
        break
    fi
done
if [ -z "$python" ]; then
    need_apt+=(python3 python3-venv python3-dev)
elif ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    need_apt+=(python3-venv)
fi
command -v make >/dev/null 2>&1 || need_apt+=(make)
command -v gcc >/dev/null 2>&1 || need_apt+=(gcc)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "bootstrap: installing ${need_apt[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need_apt[@]}"
    [ -n "$python" ] || python=python3
fi

bash scripts/mailstack.sh install

if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
# The project with exactly the tested set of dependencies (requirements.lock as constraints;
# `make lock` regenerates it), again whenever pyproject.toml or the lock changed. One
# install at a time: concurrent test runs share the virtualenv.
stamp=.venv/.installed
install() {
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ requirements.lock -nt "$stamp" ]
    then
        .venv/bin/python -m pip install -q --upgrade pip
        .venv/bin/python -m pip install -q -c requirements.lock -e '.[test]'
        touch "$stamp"
    fi
}
if command -v flock >/dev/null 2>&1; then
    (flock 9 && install) 9>.venv/.install.lock
else
    install
fi
