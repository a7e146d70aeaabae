#!/usr/bin/env bash
# Create the virtualenv, installing what a bare Debian lacks for it (as root) or saying what to run.
set -euo pipefail
python=${1:-python3}
venv=${2:-.venv}

apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing system packages; install them with: sudo apt-get install -y $*" >&2
    exit 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

if [ ! -x "$venv/bin/python" ]; then
  if ! "$python" -m venv "$venv" 2>/dev/null; then
    rm -rf "$venv"
    apt_install python3-venv
    "$python" -m venv "$venv"
  fi
fi
# psycopg2 is built from source: it needs libpq's headers and pg_config.
command -v pg_config >/dev/null 2>&1 || apt_install libpq-dev python3-dev gcc
exit 0
