#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (tests/browser/), which
# drive it with Playwright at /usr/bin/chromium. Run by install-test-deps.sh.
#
# Quiet and idempotent: does nothing when Chromium is already there, and
# nothing (beyond one line saying why) where it cannot install: not root, or
# no apt-get. The tests then skip with the same reason, except in CI
# (CI=true), where they fail, so a failed install is an error there too.
set -euo pipefail
# shellcheck source=tools/apt-install.sh
. "$(dirname "$0")/apt-install.sh"

apt_install install-browser chromium /usr/bin/chromium "the browser tests"
