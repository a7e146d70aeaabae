"""Audit workspace at scale: the verification task and the ledger browser over a 1M-entry ledger.

    scripts/bench.sh bench/audit.py [--size 1000000] [--requests 2000] [--clients 10]
                                    [--server sync:4] [--duration 8] [--warmup 2]

1. Builds a valid ledger of ``--size`` entries (bench.ledgerdata) and notarizes it with fresh keys.
2. Runs the real verification task body (``eport.audit.services.execute_run``) in a child
   process, measuring the chain phase's entries/s, each phase's time and the child's peak RSS; and
   ``manage.py verify_ledger`` on the same ledger for comparison (target: the same rate).
3. Serves the ledger browser to one client through Django's test client (the latency of a page
   alone), then through gunicorn (``--server``, 4 sync workers by default) to ``--clients``
   signed-in auditors in a closed loop, one kind of request at a time: filters, deep keyset pages
   and entry pages with their inclusion proof. Prints p50/p95/p99 per kind and the CPU each
   request cost (target: p95 ≤ 150 ms).

The built ledger's subjects name declarations that do not exist in the database, so the
reconciliation phase rightly reports each of them as "in the ledger but not in the database": its
time is the cost of that pass over every subject of a 1M-entry ledger.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, Report, child_env, environment_lines, percentile, setup, table

DATABASE = "eport_bench_audit"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="ledger entries")
    parser.add_argument("--requests", type=int, default=2000, help="browser requests in all")
    parser.add_argument("--clients", type=int, default=10, help="concurrent browser clients")
    parser.add_argument(
        "--server", default="sync:4", help="gunicorn CLASS:WORKERS[xTHREADS] (sync:4)"
    )
    parser.add_argument("--duration", type=float, default=8, help="seconds measured per kind")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of warm-up per kind")
    parser.add_argument("--child-run", type=int, help=argparse.SUPPRESS)
    return parser.parse_args()


def child_run(run_id: int) -> None:
    """In the child: carry out one verification run and print its timings as JSON."""
    import django

    django.setup()
    from eport.audit.services import execute_run

    started = time.perf_counter()
    run = execute_run(run_id=run_id)
    total = time.perf_counter() - started
    print(
        json.dumps(
            {
                "status": run.status,
                "entries": run.entries_checked,
                "chain_seconds": run.chain_seconds,
                "chain_rate": run.chain_rate,
                "declarations": run.declarations_checked,
                "mismatches": run.mismatch_count,
                "checkpoints": run.checkpoints.splitlines()[0] if run.checkpoints else "",
                "seconds": total,
                "summary": run.summary[:300],
            }
        )
    )


def run_child(run_id: int) -> tuple[dict, int]:
    with tempfile.NamedTemporaryFile(suffix=".json") as result:
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.peak",
                result.name,
                sys.executable,
                "bench/audit.py",
                "--child-run",
                str(run_id),
            ],
            cwd=ROOT,
            env=child_env(),
            capture_output=True,
            text=True,
        )
        measured = json.loads(Path(result.name).read_text() or "{}")
    if completed.returncode != 0:
        raise RuntimeError(f"verification child failed:\n{completed.stdout}\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1]), measured["maxrss_kib"] * 1024


SERVED_HEADERS = ["request", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors"]
KINDS = [
    "first page",
    "deep page",
    "actor",
    "action + deep",
    "subject",
    "time window",
    "entry + proof",
]


def plan_requests():
    """The ledger's head and a function drawing (path, query) for each kind of request."""
    from ledger.models import Entry

    head = Entry.objects.order_by("-seq").values_list("seq", flat=True).first()
    sample = list(
        Entry.objects.filter(seq__in=random.Random(7).sample(range(head + 1), 200)).values_list(
            "seq", "actor", "action", "subject", "time"
        )
    )
    rng = random.Random(11)

    def request_for(kind: str) -> tuple[str, dict]:
        seq, actor, action, subject, moment = rng.choice(sample)
        if kind == "first page":
            return "/audit/ledger/", {}
        if kind == "deep page":
            return "/audit/ledger/", {"before": seq}
        if kind == "actor":
            return "/audit/ledger/", {"actor": actor}
        if kind == "action + deep":
            return "/audit/ledger/", {"action": action, "before": seq}
        if kind == "subject":
            return "/audit/ledger/", {"subject": subject}
        if kind == "time window":
            return "/audit/ledger/", {"since": moment.isoformat(), "until": ""}
        return f"/audit/ledger/{seq}/", {}  # entry page with its inclusion proof

    return head, request_for


