#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (tests/browser/), which
# drive it with Playwright at /usr/bin/chromium. Run by install-test-deps.sh.
#
# Quiet and idempotent: does nothing when Chromium is already there, and
# nothing (beyond one line saying why) where it cannot install: not root, or
# no apt-get. The tests then skip with the same reason, except in CI
# (CI=true), where they fail, so a failed install is an error there too.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

in_ci() {
    case "${CI:-}" in
        "" | 0 | false | FALSE | False | no) return 1 ;;
        *) return 0 ;;
    esac
}

cannot() {
    if in_ci; then
        echo "install-browser: Chromium is required in CI and could not be installed: $1" >&2
        exit 1
    fi
    echo "install-browser: Chromium not installed ($1): the browser tests will be skipped"
    exit 0
}

if [ -x "$CHROMIUM" ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    cannot "apt-get is not available; install Chromium at $CHROMIUM by hand"
fi
if [ "$(id -u)" -ne 0 ]; then
    cannot "not root; run: sudo apt-get install chromium"
fi

export DEBIAN_FRONTEND=noninteractive
# Update the package lists only when apt does not know chromium yet.
if ! apt-cache show chromium >/dev/null 2>&1; then
    apt-get update -qq >/dev/null || cannot "apt-get update failed"
fi
apt-get install -y -qq chromium >/dev/null 2>&1 || cannot "apt-get install chromium failed"
[ -x "$CHROMIUM" ] || cannot "apt-get installed the package but there is no $CHROMIUM"
echo "install-browser: installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
