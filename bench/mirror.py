"""What an alliance mirror costs: a full sync of a large ledger over HTTP, and re-verifying it.

Builds a ledger of ``--size`` entries (``bench.ledgerdata``), notarizes it with the development
witnesses, serves it with gunicorn on loopback (production settings, a mirror token configured)
and times ``python -m ledger.mirror URL ... --once`` into an empty store: every hash tile and entry
bundle fetched, every entry parsed as RFC 8785, its seq, prev and leaf hash checked, the tiles
checked against each other and the signed root, all written atomically. Then a round after
``--grow`` more entries, and ``python -m ledger.mirror --verify-store`` on the store (offline).

Target: >= 50,000 entries/s verified. Figures are printed and written to bench/results/mirror.txt,
never asserted. Run with ``scripts/bench.sh bench/mirror.py`` (it starts a throwaway PostgreSQL).
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    ROOT,
    Report,
    child_env,
    environment_lines,
    free_port,
    positive,
    setup,
    start_gunicorn,
    wait_ready,
)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="eport_bench_mirror")
    parser.add_argument("--size", type=positive, default=200_000, help="ledger size (200,000)")
    parser.add_argument("--grow", type=positive, default=20_000, help="entries for round 2")
    parser.add_argument("--server-workers", type=positive, default=4, help="gunicorn workers (4)")
    parser.add_argument("--fetchers", type=positive, default=8, help="mirror --workers (8)")
    return parser.parse_args(argv)


def timed(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{' '.join(command[:4])}... exited {result.returncode}:\n{result.stderr}")
    return elapsed, result.stdout.strip()


def fetch_only(port: int, token: str, size: int, threads: int) -> float:
    """Seconds to GET every tile and bundle of ``size`` with ``threads`` clients, checking nothing:
    what the server alone costs."""
    from ledger import tiles

    paths = [f"/ledger/{tile.path}" for tile in tiles.tiles_for(size)]
    paths += [f"/ledger/{t.entries_path}" for t in tiles.tiles_for(size) if t.level == 0]
    local = threading.local()

    def get(path: str) -> int:
        if not hasattr(local, "connection"):
            local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        local.connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = local.connection.getresponse()
        body = response.read()
        if response.status != 200:
            sys.exit(f"GET {path}: {response.status}")
        return len(body)

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(get, paths))
    return time.perf_counter() - started


def inner_seconds(output: str) -> float:
    """The seconds the mirror reports for its own work (without interpreter start-up)."""
    return float(re.findall(r"in ([0-9.]+) s", output)[-1])


def main(argv=None) -> None:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="eport-bench-mirror-") as work:
        os.environ["EPORT_KEYS_DIR"] = str(Path(work) / "keys")
        run(args, Path(work))


def run(args: argparse.Namespace, work: Path) -> None:
    setup(args.database)

    from django.db import connection

    from bench.ledgerdata import build_ledger
    from ledger import keys, notarized, notary

    report = Report("mirror")
    report(
        f"# Mirror: full sync of a {args.size:,}-entry ledger over loopback HTTP, then offline",
        *environment_lines(),
        f"gunicorn: {args.server_workers} sync workers; mirror: {args.fetchers} parallel fetches",
        "",
    )
    keys.ensure_keys()
    started = time.perf_counter()
    build_ledger(args.size)
    built = time.perf_counter() - started
    started = time.perf_counter()
    notary.notarize_pending(cosign="inline")
    notarizing = time.perf_counter() - started
    latest = notary.latest_notarized()
    assert latest is not None and latest.size == args.size, latest
    report(
        f"ledger of {args.size:,} entries built in {built:.1f} s, notarized and cosigned in "
        f"{notarizing:.1f} s",
    )
    keys_file = work / "keys.txt"
    keys_file.write_text("\n".join(keys.verifier_keys()) + "\n")
    quorum = notarized.quorum()
    token = secrets.token_urlsafe(32)
    token_file = work / "token"
    token_file.write_text(token + "\n")
    store = work / "store"
    connection.close()

    port = free_port()
    env = child_env() | {
        "DJANGO_SETTINGS_MODULE": "eport.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "eport-benchmark-server-not-for-production",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "EPORT_LOG_LEVEL": "WARNING",
        "EPORT_LEDGER_MIRROR_TOKENS": f"bench.mirror:{hashlib.sha256(token.encode()).hexdigest()}",
    }
    server = start_gunicorn(port, args.server_workers, env)
    mirror = [sys.executable, "-m", "ledger.mirror"]
    common = ["--keys", str(keys_file), "--quorum", str(quorum), "--store", str(store)]
    follow = [
        *mirror,
        f"http://127.0.0.1:{port}",
        *common,
        "--token-file",
        str(token_file),
        "--workers",
        str(args.fetchers),
        "--once",
    ]
    rows = []
    try:
        wait_ready(port, server, "/ledger/checkpoint")
        elapsed, output = timed(follow)
        rows.append(("full sync, empty store -> " + f"{args.size:,}", args.size, elapsed, output))
        elapsed = fetch_only(port, token, args.size, args.fetchers)
        rows.append(("fetch only, no checks (the server)", args.size, elapsed, f"in {elapsed} s"))

        build_ledger(args.size + args.grow)
        notary.notarize_pending(cosign="inline")
        connection.close()
        elapsed, output = timed(follow)
        rows.append((f"next round, +{args.grow:,} entries", args.grow, elapsed, output))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    total = args.size + args.grow
    elapsed, output = timed([*mirror, "--verify-store", *common])
    rows.append((f"--verify-store, {total:,} entries offline", total, elapsed, output))

    report("", "run                                      entries   wall s  mirror s   entries/s")
    for label, count, wall, text in rows:
        inner = inner_seconds(text)
        report(f"{label:<38} {count:>9,} {wall:>8.2f} {inner:>9.2f} {count / inner:>11,.0f}")
    size = sum(p.stat().st_size for p in store.rglob("*") if p.is_file())
    report(
        "",
        "wall s: the whole command, interpreter start-up included; mirror s: what it reports for "
        "its own work; entries/s from the latter (target >= 50,000)",
        f"store: {size / 1e6:.1f} MB in {sum(1 for _ in store.rglob('*'))} files and folders",
    )
    report("", f"saved to {report.save()}")


if __name__ == "__main__":
    main()
