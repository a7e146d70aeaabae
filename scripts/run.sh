#!/usr/bin/env bash
# Prepare and serve eport on whatever DATABASE_URL / REDIS_URL say, embedded defaults otherwise:
# the web server, one Celery worker with the scheduler embedded (exactly one beat), and, unless
# EPORT_WITNESSES names the members' own witness servers, three local witnesses: each a separate
# process holding only its own key (var/witnesses/), which eport reaches over loopback HTTP.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_DEBUG=${DJANGO_DEBUG:-1}
bind=${EPORT_BIND:-127.0.0.1:8000}
mkdir -p var

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

witnesses=()
if [ -z "${EPORT_WITNESSES:-}" ]; then
  mkdir -p -m 700 var/witnesses
  port=${EPORT_WITNESS_BASE_PORT:-8101}
  configured=()
  for name in customs.witness commerce.witness bank.witness; do
    key=var/witnesses/$name.key
    [ -f "$key" ] || $PY -m ledger.witness_server keygen --name "$name" --key "$key" >/dev/null
    vkey=$($PY -c 'import sys; from ledger.notes import Signer
print(Signer.from_string(open(sys.argv[1]).read().strip()).verifier_key)' "$key")
    configured+=("$vkey http://127.0.0.1:$port")
    witnesses+=("$name:$port")
    port=$((port + 1))
  done
  EPORT_WITNESSES=$(IFS=,; echo "${configured[*]}")
  export EPORT_WITNESSES
fi

$PY manage.py migrate --noinput
$PY manage.py collectstatic --noinput -v0  # into var/static, where WhiteNoise serves from
$PY manage.py ledger_keygen  # writes a missing development ledger key into var/keys

if [ ${#witnesses[@]} -gt 0 ]; then
  ledger_vkey=$($PY manage.py ledger_keygen 2>/dev/null | sed -n 1p)
  for item in "${witnesses[@]}"; do
    name=${item%%:*} port=${item##*:}
    $PY -m ledger.witness_server serve --name "$name" --key "var/witnesses/$name.key" \
      --log-key "$ledger_vkey" --state "var/witnesses/$name.sqlite3" \
      --listen "127.0.0.1:$port" 2>>"var/witnesses/$name.log" &
    pids+=($!)
  done
  for item in "${witnesses[@]}"; do
    name=${item%%:*} port=${item##*:} up=""
    for _ in $(seq 50); do
      if $PY -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
        "http://127.0.0.1:$port/" 2>/dev/null; then up=1; break; fi
      sleep 0.2
    done
    # A witness that is down delays nothing: checkpoints wait for the quorum of the others.
    [ -n "$up" ] || echo "warning: witness $name is not answering on port $port; see var/witnesses/$name.log" >&2
  done
  echo "witnesses ${witnesses[*]} on 127.0.0.1 (logs in var/witnesses/)"
fi
$PY manage.py load_reference  # HS 2022, offices, illustrative tariff; a re-run changes nothing
$PY manage.py issue_bills  # tax bills of declarations assessed before bills existed, if any
$PY manage.py seed_demo  # reference data, demo users and declarations; a second run changes nothing
$PY manage.py seed_banks  # two alliance banks (users bank, bank2), their demo financings and payment stories, likewise
$PY manage.py verify_ledger

.venv/bin/celery -A eport worker -B --concurrency 2 --loglevel INFO &
pids+=($!)

echo "eport is serving on http://$bind/"
$PY manage.py runserver "$bind"
