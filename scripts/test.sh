#!/usr/bin/env bash
# The whole suite on real PostgreSQL and Redis, then a smoke run on the embedded SQLite default.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "== import contracts (pyproject.toml [tool.importlinter])"
.venv/bin/lint-imports --no-cache

source scripts/services.sh
trap stop_services EXIT INT TERM
start_services

echo "== pytest on PostgreSQL and Redis"
# pytest exits 5 when no test was collected: that fails here like any other failure.
DJANGO_ALLOW_ASYNC_UNSAFE=true $PY -m pytest "$@"

echo "== smoke run on the embedded default (SQLite, no broker server)"
stop_services
trap - EXIT INT TERM
smoke_var=$(mktemp -d /tmp/eport-smoke.XXXXXX)
trap 'rm -rf "$smoke_var"' EXIT
env -u DATABASE_URL -u REDIS_URL EPORT_VAR_DIR="$smoke_var" \
  $PY -m pytest -m smoke -p no:cacheprovider -q
