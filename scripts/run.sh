#!/usr/bin/env bash
# Prepare and serve eport on whatever DATABASE_URL / REDIS_URL say, embedded defaults otherwise:
# the web server, and one Celery worker with the scheduler embedded (exactly one beat).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_DEBUG=${DJANGO_DEBUG:-1}
bind=${EPORT_BIND:-127.0.0.1:8000}
mkdir -p var

$PY manage.py migrate --noinput
$PY manage.py collectstatic --noinput -v0  # into var/static, where WhiteNoise serves from
$PY manage.py ledger_keygen  # writes missing development signing keys into var/keys
$PY manage.py load_reference  # HS 2022, offices, illustrative tariff; a re-run changes nothing
$PY manage.py issue_bills  # tax bills of declarations assessed before bills existed, if any
$PY manage.py seed_demo  # reference data, demo users and declarations; a second run changes nothing
$PY manage.py seed_banks  # two alliance banks (users bank, bank2), their demo financings and payment stories, likewise
$PY manage.py verify_ledger

worker_pid=""
cleanup() { [ -n "$worker_pid" ] && kill "$worker_pid" 2>/dev/null && wait "$worker_pid" 2>/dev/null; true; }
trap cleanup EXIT INT TERM
.venv/bin/celery -A eport worker -B --concurrency 2 --loglevel INFO &
worker_pid=$!

echo "eport is serving on http://$bind/"
$PY manage.py runserver "$bind"
