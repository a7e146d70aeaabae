#!/usr/bin/env bash
# Prepare and serve eport on whatever DATABASE_URL / REDIS_URL say, embedded defaults otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_DEBUG=${DJANGO_DEBUG:-1}
bind=${EPORT_BIND:-127.0.0.1:8000}
mkdir -p var

$PY manage.py migrate --noinput
$PY manage.py verify_ledger

echo "eport is serving on http://$bind/"
exec $PY manage.py runserver "$bind"
