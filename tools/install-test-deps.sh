#!/usr/bin/env bash
# Installs what the tests need beyond PyPI: notmuch, for the differential
# search and threading tests, Chromium for the browser tests, Tesseract
# with English and Spanish language data for the OCR tests, and PostgreSQL 15
# for the store tests on a server's database. Run by `make test`.
#
# Installs only where it can: as root, with apt-get. Elsewhere it says why
# and exits 0, and those tests are skipped with the same reason. In CI
# (CI=true) they must run, so failing to install there is an error.
set -euo pipefail
# shellcheck source=tools/apt-install.sh
. "$(dirname "$0")/apt-install.sh"

"$(dirname "$0")/install-browser.sh"
apt_install install-test-deps notmuch notmuch "the notmuch differential tests"
# tesseract-ocr brings the English data (tesseract-ocr-eng) with it
apt_install install-test-deps tesseract-ocr tesseract "the OCR tests"
apt_install install-test-deps tesseract-ocr-spa /usr/share/tesseract-ocr/5/tessdata/spa.traineddata "the OCR tests"
# Debian 12's postgresql is 15: the store tests start a throw-away cluster of their own (tests/postgres_cluster.py)
apt_install install-test-deps postgresql /usr/lib/postgresql/15/bin/initdb "the PostgreSQL store tests"
echo "install-test-deps: notmuch $(notmuch --version 2>/dev/null | cut -d' ' -f2), $(/usr/bin/chromium --version 2>/dev/null || echo 'no Chromium')"
