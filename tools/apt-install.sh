#!/usr/bin/env bash
# Shared by install-test-deps.sh and install-browser.sh (sourced, not run):
# install one Debian package the tests need, where that is possible (as root,
# with apt-get). Elsewhere say why in one line and go on, and the tests that
# need it skip with the same reason; in CI (CI=true) they must run, so there
# a failed install is an error.

in_ci() {
    case "${CI:-}" in
        "" | 0 | false | FALSE | False | no) return 1 ;;
        *) return 0 ;;
    esac
}

# apt_install TAG PACKAGE COMMAND SKIPPED: installs PACKAGE unless COMMAND (a path or a
# command name; a path need not be a program, e.g. a language data file) is already there;
# TAG prefixes the messages, SKIPPED names the tests left out.
present() {
    command -v "$1" >/dev/null 2>&1 || [ -e "$1" ]
}

apt_install() {
    local tag=$1 package=$2 command=$3 skipped=$4
    cannot() {
        if in_ci; then
            echo "$tag: $package is required in CI and could not be installed: $1" >&2
            exit 1
        fi
        echo "$tag: $package not installed ($1): $skipped will be skipped"
        exit 0
    }
    if present "$command"; then
        return 0
    fi
    command -v apt-get >/dev/null 2>&1 || cannot "apt-get is not available; install the $package package by hand"
    [ "$(id -u)" -eq 0 ] || cannot "not root; run: sudo apt-get install $package"
    export DEBIAN_FRONTEND=noninteractive
    # update the package lists only when apt does not know the package yet
    if ! apt-cache show "$package" >/dev/null 2>&1; then
        apt-get update -qq >/dev/null || cannot "apt-get update failed"
    fi
    apt-get install -y -qq "$package" >/dev/null 2>&1 || cannot "apt-get install $package failed"
    present "$command" || cannot "apt-get installed the package but there is no $command"
    echo "$tag: installed $package"
}