def bench_browser(args, out: Report, auditor, clients: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    head, request_for = plan_requests()
    kinds = KINDS
    timings: dict[str, list[float]] = {kind: [] for kind in kinds}
    errors: list[str] = []
    lock = threading.Lock()
    per_client = args.requests // clients

    def client_loop(number: int):
        client = Client()
        client.force_login(auditor)
        local = random.Random(number)
        for _ in range(per_client):
            kind = local.choice(kinds)
            with lock:
                path, params = request_for(kind)
            started = time.perf_counter()
            response = client.get(path, params)
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                errors.append(f"{path} {params}: {response.status_code}")
            with lock:
                timings[kind].append(elapsed)
        connection.close()

    overrides = override_settings(
        ROOT_URLCONF="eport.urls",
        ALLOWED_HOSTS=["testserver"],
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    )
    with overrides:
        # One warm-up pass so the figures are of a running server, not of first imports.
        warm = Client()
        warm.force_login(auditor)
        for kind in kinds:
            warm.get(*request_for(kind))
        started = time.perf_counter()
        threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
    everything = [value for values in timings.values() for value in values]
    rows = [
        [
            kind,
            len(values),
            f"{percentile(values, 0.5) * 1000:.1f}",
            f"{percentile(values, 0.95) * 1000:.1f}",
            f"{percentile(values, 0.99) * 1000:.1f}",
        ]
        for kind, values in timings.items()
        if values
    ]
    rows.append(
        [
            "all",
            len(everything),
            f"{percentile(everything, 0.5) * 1000:.1f}",
            f"{percentile(everything, 0.95) * 1000:.1f}",
            f"{percentile(everything, 0.99) * 1000:.1f}",
        ]
    )
    out(
        "",
        f"== ledger browser over {head + 1:,} entries: {clients} concurrent client(s) "
        f"(Django test client, threads), {len(everything):,} requests in {wall:.1f} s "
        f"({len(everything) / wall:,.0f} req/s)",
        *table(["request", "n", "p50 ms", "p95 ms", "p99 ms"], rows),
        "target: p95 ≤ 150 ms"
        + (f"; {len(errors)} non-200 answers: {errors[:3]}" if errors else ""),
    )


def bench_served(args, out: Report, auditor) -> None:
    """The ledger browser through gunicorn to ``--clients`` auditors, one kind at a time."""
    import os
    from urllib.parse import urlencode

    from django.db import connection

    from bench.common import CpuMeter, load_line
    from bench.web import (
        TARGET_MS,
        Page,
        Server,
        ServerSpec,
        collectstatic,
        cpu_row_for,
        hammer,
        row_for,
        server_env,
        session_cookie,
    )

    spec = ServerSpec.parse(args.server)
    head, request_for = plan_requests()
    users = [auditor] * args.clients
    pages = []
    for kind in KINDS:
        urls = []
        for _ in range(200):
            path, params = request_for(kind)
            urls.append(f"{path}?{urlencode(params)}" if params else path)
        marker = b'data-testid="entry-hash"' if kind == "entry + proof" else b"ledger-table"
        pages.append(Page(kind, users, [urls] * args.clients, marker))
    cookies = {auditor.pk: session_cookie(auditor)}
    env = server_env(os.environ["DJANGO_SECRET_KEY"], DATABASE)
    collectstatic(env)
    connection.close()  # the benchmark process holds no connection while the server works

    rows, cpu_rows, errors = [], [], []
    log = Path(os.environ.get("EPORT_VAR_DIR", tempfile.gettempdir())) / "gunicorn-audit.log"
    with Server(spec, env, log) as server:
        meter = CpuMeter(server.process.pid, DATABASE)
        for page in pages:
            outcome = hammer(server.base, page, cookies, args.warmup, args.duration, meter)
            rows.append(row_for(page, outcome))
            cpu_rows.append(cpu_row_for(page, outcome))
            errors.extend(outcome.errors[:3])
    out(
        "",
        f"== ledger browser over {head + 1:,} entries through gunicorn, {spec}: {args.clients} "
        f"concurrent auditors, closed loop, {args.warmup:g} s warm-up then {args.duration:g} s "
        "per kind",
        *table(
            [*SERVED_HEADERS, f"p95<={TARGET_MS}"],
            rows,
        ),
        *([f"first errors: {'; '.join(errors[:6])}"] if errors else []),
        "CPU per request, ms (gunicorn, its PostgreSQL backends, the client threads); req/s if "
        "these CPUs were ours alone; how busy the machine was, and our share of it:",
        *table(
            ["request", "server", "database", "clients", "all", "req/s", "busy", "ours"], cpu_rows
        ),
        load_line(),
        f"target: p95 ≤ {TARGET_MS} ms",
    )


def main() -> None:
    args = parse_args()
    if args.child_run is not None:
        child_run(args.child_run)
        return
    import os
    import secrets

    # One key for the sessions made here and the server that reads them.
    os.environ["DJANGO_SECRET_KEY"] = os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(
        50
    )
    setup(DATABASE)

    from django.conf import settings

    keys_dir = Path(tempfile.mkdtemp(prefix="eport-bench-keys-"))
    os.environ["EPORT_KEYS_DIR"] = str(keys_dir)
    settings.EPORT_KEYS_DIR = keys_dir

    from bench.ledger_write import run_verify
    from bench.ledgerdata import build_ledger
    from eport.accounts.models import User
    from eport.audit.models import VerificationRun
    from ledger import keys, notary
    from ledger.conf import verify_workers

    out = Report("audit")
    out(*environment_lines())
    keys.clear_cache()
    keys.ensure_keys()

    started = time.perf_counter()
    build_ledger(args.size)
    built = time.perf_counter() - started
    started = time.perf_counter()
    notary.notarize_pending(cosign="inline")
    notarized = time.perf_counter() - started
    out(f"built {args.size:,} entries in {built:.1f} s, notarized in {notarized:.1f} s")

    auditor = User.objects.create_user(username="bench-auditor", password="x", role="auditor")
    run = VerificationRun.objects.create(requested_by=auditor)
    result, peak = run_child(run.pk)
    _, verify_peak, verify_output = run_verify()
    verify_rate = verify_output.rsplit("s, ", 1)[-1]
    out(
        "",
        "== verification task (eport.audit execute_run, in a child process)",
        f"status {result['status']}, total {result['seconds']:.2f} s: chain "
        f"{result['chain_seconds']:.2f} s, then checkpoints and reconciliation "
        f"{result['seconds'] - result['chain_seconds']:.2f} s",
        f"chain: {result['entries']:,} entries in {result['chain_seconds']:.2f} s = "
        f"{result['chain_rate']:,.0f} entries/s in {verify_workers()} range processes; peak "
        "RSS of the task process "
        f"{peak / 2**20:.0f} MiB",
        f"checkpoints: {result['checkpoints']}",
        f"reconciliation: {result['declarations']:,} declarations, {result['mismatches']:,} "
        "ledger subjects without a declaration (the built ledger's synthetic subjects)",
        f"verify_ledger on the same ledger: {verify_rate}, peak RSS {verify_peak / 2**20:.0f} MiB",
        "target: the same rate as verify_ledger",
    )
    bench_browser(args, out, auditor, 1)
    bench_served(args, out, auditor)
    print(f"\nwritten to {out.save()}")


if __name__ == "__main__":
    main()
