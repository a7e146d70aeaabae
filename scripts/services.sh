#!/usr/bin/env bash
# Throwaway PostgreSQL and Redis on free loopback ports, for `make test`.
#
#   source scripts/services.sh && start_services   # exports DATABASE_URL and REDIS_URL
#   stop_services                                    # callers run it from an EXIT trap
#
# Missing servers are installed with apt-get when running as root; otherwise the exact install
# command is printed and the script stops.
set -euo pipefail

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

need_packages() {
  local missing=()
  command -v initdb >/dev/null 2>&1 || [ -x "$(pg_bindir)/initdb" ] || missing+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  # Go's x/mod note and tlog check our checkpoints and proofs independently (tests/ledger/interop).
  command -v go >/dev/null 2>&1 || missing+=(golang-go)
  [ -d /usr/share/gocode/src/golang.org/x/mod/sumdb ] || missing+=(golang-golang-x-mod-dev)
  # GNU gettext's msgfmt checks and compiles the zh-Hans catalogue (tests/test_translations.py).
  command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
  # pdftotext reads the Chinese release note back (tests/i18n/test_release_note.py).
  command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
  if [ "${EPORT_NEED_BROWSER:-1}" = 1 ]; then
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  fi
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "make test needs: ${missing[*]}. Install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "installing ${missing[*]} with apt-get..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "${missing[@]}" >&2
}

pg_bindir() {
  local found
  found=$(command -v initdb 2>/dev/null || true)
  if [ -n "$found" ]; then dirname "$(readlink -f "$found")"; return; fi
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  echo "${found:-/usr/lib/postgresql/15/bin}"
}

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_services() {
  need_packages
  local bindir; bindir=$(pg_bindir)
  EPORT_SERVICES_DIR=$(mktemp -d /tmp/eport-services.XXXXXX)
  export EPORT_SERVICES_DIR
  chmod 0755 "$EPORT_SERVICES_DIR"
  mkdir -p "$EPORT_SERVICES_DIR/pg" "$EPORT_SERVICES_DIR/run"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$EPORT_SERVICES_DIR/pg" "$EPORT_SERVICES_DIR/run"; fi

  local pg_port redis_port
  pg_port=$(free_port)
  as_postgres "$bindir/initdb" -D "$EPORT_SERVICES_DIR/pg/data" --no-sync -A trust -E UTF8 \
    --locale=C.UTF-8 -U postgres >"$EPORT_SERVICES_DIR/initdb.log" 2>&1 \
    || { cat "$EPORT_SERVICES_DIR/initdb.log" >&2; return 1; }
  as_postgres "$bindir/pg_ctl" -D "$EPORT_SERVICES_DIR/pg/data" -l "$EPORT_SERVICES_DIR/run/pg.log" -w \
    -o "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c listen_addresses=127.0.0.1 -p $pg_port -k $EPORT_SERVICES_DIR/run -c max_connections=200" \
    start >/dev/null || { cat "$EPORT_SERVICES_DIR/run/pg.log" >&2; return 1; }

  redis_port=$(free_port)
  redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --daemonize yes \
    --pidfile "$EPORT_SERVICES_DIR/redis.pid" --logfile "$EPORT_SERVICES_DIR/redis.log" >/dev/null
  for _ in $(seq 50); do
    redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done

  export DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/eport"
  export REDIS_URL="redis://127.0.0.1:$redis_port/0"
  echo "PostgreSQL on 127.0.0.1:$pg_port, Redis on 127.0.0.1:$redis_port" >&2
}

stop_services() {
  [ -n "${EPORT_SERVICES_DIR:-}" ] && [ -d "$EPORT_SERVICES_DIR" ] || return 0
  if [ -f "$EPORT_SERVICES_DIR/redis.pid" ]; then
    kill "$(cat "$EPORT_SERVICES_DIR/redis.pid")" 2>/dev/null || true
  fi
  if [ -d "$EPORT_SERVICES_DIR/pg/data" ]; then
    as_postgres "$(pg_bindir)/pg_ctl" -D "$EPORT_SERVICES_DIR/pg/data" -m immediate -w stop \
      >/dev/null 2>&1 || true
  fi
  rm -rf "$EPORT_SERVICES_DIR"
  unset EPORT_SERVICES_DIR
}
