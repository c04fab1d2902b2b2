#!/usr/bin/env bash
# Throwaway Dovecot + Postfix on loopback for tests, benchmarks and demos.
#
#   scripts/mailstack.sh install                 install the Debian/Ubuntu packages (root)
#   scripts/mailstack.sh start DIR BASEPORT      write config under DIR, start both, wait
#   scripts/mailstack.sh stop DIR                SIGTERM both masters, wait until gone
#   scripts/mailstack.sh status DIR              exit 0 when both are running
#   scripts/mailstack.sh start-dovecot|stop-dovecot|restart-dovecot|kill-dovecot DIR
#   scripts/mailstack.sh start-postfix|stop-postfix DIR
# "start" installs the packages when missing, is a no-op when DIR already runs on
# BASEPORT, restarts it when it runs on another one, and waits (MAILSTACK_TIMEOUT,
# default 30 s) until every port greets. DIR's ancestors must be searchable by
# other users (pytest's tmp_path is not: use /tmp/something).
#
# Port layout (all on 127.0.0.1 only):
#   BASE+0 IMAP (STARTTLS, plaintext auth allowed)   BASE+1 IMAPS
#   BASE+2 POP3 (STLS)                               BASE+3 POP3S
#   BASE+4 SMTP submission (STARTTLS, AUTH PLAIN/LOGIN also without TLS)
#   BASE+5 SMTPS (implicit TLS, AUTH)                BASE+6 SMTP, no auth, local domain only
#   BASE+7 LMTP (Dovecot, synchronous delivery)
#
# Users: every <localpart>@example.test exists with password "secret", except that
# Postfix rejects (550 User unknown) any local part starting with "unknown", and accepts
# mail to local parts starting with "gone" but hands it to its local(8) delivery agent,
# which finds no such user and bounces it to the sender (a DSN, 5.1.1 unknown user).
# No mail ever leaves the machine. DIR/mailstack.env has the ports and CERT.
#
# OAuth2 (optional, off by default): with MAILSTACK_OAUTH2_INTROSPECTION_URL set, "start"
# also offers XOAUTH2 and OAUTHBEARER on IMAP, POP3 and (through Dovecot's SASL) SMTP AUTH,
# validated by Dovecot's oauth2 passdb at that RFC 7662 endpoint (introspection_mode =
# post; MAILSTACK_OAUTH2_CLIENT_ID/_SECRET are sent with each token). Only those two
# mechanisms reach the oauth2 passdb; PLAIN/LOGIN stay on the password passdb. The
# settings are kept in DIR/oauth2.env, so a later "start" of DIR keeps them.
# MAILSTACK_AUTH_DEBUG=1 switches Dovecot's auth_debug on (the log may then hold secrets).
set -euo pipefail

export PATH="$PATH:/usr/sbin:/sbin"

DOMAIN=example.test
PASSWORD=secret
MAIL_UID=8
MAIL_GID=8
READY_TIMEOUT=${MAILSTACK_TIMEOUT:-30}

die() {
    echo "mailstack: error: $*" >&2
    exit 1
}
say() { echo "mailstack: $*" >&2; }

