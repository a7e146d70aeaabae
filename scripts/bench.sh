#!/usr/bin/env bash
# Benchmarks on throwaway servers tuned like the test ones (fsync off: the same for every variant).
#
#   scripts/bench.sh                                  # every benchmark below (make bench)
#   scripts/bench.sh bench/ledger_write.py --only verify --sizes 100000
#
# Figures are printed and written to bench/results/; nothing is asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
BENCHMARKS=(
  bench/ledger_write.py
  bench/notarize.py
  bench/mirror.py
  bench/api.py
  bench/web.py
  bench/audit.py
  bench/banks.py
  bench/payments.py
)

export EPORT_NEED_BROWSER=0
source scripts/services.sh
bench_var=$(mktemp -d /tmp/eport-bench.XXXXXX)
cleanup() { stop_services; rm -rf "$bench_var"; }
trap cleanup EXIT INT TERM
start_services
export EPORT_VAR_DIR="$bench_var"
# WhiteNoise warns on every request when STATIC_ROOT is missing; bench/web.py fills it.
mkdir -p "$bench_var/static"

if [ $# -gt 0 ]; then
  $PY "$@"
else
  for benchmark in "${BENCHMARKS[@]}"; do
    echo "== $benchmark"
    $PY "$benchmark"
  done
fi
