#!/usr/bin/env bash
# The whole test suite against real Dovecot, Postfix and PostgreSQL (installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/cyrus.sh install  # the second IMAP/POP3 server of the test matrix
bash scripts/chromium.sh install  # headless Chromium for the web console's browser tests
export GATEWAY_TEST_POSTGRES_URL="${GATEWAY_TEST_POSTGRES_URL:-$(bash scripts/postgres.sh)}"
exec .venv/bin/python -m pytest -q "$@"
