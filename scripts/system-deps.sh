#!/usr/bin/env bash
# Installs the Debian packages the tests need when they are missing: PostgreSQL's server
# binaries (the store contract tests start a private server from them) and Chromium with
# a font (the browser tests drive Debian's Chromium through Playwright; nothing downloads
# a browser build). Quick and silent when everything is present.
set -euo pipefail

have_postgres() {
    command -v pg_ctl >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null
}

have_package() {
    command -v dpkg-query >/dev/null 2>&1 || return 0  # not Debian: nothing to check
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing=()
have_postgres || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
have_package fonts-dejavu-core || missing+=(fonts-dejavu-core)
# Disk-image tests build file systems and EWF sets on files (never mounted).
for pkg in dosfstools mtools e2fsprogs fdisk ewf-tools; do have_package "$pkg" || missing+=("$pkg"); done
# vpdq (a Python dependency) builds from source against FFmpeg: pip needs these first.
for dev in pkg-config cmake libavcodec-dev libavformat-dev libavdevice-dev libavutil-dev \
    libswscale-dev libswresample-dev libavfilter-dev; do
    have_package "$dev" || missing+=("$dev")
done

if [ "${#missing[@]}" = 0 ]; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's ${missing[*]} for the tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
else
    echo "warning: cannot apt-get install ${missing[*]};" \
         "the PostgreSQL store tests and the browser tests that need them will be skipped" >&2
fi