usage() {
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# ---------------------------------------------------------------- install

have_packages() {
    command -v dovecot >/dev/null 2>&1 &&
        command -v doveadm >/dev/null 2>&1 &&
        command -v postfix >/dev/null 2>&1 &&
        command -v openssl >/dev/null 2>&1 &&
        [ -x /usr/lib/dovecot/imap ] && [ -x /usr/lib/dovecot/pop3 ] &&
        [ -x /usr/lib/dovecot/lmtp ]
}

cmd_install() {
    if have_packages; then
        return 0
    fi
    [ "$(id -u)" = 0 ] || die "dovecot/postfix are missing and installing them needs root"
    command -v apt-get >/dev/null 2>&1 || die "dovecot/postfix are missing and apt-get is not available"
    say "installing dovecot + postfix"
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        dovecot-core dovecot-imapd dovecot-pop3d dovecot-lmtpd dovecot-submissiond \
        postfix openssl
    have_packages || die "packages installed but dovecot/postfix/openssl still not found"
}

# ---------------------------------------------------------------- paths

# Sets every path variable for DIR (must be absolute already).
set_paths() {
    DIR=$1
    LOGDIR=$DIR/log
    # Unix socket paths are limited to 108 bytes: Dovecot's sockets live in RUN and
    # Postfix's in PF_QUEUE (public/postlog is connected by absolute path). For a
    # long DIR both go to a short directory in /tmp (symlinked from DIR, removed by
    # "stop").
    if [ ${#DIR} -le 60 ]; then
        SHORT=
        RUN=$DIR/run
        PF_QUEUE=$DIR/postfix-queue
    else
        SHORT=/tmp/mailstack-sock-$(printf '%s' "$DIR" | md5sum | cut -c1-12)
        RUN=$SHORT/run
        PF_QUEUE=$SHORT/postfix-queue
    fi
    DOVECOT_CONF=$DIR/dovecot.conf
    PF_CONF=$DIR/postfix
    PF_DATA=$DIR/postfix-data
    PF_PIDFILE=$PF_QUEUE/pid/master.pid
    DC_PIDFILE=$RUN/master.pid
    ENV_FILE=$DIR/mailstack.env
    CERT=$DIR/cert.pem
    KEY=$DIR/key.pem
    DAEMON_LOG=$LOGDIR/daemons.log
    INSTANCE=mailstack-$(printf '%s' "$DIR" | md5sum | cut -c1-10)
}

abs_dir() {
    [ -n "${1:-}" ] || usage
    mkdir -p "$1"
    (cd "$1" && pwd -P)
}

set_ports() {
    local b=$1
    case "$b" in '' | *[!0-9]*) die "BASEPORT must be a number, got '$b'" ;; esac
    if [ "$b" -lt 1024 ] || [ "$b" -gt 65527 ]; then
        die "BASEPORT must be in 1024..65527"
    fi
    BASEPORT=$b
    IMAP_PORT=$b
    IMAPS_PORT=$((b + 1))
    POP3_PORT=$((b + 2))
    POP3S_PORT=$((b + 3))
    SUBMISSION_PORT=$((b + 4))
    SMTPS_PORT=$((b + 5))
    SMTP_PORT=$((b + 6))
    LMTP_PORT=$((b + 7))
}

load_env() {
    [ -f "$ENV_FILE" ] || die "$ENV_FILE not found: run 'start $DIR BASEPORT' first"
    local base
    base=$(sed -n 's/^BASEPORT=//p' "$ENV_FILE")
    set_ports "$base"
}

# ---------------------------------------------------------------- process helpers

# pid_alive PIDFILE COMM: prints the pid when the process is running with that name.
pid_alive() {
    local pidfile=$1 comm=$2 pid
    [ -f "$pidfile" ] || return 1
    pid=$(tr -dc '0-9' <"$pidfile" 2>/dev/null || true)
    [ -n "$pid" ] || return 1
    [ -r "/proc/$pid/comm" ] || return 1
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$comm" ] || return 1
    # A stopped master can stay a zombie for a while (slow reaper as PID 1).
    ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null || return 1
    echo "$pid"
}

dovecot_pid() { pid_alive "$DC_PIDFILE" dovecot; }
postfix_pid() { pid_alive "$PF_PIDFILE" master; }

# descendants PID: all transitive children of PID (not PID itself). Reads /proc
# directly (procps is not installed on minimal Debian images).
descendants() {
    local root=$1 f line rest pid
    local -A parent=()
    for f in /proc/[0-9]*/stat; do
        IFS= read -r line <"$f" 2>/dev/null || continue
        pid=${line%% *}
        rest=${line##*) }
        rest=${rest#* }
        parent[$pid]=${rest%% *}
    done
    local -A wanted=(["$root"]=1)
    local changed=1 p
    while [ $changed = 1 ]; do
        changed=0
        for p in "${!parent[@]}"; do
            if [ -z "${wanted[$p]:-}" ] && [ -n "${wanted[${parent[$p]}]:-}" ]; then
                wanted[$p]=1
                changed=1
            fi
        done
    done
    for p in "${!wanted[@]}"; do
        [ "$p" = "$root" ] || echo "$p"
    done
}

# wait_gone TIMEOUT PID...: wait until none of the pids exists.
wait_gone() {
    local timeout=$1 deadline p alive
    shift
    deadline=$((SECONDS + timeout))
    while :; do
        alive=
        for p in "$@"; do
            if [ -e "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null; then
                alive="$alive $p"
            fi
        done
        [ -z "$alive" ] && return 0
        [ $SECONDS -ge $deadline ] && {
            echo "$alive"
            return 1
        }
        sleep 0.05
    done
}

# stop_master NAME PID: SIGTERM to the master and all its children at once (Dovecot's
# auth/log/stats otherwise linger while Postfix keeps a SASL connection open), wait
# until all are gone, SIGKILL stragglers.
stop_master() {
    local name=$1 pid=$2 kids left
    kids=$(descendants "$pid" | tr '\n' ' ')
    # shellcheck disable=SC2086
    kill -TERM "$pid" $kids 2>/dev/null || true
    # shellcheck disable=SC2086
    if ! left=$(wait_gone 10 "$pid" $kids); then
        say "$name did not stop in 10 s, sending SIGKILL to$left"
        # shellcheck disable=SC2086
        kill -KILL $left 2>/dev/null || true
        # shellcheck disable=SC2086
        wait_gone 5 $left >/dev/null || true
    fi
}

log_tail() {
    local f
    for f in "$DAEMON_LOG" "$LOGDIR/dovecot.log" "$LOGDIR/postfix.log"; do
        [ -s "$f" ] || continue
        echo "----- tail of $f" >&2
        tail -n 25 "$f" >&2
    done
}

# ---------------------------------------------------------------- readiness

# greeting_plain PORT EXPECTED-PREFIX: 0 when the first line starts with the prefix.
greeting_plain() {
    local port=$1 want=$2 line=''
    (
        exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
        IFS= read -r -t 2 line <&3 || exit 1
        exec 3>&-
        [[ "$line" == "$want"* ]]
    ) 2>/dev/null
}

# greeting_tls PORT EXPECTED-PREFIX: verified TLS handshake (CA = our cert) + greeting.
greeting_tls() {
    local port=$1 want=$2 line='' rc=1
    coproc TLSPROBE {
        exec openssl s_client -quiet -connect "127.0.0.1:$port" -servername localhost \
            -verify_hostname localhost -CAfile "$CERT" -verify_return_error 2>/dev/null
    }
    # shellcheck disable=SC2154
    local probe_pid=$TLSPROBE_PID
    if IFS= read -r -t 3 line <&"${TLSPROBE[0]}"; then
        [[ "$line" == "$want"* ]] && rc=0
    fi
    kill "$probe_pid" 2>/dev/null || true
    wait "$probe_pid" 2>/dev/null || true
    return $rc
}

port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wait_ready WHICH: WHICH is "dovecot", "postfix" or "all".
wait_ready() {
    local which=$1 deadline checks c port kind want ok
    checks=()
    if [ "$which" != postfix ]; then
        checks+=("$IMAP_PORT plain *_OK" "$IMAPS_PORT tls *_OK" "$POP3_PORT plain +OK"
            "$POP3S_PORT tls +OK" "$LMTP_PORT plain 220")
    fi
    if [ "$which" != dovecot ]; then
        checks+=("$SUBMISSION_PORT plain 220" "$SMTPS_PORT tls 220" "$SMTP_PORT plain 220")
    fi
    deadline=$((SECONDS + READY_TIMEOUT))
    for c in "${checks[@]}"; do
        read -r port kind want <<<"$c"
        want=${want//_/ }
        while :; do
            ok=1
            if [ "$kind" = tls ]; then
                greeting_tls "$port" "$want" || ok=0
            else
                greeting_plain "$port" "$want" || ok=0
            fi
            [ $ok = 1 ] && break
            if [ "$which" != postfix ] && ! dovecot_pid >/dev/null; then
                say "dovecot is not running (port $port not ready)"
                log_tail
                return 1
            fi
            if [ "$which" != dovecot ] && ! postfix_pid >/dev/null; then
                say "postfix is not running (port $port not ready)"
                log_tail
                postfix_diagnose
                return 1
            fi
            if [ $SECONDS -ge $deadline ]; then
                say "timeout after ${READY_TIMEOUT}s waiting for the greeting on 127.0.0.1:$port ($kind)"
                log_tail
                return 1
            fi
            sleep 0.05
        done
    done
}

# ---------------------------------------------------------------- config

write_cert() {
    if [ -s "$CERT" ] && [ -s "$KEY" ]; then
        return 0
    fi
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
        -keyout "$KEY.tmp" -out "$CERT.tmp" -subj "/CN=localhost" \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign" \
        -addext "extendedKeyUsage=serverAuth" >/dev/null 2>&1 ||
        die "openssl could not create a certificate in $DIR"
    chmod 0644 "$CERT.tmp"
    chmod 0600 "$KEY.tmp"
    mv "$KEY.tmp" "$KEY"
    mv "$CERT.tmp" "$CERT"
}

write_env() {
    cat >"$ENV_FILE.tmp" <<EOF
MAILSTACK_DIR=$DIR
HOST=127.0.0.1
DOMAIN=$DOMAIN
PASSWORD=$PASSWORD
BASEPORT=$BASEPORT
IMAP_PORT=$IMAP_PORT
IMAPS_PORT=$IMAPS_PORT
POP3_PORT=$POP3_PORT
POP3S_PORT=$POP3S_PORT
SUBMISSION_PORT=$SUBMISSION_PORT
SMTPS_PORT=$SMTPS_PORT
SMTP_PORT=$SMTP_PORT
LMTP_PORT=$LMTP_PORT
LMTP_SOCKET=$RUN/lmtp
CERT=$CERT
DOVECOT_CONF=$DOVECOT_CONF
POSTFIX_CONF=$PF_CONF
MAIL_DIR=$DIR/mail
EOF
    mv "$ENV_FILE.tmp" "$ENV_FILE"
}

# Reads the OAuth2 settings from the environment (then keeps them in DIR/oauth2.env) or
# from DIR/oauth2.env of an earlier start; sets OAUTH2_URL (empty: OAuth2 off).
load_oauth2_settings() {
    OAUTH2_URL=${MAILSTACK_OAUTH2_INTROSPECTION_URL:-}
    OAUTH2_CLIENT_ID=${MAILSTACK_OAUTH2_CLIENT_ID:-}
    OAUTH2_CLIENT_SECRET=${MAILSTACK_OAUTH2_CLIENT_SECRET:-}
    if [ -n "$OAUTH2_URL" ]; then
        case "$OAUTH2_URL" in
        http://127.0.0.1:* | http://localhost:*) ;;
        *) die "MAILSTACK_OAUTH2_INTROSPECTION_URL must be http://127.0.0.1:PORT/... (loopback)" ;;
        esac
        (
            umask 077
            printf 'URL=%s\nCLIENT_ID=%s\nCLIENT_SECRET=%s\n' "$OAUTH2_URL" \
                "$OAUTH2_CLIENT_ID" "$OAUTH2_CLIENT_SECRET" >"$DIR/oauth2.env"
        )
    elif [ -f "$DIR/oauth2.env" ]; then
        OAUTH2_URL=$(sed -n 's/^URL=//p' "$DIR/oauth2.env")
        OAUTH2_CLIENT_ID=$(sed -n 's/^CLIENT_ID=//p' "$DIR/oauth2.env")
        OAUTH2_CLIENT_SECRET=$(sed -n 's/^CLIENT_SECRET=//p' "$DIR/oauth2.env")
    fi
}

# Dovecot's oauth2 passdb settings (its args file), readable by the auth process only.
write_dovecot_oauth2_args() {
    local args=$DIR/dovecot-oauth2.conf.ext
    cat >"$args.tmp" <<EOF
# Generated by scripts/mailstack.sh: tokens are checked at an RFC 7662 endpoint.
introspection_mode = post
introspection_url = $OAUTH2_URL
client_id = $OAUTH2_CLIENT_ID
client_secret = $OAUTH2_CLIENT_SECRET
username_attribute = username
username_format = %Lu
active_attribute = active
active_value = true
timeout_msecs = 5000
EOF
    chmod 0600 "$args.tmp"
    mv "$args.tmp" "$args"
}

write_dovecot_conf() {
    local dh="" mechanisms="plain login" passdbs auth_debug=no
    [ -f /usr/share/dovecot/dh.pem ] && dh="ssl_dh = </usr/share/dovecot/dh.pem"
    [ "${MAILSTACK_AUTH_DEBUG:-}" = 1 ] && auth_debug=yes
    load_oauth2_settings
    if [ -n "$OAUTH2_URL" ]; then
        write_dovecot_oauth2_args
        mechanisms="plain login xoauth2 oauthbearer"
        # The mechanisms filters keep tokens away from the password passdb and passwords
        # away from the introspection endpoint.
        passdbs="passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $DIR/dovecot-oauth2.conf.ext
}
passdb {
  driver = static
  mechanisms = plain login
  args = password=$PASSWORD
}"
    else
        passdbs="passdb {
  driver = static
  args = password=$PASSWORD
}"
    fi
    cat >"$DOVECOT_CONF.tmp" <<EOF
# Generated by scripts/mailstack.sh - throwaway Dovecot for tests, loopback only.
instance_name = $INSTANCE
base_dir = $RUN
state_dir = $DIR/state
log_path = $LOGDIR/dovecot.log
info_log_path = $LOGDIR/dovecot.log
debug_log_path = $LOGDIR/dovecot.log
listen = 127.0.0.1
protocols = imap pop3 lmtp
shutdown_clients = yes

default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull

ssl = yes
ssl_cert = <$CERT
ssl_key = <$KEY
$dh
ssl_min_protocol = TLSv1.2

disable_plaintext_auth = no
auth_mechanisms = $mechanisms
auth_failure_delay = 0
auth_cache_size = 0
auth_debug = $auth_debug
login_trusted_networks =

$passdbs
userdb {
  driver = static
  args = uid=$MAIL_UID gid=$MAIL_GID home=$DIR/mail/%d/%n allow_all_users=yes
}

first_valid_uid = $MAIL_UID
first_valid_gid = $MAIL_GID
mail_location = maildir:~/Maildir
# Maildir++ forbids '.' in mailbox names; listescape stores it as \2e instead.
mail_plugins = \$mail_plugins listescape
mail_fsync = never
mail_max_userip_connections = 1000
pop3_uidl_format = %08Xu%08Xv
recipient_delimiter = +

namespace inbox {
  inbox = yes
  separator = /
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
  mailbox Junk {
    special_use = \\Junk
    auto = subscribe
  }
  mailbox Archive {
    special_use = \\Archive
    auto = subscribe
  }
}

protocol imap {
  mail_max_userip_connections = 1000
}
protocol pop3 {
  mail_max_userip_connections = 1000
}
protocol lmtp {
  postmaster_address = postmaster@$DOMAIN
}

service imap-login {
  service_count = 0
  process_min_avail = 2
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
}
service pop3-login {
  service_count = 0
  process_min_avail = 2
  inet_listener pop3 {
    address = 127.0.0.1
    port = $POP3_PORT
  }
  inet_listener pop3s {
    address = 127.0.0.1
    port = $POP3S_PORT
    ssl = yes
  }
}
service imap {
  process_limit = 1000
}
service pop3 {
  process_limit = 1000
}
service lmtp {
  unix_listener lmtp {
    mode = 0666
  }
  inet_listener lmtp {
    address = 127.0.0.1
    port = $LMTP_PORT
  }
}
service auth {
  unix_listener auth-postfix {
    mode = 0660
    user = postfix
    group = postfix
  }
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service stats {
  unix_listener stats-writer {
    mode = 0666
  }
}
# Overrides written by a caller before "start" (bench/scale.py: limits for many IDLE
# clients); a setting repeated here wins over the one above.
!include_try $DIR/dovecot-local.conf
EOF
    mv "$DOVECOT_CONF.tmp" "$DOVECOT_CONF"
}

write_postfix_conf() {
    local long_lines=""
    mkdir -p "$PF_CONF"
    load_oauth2_settings
    # AUTH XOAUTH2 <initial response> with a JWT-sized token is longer than Postfix's
    # default line_length_limit (2048): it would be cut ("535 Invalid base64 data").
    [ -n "$OAUTH2_URL" ] && long_lines="
  -o line_length_limit=16384"
    cat >"$PF_CONF/main.cf" <<EOF
# Generated by scripts/mailstack.sh - throwaway Postfix for tests, loopback only.
compatibility_level = 3.6
queue_directory = $PF_QUEUE
data_directory = $PF_DATA
maillog_file = $LOGDIR/postfix.log
maillog_file_prefixes = $LOGDIR
syslog_name = $INSTANCE
mail_owner = postfix
setgid_group = postdrop

myhostname = mailstack.$DOMAIN
mydomain = $DOMAIN
myorigin = $DOMAIN
mydestination =
relay_domains =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
biff = no
append_dot_mydomain = no

# Every <localpart>@$DOMAIN exists except local parts starting with "unknown".
virtual_mailbox_domains = $DOMAIN
virtual_mailbox_maps = regexp:$PF_CONF/vmailbox
virtual_transport = lmtp:unix:$RUN/lmtp
unknown_virtual_mailbox_reject_code = 550
# Local parts starting with "gone": accepted, then bounced by local(8) (no such user).
transport_maps = regexp:$PF_CONF/transport

# No mail ever leaves this machine.
default_transport = error:mailstack does not deliver outside $DOMAIN
relay_transport = error:mailstack does not deliver outside $DOMAIN
local_transport = error:mailstack has no local delivery

message_size_limit = 104857600
mailbox_size_limit = 0
virtual_mailbox_limit = 0

smtpd_banner = \$myhostname ESMTP mailstack
smtpd_tls_cert_file = $CERT
smtpd_tls_key_file = $KEY
smtpd_tls_security_level = may
smtpd_tls_auth_only = no
smtpd_sasl_type = dovecot
smtpd_sasl_path = $RUN/auth-postfix
smtpd_sasl_auth_enable = no
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions =
smtpd_peername_lookup = no
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 1000
smtpd_hard_error_limit = 1000
smtpd_client_connection_count_limit = 0
in_flow_delay = 0

# Retry quickly when Dovecot was down (tests stop/kill it on purpose).
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 5s
delay_warning_time = 0
lmtp_connect_timeout = 5s
EOF
    cat >"$PF_CONF/vmailbox" <<'EOF'
# regexp table: every address exists except local parts starting with "unknown".
!/^unknown/ OK
EOF
    cat >"$PF_CONF/transport" <<'EOF'
# regexp table: mail to local parts starting with "gone" goes to local(8), which has no
# such user and bounces it.
/^gone[^@]*@/ local:
EOF
    cat >"$PF_CONF/master.cf" <<EOF
# Generated by scripts/mailstack.sh. No smtp/relay client: no outbound mail.
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$SUBMISSION_PORT inet n - n - - smtpd
  -o syslog_name=$INSTANCE/submission
  -o smtpd_tls_security_level=may
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=no
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject$long_lines
127.0.0.1:$SMTPS_PORT inet n - n - - smtpd
  -o syslog_name=$INSTANCE/smtps
  -o smtpd_tls_wrappermode=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject$long_lines
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
  -o syslog_name=$INSTANCE/smtp
  -o smtpd_sasl_auth_enable=no
  -o smtpd_relay_restrictions=reject_unauth_destination
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
local     unix  -       n       n       -       -       local
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
    # Postfix re-reads config files whose mtime is within ~2 s of now (and its
    # commands then wait): make them look old.
    touch -d '-1 minute' "$PF_CONF/main.cf" "$PF_CONF/master.cf" "$PF_CONF/vmailbox" \
        "$PF_CONF/transport"
}

prepare_dirs() {
    mkdir -p "$DIR" "$LOGDIR" "$RUN" "$DIR/state" "$DIR/mail" "$PF_QUEUE" "$PF_DATA"
    if [ -n "$SHORT" ]; then
        chmod 0755 "$SHORT"
        [ -L "$DIR/run" ] || ln -sfn "$RUN" "$DIR/run"
        [ -L "$DIR/postfix-queue" ] || ln -sfn "$PF_QUEUE" "$DIR/postfix-queue"
    fi
    # Dovecot mail processes (uid 8) and Postfix (user postfix) must reach DIR.
    chmod 0755 "$DIR" "$LOGDIR" "$RUN"
    chown "$MAIL_UID:$MAIL_GID" "$DIR/mail"
    chmod 0750 "$DIR/mail"
    chown root:root "$PF_QUEUE"
    chmod 0755 "$PF_QUEUE"
    chown postfix "$PF_DATA"
    chmod 0700 "$PF_DATA"
    touch "$DAEMON_LOG"
}

# Every ancestor of DIR must be searchable by other users: Dovecot's mail processes
# run as uid 8 and Postfix as postfix, and both reach into DIR.
check_ancestors() {
    local d=$1 mode
    while [ "$d" != / ]; do
        d=$(dirname "$d")
        mode=$(stat -c %a "$d")
        if [ $((8#$mode & 1)) -eq 0 ]; then
            die "$d (mode $mode) is not searchable by other users, so the mail user (uid $MAIL_UID) and postfix cannot reach $1. Use a directory like /tmp/mailstack-xyz (not pytest's tmp_path) or chmod o+x $d"
        fi
    done
}

# ---------------------------------------------------------------- start / stop pieces

start_dovecot() {
    if dovecot_pid >/dev/null; then
        return 0
    fi
    # A stale pid file whose process is a not yet reaped zombie makes Dovecot
    # refuse to start ("already running").
    rm -f "$DC_PIDFILE"
    check_ports_free "$IMAP_PORT" "$IMAPS_PORT" "$POP3_PORT" "$POP3S_PORT" "$LMTP_PORT"
    # Dovecot keeps the caller's stdio open after daemonising: redirect all three.
    dovecot -c "$DOVECOT_CONF" </dev/null >>"$DAEMON_LOG" 2>&1 9>&- || {
        say "dovecot failed to start"
        log_tail
        exit 1
    }
}

start_postfix() {
    if postfix_pid >/dev/null; then
        return 0
    fi
    check_ports_free "$SUBMISSION_PORT" "$SMTPS_PORT" "$SMTP_PORT"
    # After the first successful start the queue layout exists: skip the slow checks.
    if [ -d "$PF_QUEUE/pid" ] && [ -d "$PF_QUEUE/maildrop" ]; then
        touch "$PF_QUEUE/quick-start"
    fi
    postfix -c "$PF_CONF" start </dev/null >>"$DAEMON_LOG" 2>&1 9>&- || {
        say "postfix failed to start"
        log_tail
        postfix_diagnose
        exit 1
    }
}

# Postfix prints its startup errors only to syslog or to a terminal: replay the
# checks on a pseudo-terminal so that the reason becomes visible.
postfix_diagnose() {
    if command -v script >/dev/null 2>&1; then
        echo "----- postfix check" >&2
        script -qec "postfix -c '$PF_CONF' check" /dev/null </dev/null 2>&1 | tail -n 20 >&2 || true
    fi
}

check_ports_free() {
    local p
    for p in "$@"; do
        if port_open "$p"; then
            die "port 127.0.0.1:$p is already in use by another program (choose another BASEPORT)"
        fi
    done
}

stop_dovecot() {
    local pid
    if pid=$(dovecot_pid); then
        stop_master dovecot "$pid"
    fi
    rm -f "$DC_PIDFILE"
}

stop_postfix() {
    local pid
    if pid=$(postfix_pid); then
        stop_master postfix "$pid"
    fi
}

kill_dovecot() {
    local pid pids
    pid=$(dovecot_pid) || return 0
    # Freeze the master so it cannot fork while we collect its children.
    kill -STOP "$pid" 2>/dev/null || true
    pids="$pid $(descendants "$pid" | tr '\n' ' ')"
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    # shellcheck disable=SC2086
    wait_gone 10 $pids >/dev/null || die "dovecot processes survived SIGKILL: $pids"
    rm -f "$DC_PIDFILE"
}

# ---------------------------------------------------------------- commands

cmd_start() {
    [ $# -eq 2 ] || usage
    [ "$(id -u)" = 0 ] || die "start needs root (Dovecot and Postfix switch users)"
    local dir
    dir=$(abs_dir "$1")
    set_paths "$dir"
    set_ports "$2"
    have_packages || cmd_install
    check_ancestors "$DIR"
    exec 9>"$DIR/.mailstack.lock"
    flock -w 60 9 || die "another mailstack command holds $DIR/.mailstack.lock"

    if [ -f "$ENV_FILE" ]; then
        local old
        old=$(sed -n 's/^BASEPORT=//p' "$ENV_FILE")
        if [ "$old" != "$BASEPORT" ] && { dovecot_pid >/dev/null || postfix_pid >/dev/null; }; then
            say "restarting $DIR on base port $BASEPORT (was $old)"
            stop_postfix
            stop_dovecot
        fi
    fi
    if dovecot_pid >/dev/null && postfix_pid >/dev/null; then
        # Already running with this layout: just make sure it answers.
        wait_ready all
        return 0
    fi
    prepare_dirs
    write_cert
    STARTED=
    if ! dovecot_pid >/dev/null; then
        write_dovecot_conf
        STARTED="$STARTED dovecot"
    fi
    if ! postfix_pid >/dev/null; then
        write_postfix_conf
        STARTED="$STARTED postfix"
    fi
    # On failure, stop what this call started: no half-running stack is left behind.
    trap 'start_failed' EXIT
    start_dovecot
    start_postfix
    wait_ready all
    write_env
    trap - EXIT
}

start_failed() {
    local rc=$?
    [ $rc -ne 0 ] || return 0
    case "$STARTED" in *postfix*) stop_postfix ;; esac
    case "$STARTED" in *dovecot*) stop_dovecot ;; esac
    exit $rc
}

# Commands that act on a stack started before: DIR must hold mailstack.env.
with_dir() {
    [ $# -eq 1 ] || usage
    [ -d "$1" ] || die "$1 is not a directory"
    set_paths "$(cd "$1" && pwd -P)"
    exec 9>"$DIR/.mailstack.lock"
    flock -w 60 9 || die "another mailstack command holds $DIR/.mailstack.lock"
}

cmd_stop() {
    with_dir "$@"
    # Postfix first: its smtpd processes hold connections to Dovecot's auth
    # service, which would otherwise keep Dovecot's auth/log/stats alive.
    stop_postfix
    stop_dovecot
    # The short socket/queue directory used for long DIRs lives outside DIR.
    if [ -n "$SHORT" ] && [ -d "$SHORT" ]; then
        rm -rf "$SHORT"
    fi
}

cmd_status() {
    with_dir "$@"
    local rc=0 pid
    if pid=$(dovecot_pid); then echo "dovecot running pid $pid"; else
        echo "dovecot stopped"
        rc=1
    fi
    if pid=$(postfix_pid); then echo "postfix running pid $pid"; else
        echo "postfix stopped"
        rc=1
    fi
    return $rc
}

main() {
    local cmd=${1:-}
    [ -n "$cmd" ] || usage
    shift
    case "$cmd" in
    install) cmd_install ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    start-dovecot)
        with_dir "$@"
        load_env
        start_dovecot
        wait_ready dovecot
        ;;
    stop-dovecot)
        with_dir "$@"
        stop_dovecot
        ;;
    restart-dovecot)
        with_dir "$@"
        load_env
        stop_dovecot
        start_dovecot
        wait_ready dovecot
        ;;
    kill-dovecot)
        with_dir "$@"
        kill_dovecot
        ;;
    start-postfix)
        with_dir "$@"
        load_env
        start_postfix
        wait_ready postfix
        ;;
    stop-postfix)
        with_dir "$@"
        stop_postfix
        ;;
    -h | --help | help) usage ;;
    *) usage ;;
    esac
}

main "$@"
