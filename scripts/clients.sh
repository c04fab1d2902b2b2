#!/usr/bin/env bash
# The API clients in clients/, generated from openapi/openapi.json by pinned generators:
#   bash scripts/clients.sh generate   regenerate both (`make clients`)
#   bash scripts/clients.sh check      regenerate into a scratch directory and compare: fails
#                                      when clients/ is stale or when a generator warned
#   bash scripts/clients.sh tools      install the generators (done by the others when needed)
#   bash scripts/clients.sh build-ts   compile the TypeScript client and its examples (dist/)
# Python: openapi-python-client (clients/python/codegen-requirements.txt) in .venv-clients,
# which also holds the client package itself (pip install -e), to run its examples.
# TypeScript: @hey-api/openapi-ts and tsc from clients/typescript/package-lock.json (npm ci).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv=$root/.venv-clients
py=$root/clients/python
ts=$root/clients/typescript
scratch=""
trap '[ -z "$scratch" ] || rm -rf "$scratch"' EXIT

tools() {
    command -v node >/dev/null && command -v npm >/dev/null ||
        { echo "clients: node and npm are needed (Node 20.19 or later)" >&2; exit 1; }
    [ -x .venv/bin/python ] || bash scripts/bootstrap.sh
    mkdir -p "$venv"
    # One install at a time: concurrent test runs share the tools.
    if command -v flock >/dev/null 2>&1; then
        (flock 9 && install_tools) 9>"$venv/.lock"
    else
        install_tools
    fi
}

install_tools() {
    if [ ! -x "$venv/bin/python" ]; then
        .venv/bin/python -m venv "$venv"
    fi
    local stamp=$venv/.installed
    if [ ! -f "$stamp" ] || [ "$py/codegen-requirements.txt" -nt "$stamp" ] ||
        [ "$py/pyproject.toml" -nt "$stamp" ]; then
        # pip's notes go to a log, shown when it fails.
        if ! { "$venv/bin/python" -m pip install -q --upgrade pip &&
            "$venv/bin/python" -m pip install -q -r "$py/codegen-requirements.txt" &&
            "$venv/bin/python" -m pip install -q -c "$py/codegen-requirements.txt" -e "$py"
        } >"$venv/pip.log" 2>&1; then
            cat "$venv/pip.log" >&2
            exit 1
        fi
        # The editable install finds the package only if it existed: once generated, again.
        [ ! -d "$py/mailgate_client" ] || touch "$stamp"
    fi
    stamp=$ts/node_modules/.installed
    if [ ! -f "$stamp" ] || [ "$ts/package-lock.json" -nt "$stamp" ]; then
        (cd "$ts" && npm ci --no-audit --no-fund --loglevel=error)
        touch "$stamp"
    fi
}

# generate DIR: the Python package into DIR/python, the TypeScript sources into DIR/typescript.
# Any generator warning (an operation skipped, a response left out) is an error.
generate_into() {
    local out=$1 log
    log=$(mktemp)
    # --meta none: the package alone (clients/python/pyproject.toml is written by hand).
    if ! PATH="$venv/bin:$PATH" "$venv/bin/openapi-python-client" generate \
        --path openapi/openapi.json --config "$py/codegen.yaml" --meta none \
        --output-path "$out/python" --fail-on-warning >"$log" 2>&1; then
        cat "$log" >&2
        echo "clients: openapi-python-client failed or warned (above)" >&2
        rm -f "$log"
        exit 1
    fi
    if ! (cd "$ts" && MAILGATE_TS_OUTPUT="$out/typescript" \
        node_modules/.bin/openapi-ts -f openapi-ts.config.mjs --no-log-file) >"$log" 2>&1 ||
        grep -Eiq 'warn|error' "$log"; then
        cat "$log" >&2
        echo "clients: @hey-api/openapi-ts failed or warned (above)" >&2
        rm -f "$log"
        exit 1
    fi
    rm -f "$log"
}

generate() {
    tools
    scratch=$(mktemp -d)
    generate_into "$scratch"
    rm -rf "$py/mailgate_client" "$ts/src"
    cp -r "$scratch/python" "$py/mailgate_client"
    cp -r "$scratch/typescript" "$ts/src"
    echo "clients: regenerated clients/python/mailgate_client and clients/typescript/src"
}

check() {
    tools
    scratch=$(mktemp -d)
    generate_into "$scratch"
    local stale=0
    diff -r -x __pycache__ "$scratch/python" "$py/mailgate_client" >"$scratch/py.diff" || stale=1
    diff -r "$scratch/typescript" "$ts/src" >"$scratch/ts.diff" || stale=1
    if [ "$stale" = 1 ]; then
        head -c 20000 "$scratch/py.diff" "$scratch/ts.diff" >&2
        echo "clients: clients/ is not what openapi/openapi.json generates: run \`make clients\`" \
            "and commit the result" >&2
        exit 1
    fi
    echo "clients: up to date with openapi/openapi.json"
}

build_ts() {
    tools
    (cd "$ts" && node_modules/.bin/tsc -p tsconfig.json)
}

case "${1:-}" in
    tools) tools ;;
    generate) generate ;;
    check) check ;;
    build-ts) build_ts ;;
    *) echo "usage: $0 tools|generate|check|build-ts" >&2; exit 2 ;;
esac
