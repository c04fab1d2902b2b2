#!/usr/bin/env bash
# Headless Chromium and its ChromeDriver (Debian packages chromium, chromium-driver) for the
# web console's browser test (tests/console/test_console_browser.py).
#
#   scripts/chromium.sh install    install them when missing (root; Debian/Ubuntu); idempotent
#   scripts/chromium.sh check      exit 0 when both are there
set -euo pipefail

CHROMIUM=/usr/bin/chromium
CHROMEDRIVER=/usr/bin/chromedriver

die() {
    echo "chromium: error: $*" >&2
    exit 1
}

have_chromium() {
    [ -x $CHROMIUM ] && [ -x $CHROMEDRIVER ]
}

cmd_install() {
    have_chromium && return 0
    [ "$(id -u)" = 0 ] || die "chromium is missing and installing it needs root"
    command -v apt-get >/dev/null 2>&1 || die "chromium is missing and apt-get is not available"
    echo "chromium: installing chromium, chromium-driver" >&2
    if ! apt-cache show chromium-driver >/dev/null 2>&1; then
        apt-get update -q
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        chromium chromium-driver fonts-dejavu-core ||
        { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            --no-install-recommends chromium chromium-driver fonts-dejavu-core; }
    have_chromium || die "installed, but $CHROMIUM or $CHROMEDRIVER is still missing"
}

case "${1:-}" in
    install) cmd_install ;;
    check) have_chromium ;;
    *) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
