#!/usr/bin/env bash
# Installs what the tests need beyond PyPI: notmuch, for the differential
# search tests (tests/test_notmuch_differential.py). Run by `make test`.
#
# Installs only where it can: as root, with apt-get. Elsewhere it says why
# and exits 0, and those tests are skipped with the same reason. In CI
# (CI=true) they must run, so failing to install notmuch there is an error.
set -euo pipefail

# Chromium, for the browser tests (tests/browser/): quiet, and idempotent.
"$(dirname "$0")/install-browser.sh"

in_ci() {
    case "${CI:-}" in
        "" | 0 | false | FALSE | False | no) return 1 ;;
        *) return 0 ;;
    esac
}

cannot() {
    if in_ci; then
        echo "install-test-deps: notmuch is required in CI and could not be installed: $1" >&2
        exit 1
    fi
    echo "install-test-deps: notmuch not installed ($1): the notmuch differential tests will be skipped"
    exit 0
}

if command -v notmuch >/dev/null 2>&1; then
    echo "install-test-deps: notmuch already installed ($(notmuch --version 2>/dev/null || echo unknown version))"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    cannot "apt-get is not available; install the notmuch package by hand"
fi
if [ "$(id -u)" -ne 0 ]; then
    cannot "not root; run: sudo apt-get install notmuch"
fi

export DEBIAN_FRONTEND=noninteractive
# Update the package lists only when apt does not know notmuch yet.
if ! apt-cache show notmuch >/dev/null 2>&1; then
    apt-get update -qq || cannot "apt-get update failed"
fi
apt-get install -y -qq notmuch >/dev/null || cannot "apt-get install notmuch failed"
command -v notmuch >/dev/null 2>&1 || cannot "apt-get installed the package but there is no notmuch command"
echo "install-test-deps: installed notmuch ($(notmuch --version))"
