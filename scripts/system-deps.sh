#!/usr/bin/env bash
# Installs the Debian packages the tests need when they are missing: PostgreSQL's server
# binaries (the store contract tests start a private server from them).
set -euo pipefail

have_postgres() {
    command -v pg_ctl >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null
}

if have_postgres; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's postgresql for the store tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
else
    echo "warning: no PostgreSQL binaries and cannot apt-get install them;" \
         "the PostgreSQL store tests will be skipped" >&2
fi
