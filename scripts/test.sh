#!/usr/bin/env bash
# The whole test suite against real Dovecot, Postfix and PostgreSQL (installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/cyrus.sh install  # the second IMAP/POP3 server of the test matrix
bash scripts/chromium.sh install  # headless Chromium for the web console's browser tests
# Every Dovecot IMAP process in IDLE takes an inotify instance, all under the mail user's uid;
# Debian allows 128 per uid, and the scale tests hold 300 IDLE sessions at once (past the
# limit Dovecot polls every 30 s instead). Raised as root when lower, never lowered.
limit=/proc/sys/fs/inotify/max_user_instances
if [ -w "$limit" ] && [ "$(cat "$limit")" -lt 2048 ]; then
    echo 2048 > "$limit" || true
fi
export GATEWAY_TEST_POSTGRES_URL="${GATEWAY_TEST_POSTGRES_URL:-$(bash scripts/postgres.sh)}"
# Two processes (pytest-xdist; a module stays in one: its fixtures are started once). Most
# tests wait on real servers, so two share two cores well. MAILGATE_TEST_WORKERS=0: one.
exec .venv/bin/python -m pytest -q -n "${MAILGATE_TEST_WORKERS:-2}" --dist loadfile "$@"
