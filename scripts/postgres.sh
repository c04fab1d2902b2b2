#!/usr/bin/env bash
# Prints a PostgreSQL URL the tests can use. Uses the server on 127.0.0.1:5432 when one
# answers (trust auth); otherwise installs PostgreSQL and starts a throwaway cluster in
# .postgres/ on port 55432, owned by the postgres system user.
set -euo pipefail
cd "$(dirname "$0")/.."

probe() {  # $1 = port
    .venv/bin/python - "$1" <<'PY' >/dev/null 2>&1
import asyncio, sys
import asyncpg
async def main():
    conn = await asyncpg.connect(host="127.0.0.1", port=int(sys.argv[1]), user="postgres",
                                 database="postgres", timeout=3)
    await conn.close()
asyncio.run(main())
PY
}

if probe 5432; then
    echo "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    exit 0
fi
port=55432
dir=$PWD/.postgres
if ! probe $port; then
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        echo "postgres: installing PostgreSQL" >&2
        apt-get update -q >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql >&2
    fi
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    mkdir -p "$dir"
    chown postgres:postgres "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        runuser -u postgres -- "$bin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
    fi
    runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
        -o "-h 127.0.0.1 -p $port -k $dir" start >&2
fi
echo "postgresql+asyncpg://postgres@127.0.0.1:$port/postgres"
