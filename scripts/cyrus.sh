#!/usr/bin/env bash
# Throwaway Cyrus IMAP 3.6 on loopback, beside the Dovecot of scripts/mailstack.sh, so the
# IMAP, POP3 and event tests run against two independent servers.
#
#   scripts/cyrus.sh install                  install Cyrus (root; Debian/Ubuntu)
#   scripts/cyrus.sh start DIR BASEPORT [CERT KEY]
#                                             write config under DIR, start, wait until ready
#   scripts/cyrus.sh stop DIR                 SIGTERM the master and its children, wait
#   scripts/cyrus.sh status DIR               exit 0 when running
#   scripts/cyrus.sh adduser DIR USER...      give USER@example.test the password "secret"
#
# Port layout (127.0.0.1 only), as for the Dovecot stack:
#   BASE+0 IMAP (STARTTLS)   BASE+1 IMAPS   BASE+2 POP3 (STLS)   BASE+3 POP3S   BASE+7 LMTP
# Users log in as <localpart>@example.test once "adduser" created them (SASL sasldb in
# DIR); their INBOX and special-use folders (Drafts, Sent, Trash, Junk, Archive) are created
# at the first login or the first LMTP delivery. Hierarchy separator "/".
# DIR/cyrus.env has the ports. With CERT/KEY the servers present that certificate (tests
# pass the Dovecot stack's, so one CA file verifies both); else a self-signed one in DIR.
#
# Debian's cyrus-imapd and cyrus-pop3d packages conflict with Dovecot's, so "install" puts
# in cyrus-common (master, lmtpd, tools) and sasl2-bin, then unpacks imapd, pop3d and idled
# from the downloaded .debs into /usr/lib/cyrus/bin.
set -euo pipefail

export PATH="$PATH:/usr/sbin:/sbin"

DOMAIN=example.test
PASSWORD=secret
BIN=/usr/lib/cyrus/bin
READY_TIMEOUT=${MAILSTACK_TIMEOUT:-30}

