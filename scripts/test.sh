#!/usr/bin/env bash
# The whole test suite against real Dovecot, Postfix and PostgreSQL (installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/cyrus.sh install  # the second IMAP/POP3 server of the test matrix
bash scripts/chromium.sh install  # headless Chromium for the web console's browser tests
export GATEWAY_TEST_POSTGRES_URL="${GATEWAY_TEST_POSTGRES_URL:-$(bash scripts/postgres.sh)}"
# Two processes (pytest-xdist; a module stays in one: its fixtures are started once). Most
# tests wait on real servers, so two share two cores well. MAILGATE_TEST_WORKERS=0: one.
exec .venv/bin/python -m pytest -q -n "${MAILGATE_TEST_WORKERS:-2}" --dist loadfile "$@"
