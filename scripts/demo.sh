#!/usr/bin/env bash
# `make run`: a local demo mail server (Dovecot + Postfix on 127.0.0.1:11100-11107) with the
# users alice@example.test and bob@example.test (password "secret"), and the gateway on
# 127.0.0.1:8025 with both configured as accounts. Ctrl-C stops everything.
# DEMO_DIR, DEMO_MAIL_DIR, DEMO_MAIL_BASE_PORT, GATEWAY_HOST and GATEWAY_PORT move it elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh

demo=${DEMO_DIR:-$PWD/.demo}
mkdir -p "$demo"
# The mail servers' users must reach their directory: keep it out of /root-like homes.
maildir=${DEMO_MAIL_DIR:-/tmp/mailgate-demo}
bash scripts/mailstack.sh start "$maildir" "${DEMO_MAIL_BASE_PORT:-11100}"
# shellcheck disable=SC1091
source "$maildir/mailstack.env"
trap 'bash scripts/mailstack.sh stop "$maildir"' EXIT
trap 'exit 130' INT TERM

[ -f "$demo/admin-token" ] || .venv/bin/python -c \
    'import secrets; print("mgt_demo_" + secrets.token_urlsafe(24))' > "$demo/admin-token"
token=$(cat "$demo/admin-token")

account() {  # id email
    cat <<YAML
  - id: $1
    name: ${1^}
    email: $2
    imap: {host: 127.0.0.1, port: $IMAP_PORT, security: starttls, username: $2, password: secret, ca_file: $CERT}
    smtp: {host: 127.0.0.1, port: $SUBMISSION_PORT, security: starttls, username: $2, password: secret, ca_file: $CERT}
    pop3: {host: 127.0.0.1, port: $POP3_PORT, security: starttls, username: $2, password: secret, ca_file: $CERT}
YAML
}
{ echo "accounts:"; account alice alice@example.test; account bob bob@example.test; } \
    > "$demo/accounts.yaml"

# A first message, so that alice's inbox is not empty.
if [ ! -f "$demo/welcomed" ]; then
    .venv/bin/python - "$SMTP_PORT" <<'PY'
import smtplib, sys
from email.message import EmailMessage
msg = EmailMessage()
msg["From"] = "Bob <bob@example.test>"
msg["To"] = "Alice <alice@example.test>"
msg["Subject"] = "Welcome to mailgate"
msg.set_content("Hello Alice,\n\nthis message came through the local demo mail server.\n")
with smtplib.SMTP("127.0.0.1", int(sys.argv[1])) as smtp:
    smtp.send_message(msg)
PY
    touch "$demo/welcomed"
fi

export GATEWAY_HOST="${GATEWAY_HOST:-127.0.0.1}" GATEWAY_PORT="${GATEWAY_PORT:-8025}"
api=$GATEWAY_HOST:$GATEWAY_PORT
cat <<TXT

mailgate demo
  mail server: IMAP 127.0.0.1:$IMAP_PORT  POP3 127.0.0.1:$POP3_PORT  SMTP 127.0.0.1:$SUBMISSION_PORT
  users:       alice@example.test, bob@example.test (password: secret)
  admin token: $token

Try:
  export TOKEN=$token
  curl -H "Authorization: Bearer \$TOKEN" $api/v1/accounts
  curl -X POST -H "Authorization: Bearer \$TOKEN" $api/v1/accounts/alice/verify
  open http://$api/docs

TXT

export GATEWAY_DATABASE_URL="sqlite+aiosqlite:///$demo/gateway.db"
export GATEWAY_ACCOUNTS_FILE="$demo/accounts.yaml"
export GATEWAY_ADMIN_TOKEN="$token"
.venv/bin/mailgate serve