die() {
    echo "cyrus: error: $*" >&2
    exit 1
}
say() { echo "cyrus: $*" >&2; }
usage() {
    sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

have_cyrus() {
    [ -x $BIN/master ] && [ -x $BIN/imapd ] && [ -x $BIN/pop3d ] && [ -x $BIN/idled ] &&
        [ -x $BIN/lmtpd ] && command -v saslpasswd2 >/dev/null 2>&1 &&
        id cyrus >/dev/null 2>&1
}

cmd_install() {
    have_cyrus && return 0
    [ "$(id -u)" = 0 ] || die "Cyrus is missing and installing it needs root"
    command -v apt-get >/dev/null 2>&1 || die "Cyrus is missing and apt-get is not available"
    say "installing cyrus-common, sasl2-bin; unpacking imapd, pop3d, idled"
    if ! apt-cache show cyrus-common >/dev/null 2>&1; then
        apt-get update -q
    fi
    # No service may start on the standard ports while installing.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        cyrus-common sasl2-bin libsasl2-modules-db openssl
    local tmp
    tmp=$(mktemp -d)
    chmod 0755 "$tmp"
    (cd "$tmp" && apt-get download cyrus-imapd cyrus-pop3d >/dev/null 2>&1) ||
        (apt-get update -q && cd "$tmp" && apt-get download cyrus-imapd cyrus-pop3d)
    local deb
    for deb in "$tmp"/*.deb; do
        dpkg-deb -x "$deb" "$tmp/x"
    done
    install -m 0755 "$tmp"/x/usr/lib/cyrus/bin/{imapd,pop3d,idled} $BIN/
    rm -rf "$tmp"
    have_cyrus || die "installed, but the Cyrus binaries are still missing"
}

# ---------------------------------------------------------------- paths and ports

set_paths() {
    DIR=$1
    CONF=$DIR/imapd.conf
    MASTER_CONF=$DIR/cyrus.conf
    ENV_FILE=$DIR/cyrus.env
    PIDFILE=$DIR/run/master.pid
    SASLDB=$DIR/sasldb2
    LOG=$DIR/log/master.log
    # Cyrus rewrites a file under proc_path and takes a lock file under mboxname_lockpath for
    # every command: on tmpfs, as packaged Cyrus has them (/run/cyrus), a NOOP takes ~0.2 ms;
    # on a disk ~0.6 ms. /dev/shm when there is one, else the stack's own run/.
    if [ -d /dev/shm ] && [ -w /dev/shm ]; then
        FAST=/dev/shm/mailgate-$(basename "$DIR")
    else
        FAST=$DIR/run
    fi
}

set_ports() {
    local b=$1
    case "$b" in '' | *[!0-9]*) die "BASEPORT must be a number, got '$b'" ;; esac
    IMAP_PORT=$b
    IMAPS_PORT=$((b + 1))
    POP3_PORT=$((b + 2))
    POP3S_PORT=$((b + 3))
    LMTP_PORT=$((b + 7))
    BASEPORT=$b
}

master_pid() {
    [ -f "$PIDFILE" ] || return 1
    local pid
    pid=$(tr -dc '0-9' <"$PIDFILE" 2>/dev/null || true)
    [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] || return 1
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = master ] || return 1
    ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null || return 1
    echo "$pid"
}

greets() {
    local port=$1 want=$2 line=''
    (
        exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
        IFS= read -r -t 2 line <&3 || exit 1
        exec 3>&-
        [[ "$line" == "$want"* ]]
    ) 2>/dev/null
}

wait_ready() {
    local deadline=$((SECONDS + READY_TIMEOUT))
    local spec port want
    for spec in "$IMAP_PORT:* OK" "$POP3_PORT:+OK" "$LMTP_PORT:220"; do
        port=${spec%%:*}
        want=${spec#*:}
        until greets "$port" "$want"; do
            if [ $SECONDS -ge $deadline ]; then
                [ -s "$LOG" ] && tail -n 20 "$LOG" >&2
                die "port $port did not greet with '$want' within ${READY_TIMEOUT}s"
            fi
            sleep 0.05
        done
    done
    for port in "$IMAPS_PORT" "$POP3S_PORT"; do
        until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
            [ $SECONDS -ge $deadline ] && die "port $port did not open within ${READY_TIMEOUT}s"
            sleep 0.05
        done
    done
}

# ---------------------------------------------------------------- config

write_config() {
    local cert=$1 key=$2
    # conf/socket: each imapd binds its IDLE socket there (conf/socket/idle.<pid>) for idled's
    # pushes; without it IDLE learns of nothing until the client ends it.
    mkdir -p "$DIR"/{conf,conf/socket,spool,sieve,run,log} "$FAST"/{proc,lock}
    chown -R cyrus:mail "$FAST"
    if [ -z "$cert" ]; then
        cert=$DIR/cert.pem
        key=$DIR/key.pem
        [ -s "$cert" ] || openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
            -keyout "$key" -out "$cert" -subj "/CN=localhost" \
            -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >/dev/null 2>&1 ||
            die "openssl could not create a certificate in $DIR"
    else
        # Cyrus runs as user cyrus: its own readable copy of the key.
        install -m 0600 -o cyrus "$key" "$DIR/key.pem"
        install -m 0644 "$cert" "$DIR/cert.pem"
        cert=$DIR/cert.pem
        key=$DIR/key.pem
    fi
    cat >"$CONF" <<EOF
configdirectory: $DIR/conf
partition-default: $DIR/spool
defaultpartition: default
sievedir: $DIR/sieve
admins: cyrus
virtdomains: userid
unixhierarchysep: yes
altnamespace: yes
allowplaintext: yes
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: $SASLDB
sasl_mech_list: PLAIN LOGIN
failedloginpause: 0
tls_server_cert: $cert
tls_server_key: $key
autocreate_quota: 0
autocreate_post: 1
autocreate_inbox_folders: Drafts|Sent|Trash|Junk|Archive
autocreate_subscribe_folder: Drafts|Sent|Trash|Junk|Archive
xlist-drafts: Drafts
xlist-sent: Sent
xlist-trash: Trash
xlist-junk: Junk
xlist-archive: Archive
idlesocket: $DIR/run/idle
notifysocket: $DIR/run/notify
lmtpsocket: $DIR/run/lmtp
mboxname_lockpath: $FAST/lock
proc_path: $FAST/proc
lmtp_downcase_rcpt: yes
popminpoll: 0
syslog_prefix: cyrus-test
EOF
    cat >"$MASTER_CONF" <<EOF
START {
  recover cmd="$BIN/ctl_cyrusdb -C $CONF -r"
  idled cmd="$BIN/idled -C $CONF"
}
SERVICES {
  imap cmd="$BIN/imapd -C $CONF" listen="127.0.0.1:$IMAP_PORT" prefork=2
  imaps cmd="$BIN/imapd -s -C $CONF" listen="127.0.0.1:$IMAPS_PORT" prefork=1
  pop3 cmd="$BIN/pop3d -C $CONF" listen="127.0.0.1:$POP3_PORT" prefork=1
  pop3s cmd="$BIN/pop3d -s -C $CONF" listen="127.0.0.1:$POP3S_PORT" prefork=1
  lmtp cmd="$BIN/lmtpd -a -C $CONF" listen="127.0.0.1:$LMTP_PORT" prefork=1
}
EVENTS {
  checkpoint cmd="$BIN/ctl_cyrusdb -C $CONF -c" period=30
}
EOF

    chown -R cyrus:mail "$DIR"
    chmod 0755 "$DIR"
}

write_env() {
    cat >"$ENV_FILE" <<EOF
CYRUS_DIR=$DIR
HOST=127.0.0.1
DOMAIN=$DOMAIN
PASSWORD=$PASSWORD
BASEPORT=$BASEPORT
IMAP_PORT=$IMAP_PORT
IMAPS_PORT=$IMAPS_PORT
POP3_PORT=$POP3_PORT
POP3S_PORT=$POP3S_PORT
LMTP_PORT=$LMTP_PORT
CERT=$DIR/cert.pem
EOF
}

# ---------------------------------------------------------------- commands

cmd_start() {
    [ $# -ge 2 ] || usage
    mkdir -p "$1"
    set_paths "$(cd "$1" && pwd -P)"
    set_ports "$2"
    have_cyrus || cmd_install
    if master_pid >/dev/null; then
        wait_ready
        return 0
    fi
    write_config "${3:-}" "${4:-}"
    rm -f "$PIDFILE"
    "$BIN/master" -C "$CONF" -M "$MASTER_CONF" -p "$PIDFILE" -d -L "$LOG" \
        </dev/null >>"$DIR/log/stdout.log" 2>&1 || die "master did not start"
    wait_ready
    write_env
}

cmd_stop() {
    [ $# -eq 1 ] || usage
    [ -d "$1" ] || return 0
    set_paths "$(cd "$1" && pwd -P)"
    local pid
    pid=$(master_pid) || { [ "$FAST" = "$DIR/run" ] || rm -rf "$FAST"; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 10))
    while [ -e "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; do
        if [ $SECONDS -ge $deadline ]; then
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.05
    done
    # Children (imapd, pop3d, idled) of a stopped master: end them too.
    pkill -KILL -f -- "-C $CONF" 2>/dev/null || true
    [ "$FAST" = "$DIR/run" ] || rm -rf "$FAST"
}

cmd_status() {
    [ $# -eq 1 ] || usage
    set_paths "$(cd "$1" && pwd -P)"
    master_pid >/dev/null
}

cmd_adduser() {
    [ $# -ge 2 ] || usage
    set_paths "$(cd "$1" && pwd -P)"
    shift
    local user
    for user in "$@"; do
        user=${user%@*}
        printf '%s' "$PASSWORD" | saslpasswd2 -p -c -f "$SASLDB" -u "$DOMAIN" "$user"
    done
    chown cyrus:mail "$SASLDB"
}

case "${1:-}" in
install) cmd_install ;;
start) shift; cmd_start "$@" ;;
stop) shift; cmd_stop "$@" ;;
status) shift; cmd_status "$@" ;;
adduser) shift; cmd_adduser "$@" ;;
*) usage ;;
esac
