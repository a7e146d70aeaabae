"""What the ledger costs a write, how fast it appends under contention, how fast it verifies.

Three sections, each runnable alone with ``--only``:

  write   per-write cost of a declaration-shaped model (create + update in one transaction):
          plain, plain + two ``ledger.services.record()`` calls, the floor of that design (the
          same writes with each ``record()`` replaced by one bare INSERT of a row the same size
          into a table with ledger_entry's indexes: no lock, no head lookup, no chain, the row's
          JSON made by the standard library's encoder without canonical checks), and each peer
          audit library (django-pghistory, django-simple-history, django-auditlog,
          django-reversion) on the same model shape; variants alternate in rounds so drift hits
          them all alike. Each variant's cost is then split: round trips (statements counted and
          timed at the cursor, plus BEGIN and COMMIT), the writer's own CPU time
          (``time.thread_time``) and its PostgreSQL backend's (``/proc/<pid>/schedstat``), so
          the gap between ``record()`` and the floor shows where it is. Lock wait is nil with
          one writer and is measured in ``append``.
  append  appends/s with 1, 4, 2 × CPUs + 1 (gunicorn's default worker count) and 16 writer
          processes, each entry in its own transaction, then the chain is verified intact and
          gap-free; per entry: the writers' CPU, their backends' CPU, round trips and the time
          spent in them, and lock wait (backends waiting on the advisory append lock, sampled
          from pg_stat_activity every 2 ms).
  verify  the real ``verify_ledger`` command, in a child process, over ledgers of 100,000 and
          1,000,000 entries (built with ``bench.ledgerdata.build_ledger``): entries/s and the
          child's peak memory.

Figures are printed, never asserted; they also go to bench/results/ledger_write.txt. Needs
DATABASE_URL naming a PostgreSQL server (`make bench` starts a throwaway one); the benchmark works
in its own database (``--database``), dropped and recreated on every run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    ROOT,
    Report,
    child_env,
    environment_lines,
    load_line,
    positive,
    setup,
    table,
)

SECTIONS = ("write", "append", "verify")


def int_list(text: str) -> list[int]:
    try:
        values = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of integers"
        ) from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give one or more positive integers")
    return values


def default_writers() -> list[int]:
    # 2 × CPUs + 1 is gunicorn's suggested worker count, so as many processes as a server
    # would run append at once.
    return sorted({1, 4, 2 * (os.cpu_count() or 1) + 1, 16})


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--only", action="append", choices=SECTIONS, help="run only this section (repeatable)"
    )
    parser.add_argument(
        "--database",
        default="eport_bench",
        help="scratch database, recreated (default %(default)s)",
    )
    parser.add_argument(
        "--iterations", type=positive, default=2000, help="timed writes per variant (2000)"
    )
    parser.add_argument("--warmup", type=int, default=200, help="untimed writes per variant (200)")
    parser.add_argument("--batch", type=positive, default=100, help="writes per variant per round")
    parser.add_argument(
        "--writers",
        type=int_list,
        default=default_writers(),
        help="writer counts (%(default)s: 1, 4, gunicorn's default worker count 2 × CPUs + 1, 16)",
    )
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="append time per writer count (5)"
    )
    parser.add_argument(
        "--sizes", type=int_list, default=[100_000, 1_000_000], help="ledger sizes to verify"
    )
    return parser.parse_args(argv)


# --- write ---------------------------------------------------------------------------------

LEDGER = "ledger (record ×2)"
FLOOR = "floor (bare insert ×2)"


def declaration_fields(i: int) -> dict:
    return {
        "lrn": f"LRN-2026-{i:08d}",
        "flow": "import",
        "procedure_code": "4000",
        "consignor_name": "Rheinland Präzisionstechnik GmbH",
        "consignee_name": "Shenzhen Harbour Electronics Trading Co., Ltd.",
        "dispatch_country": "DE",
        "destination_country": "CN",
        "incoterm": "CIF",
        "invoice_currency": "EUR",
        "invoice_total": Decimal("125000.00") + Decimal(i) / 100,
        "exchange_rate": Decimal("7.812345"),
        "freight": Decimal("1200.00"),
        "arrival_date": date(2026, 12, 3),
    }


def json_value(value):
    from ledger.services import format_time

    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def state_digest(obj, names: list[str]) -> str:
    """``data.state``: SHA-256 of the RFC 8785 bytes of the row's full snapshot."""
    from ledger.canonical import canonical_bytes

    snapshot = {name: json_value(getattr(obj, name)) for name in names}
    return hashlib.sha256(canonical_bytes(snapshot)).hexdigest()


# The floor's one statement: the row an entry would be, into a table shaped like ledger_entry
# (same columns, same indexes), with no lock, no head lookup and no chain.
FLOOR_SQL = (
    "INSERT INTO bench_peers_floorentry (time, actor, action, subject, canonical, hash) "
    "VALUES (%s, %s, %s, %s, %s, %s)"
)
FLOOR_PREV = "0" * 64


def floor_record():
    """A stand-in for ``record()`` at the floor of its design: one bare INSERT of a row the same
    size as the entry (the same fields, encoded by the standard library's JSON encoder without
    ``canonical_bytes``' checks, hashed on the client), into a table with the same indexes."""
    from django.db import connection

    from ledger.services import format_time

    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode
    numbers = iter(range(1, 10**12))

    def record(*, actor, action, subject, data):
        moment = datetime.now(UTC)
        raw = encode(
            {
                "v": 1,
                "seq": next(numbers),
                "time": format_time(moment),
                "actor": actor,
                "action": action,
                "subject": subject,
                "data": data,
                "prev": FLOOR_PREV,
            }
        ).encode()
        with connection.cursor() as cursor:
            cursor.execute(
                FLOOR_SQL, [moment, actor, action, subject, raw, hashlib.sha256(raw).digest()]
            )

    return record


def make_variants() -> dict:
    import reversion
    from django.db import transaction

    from bench.peers import models as peers
    from ledger.services import record

    def submit(obj):
        obj.status = "submitted"
        obj.submitted_at = datetime.now(UTC)
        obj.freight = Decimal("1350.00")
        obj.save()

    def audited_by_library(model):
        def write(i):
            with transaction.atomic():
                submit(model.objects.create(**declaration_fields(i)))

        return write

    snapshot_names = ["id", "status", *declaration_fields(0), "submitted_at"]

    def recorded_write(model, record):
        # The caller's side is the same for the ledger and its floor; only ``record`` differs.
        def write(i):
            with transaction.atomic():
                fields = declaration_fields(i)
                obj = model.objects.create(**fields)
                record(
                    actor="user:1",
                    action="declaration.created",
                    subject=obj.ledger_subject,
                    data={
                        **{k: json_value(v) for k, v in fields.items()},
                        "status": obj.status,
                        "state": state_digest(obj, snapshot_names),
                    },
                )
                submit(obj)
                record(
                    actor="user:1",
                    action="declaration.submitted",
                    subject=obj.ledger_subject,
                    data={
                        "status": obj.status,
                        "submitted_at": json_value(obj.submitted_at),
                        "freight": json_value(obj.freight),
                        "state": state_digest(obj, snapshot_names),
                    },
                )

        return write

    def reversion_write(i):
        with transaction.atomic(), reversion.create_revision():
            submit(peers.ReversionDeclaration.objects.create(**declaration_fields(i)))

    return {
        "plain": audited_by_library(peers.PlainDeclaration),
        FLOOR: recorded_write(peers.FloorDeclaration, floor_record()),
        LEDGER: recorded_write(peers.LedgerDeclaration, record),
        "django-pghistory": audited_by_library(peers.PghistoryDeclaration),
        "django-simple-history": audited_by_library(peers.SimpleHistoryDeclaration),
        "django-auditlog": audited_by_library(peers.AuditlogDeclaration),
        "django-reversion": reversion_write,
    }


def count_queries(write, i: int) -> int:
    from django.db import connection

    executed = []

    def counter(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        write(i)
    return len(executed)


def backend_cpu(pid: int) -> float | None:
    """CPU seconds the PostgreSQL backend ``pid`` has run (``/proc/<pid>/schedstat``, in ns);
    None when the server is not on this machine."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


class RoundTrips:
    """Counts and times the round trips of Django's default connection, at the cursor and at
    COMMIT: each statement (psycopg2 sends BEGIN as its own round trip before a transaction's
    first statement, so that statement's time includes BEGIN's) and each commit. The time is
    wall time waiting on the server: its work, the network and any lock wait."""

    def __init__(self):
        self.statements = 0
        self.commits = 0
        self.seconds = 0.0

    def _execute(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.statements += 1

    def install(self):
        """Start counting; returns a callable that stops."""
        from django.db import connection

        wrapper = connection.execute_wrapper(self._execute)
        wrapper.__enter__()
        commit = connection._commit

        def timed_commit():
            started = time.perf_counter()
            try:
                return commit()
            finally:
                self.seconds += time.perf_counter() - started
                self.commits += 1

        connection._commit = timed_commit

        def uninstall():
            del connection._commit
            wrapper.__exit__(None, None, None)

        return uninstall

    @property
    def round_trips(self) -> int:
        return self.statements + 2 * self.commits  # BEGIN and COMMIT per transaction


def bench_write(args, out: Report) -> None:
    from django.db import connection

    variants = make_variants()
    names = list(variants)
    counter = iter(range(10**9))
    for name in names:
        for _ in range(args.warmup):
            variants[name](next(counter))
    queries = {name: count_queries(variants[name], next(counter)) for name in names}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]

    rounds = max(1, args.iterations // args.batch)
    totals = dict.fromkeys(names, 0.0)
    client = dict.fromkeys(names, 0.0)
    server = dict.fromkeys(names, 0.0)
    trips = {name: RoundTrips() for name in names}
    per_round = {name: [] for name in names}
    perf = time.perf_counter
    for r in range(rounds):
        # Rotate the order every round so no variant always runs first or last.
        for name in names[r % len(names) :] + names[: r % len(names)]:
            write = variants[name]
            stop = trips[name].install()
            server_before = backend_cpu(backend)
            client_before = time.thread_time()
            started = perf()
            for _ in range(args.batch):
                write(next(counter))
            elapsed = perf() - started
            client[name] += time.thread_time() - client_before
            server_after = backend_cpu(backend)
            stop()
            if server_before is not None and server_after is not None:
                server[name] += server_after - server_before
            totals[name] += elapsed
            per_round[name].append(elapsed * 1000 / args.batch)

    writes = rounds * args.batch
    plain = totals["plain"] / writes * 1000
    floor = totals[FLOOR] / writes * 1000
    rows = []
    for name in names:
        ms = totals[name] / writes * 1000
        ordered = sorted(per_round[name])
        median = ordered[len(ordered) // 2]
        rows.append(
            [
                name,
                f"{ms:.3f}",
                f"{median:.3f}",
                f"{ordered[0]:.3f}–{ordered[-1]:.3f}",
                f"{ms / plain:.2f}×",
                f"{ms / floor:.2f}×",
                queries[name],
            ]
        )
    out(
        "",
        f"== Per-write cost: create + update of a 13-field declaration in one transaction "
        f"({writes:,} timed writes per variant after {args.warmup} warm-up, {rounds} rounds "
        f"of {args.batch}, order rotated each round)",
        *table(
            [
                "variant",
                "ms/write",
                "median round",
                "round range",
                "vs plain",
                "vs floor",
                "queries",
            ],
            rows,
        ),
        "target: ledger ≤ 1.30× plain, ≤ 1.10× floor",
    )

    def cpu(name):
        return (client[name] + server[name]) / writes * 1000

    split = []
    for name in names:
        split.append(
            [
                name,
                f"{trips[name].round_trips / writes:.1f}",
                f"{trips[name].seconds / writes * 1000:.3f}",
                f"{client[name] / writes * 1000:.3f}",
                f"{server[name] / writes * 1000:.3f}",
                f"{cpu(name):.3f}",
                f"{cpu(name) / cpu(FLOOR):.2f}×",
            ]
        )

    def per_entry(values):  # two entries per write
        return (values[LEDGER] - values[FLOOR]) / writes / 2 * 1e6

    out(
        "",
        "== Where a write's cost goes (per write; same rounds as above)",
        *table(
            [
                "variant",
                "round trips",
                "in round trips ms",
                "client CPU ms",
                "server CPU ms",
                "CPU ms",
                "CPU vs floor",
            ],
            split,
        ),
        "round trips: statements counted at the cursor, plus BEGIN and COMMIT; 'in round trips' "
        "is the wall time spent waiting on them (server work, network, any lock wait)",
        "client CPU: this (the writer's) thread's CPU time; server CPU: its PostgreSQL backend's "
        "(/proc/<pid>/schedstat)",
        "lock wait: none here (one writer, nobody holds the append lock in between); "
        "the append section measures it with concurrent writers",
        f"record() above the floor, per entry: client CPU "
        f"{per_entry(client):+.0f} µs, server CPU {per_entry(server):+.0f} µs, round trips "
        f"{(trips[LEDGER].round_trips - trips[FLOOR].round_trips) / writes / 2:+.1f}, "
        f"time in round trips "
        f"{(trips[LEDGER].seconds - trips[FLOOR].seconds) / writes / 2 * 1e6:+.0f} µs",
    )


# --- append --------------------------------------------------------------------------------


class LockWaitSampler:
    """Samples ``pg_stat_activity`` on its own connection every ``interval`` seconds and adds up,
    over time, how many backends wait on an advisory lock (the append lock is the only one in
    the benchmark's database): the total is lock-wait seconds, to sampling accuracy."""

    def __init__(self, interval: float = 0.002):
        self.interval = interval
        self.seconds = 0.0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg2

        connection = psycopg2.connect(os.environ["DATABASE_URL"])
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                last = time.perf_counter()
                while not self._stop.is_set():
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                        "current_database() AND wait_event_type = 'Lock' "
                        "AND wait_event = 'advisory'"
                    )
                    waiting = cursor.fetchone()[0]
                    now = time.perf_counter()
                    self.seconds += waiting * (now - last)
                    self.samples += 1
                    last = now
                    self._stop.wait(self.interval)
        finally:
            connection.close()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def run_writers(count: int, seconds: float) -> tuple[list[dict], LockWaitSampler]:
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.append_worker",
                "--worker",
                str(n),
                "--seconds",
                str(seconds),
            ],
            cwd=ROOT,
            env=child_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(count)
    ]
    try:
        for process in processes:
            if process.stdout.readline().strip() != "ready":
                raise RuntimeError(f"append worker {process.pid} did not start")
        with LockWaitSampler() as sampler:
            for process in processes:
                process.stdin.write("go\n")
                process.stdin.flush()
            results = [json.loads(process.stdout.readline()) for process in processes]
        for process in processes:
            if process.wait(timeout=60) != 0:
                raise RuntimeError(f"append worker {process.pid} failed")
        return results, sampler
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()


def per_entry_us(results: list[dict], key: str) -> str:
    """The writers' summed ``key`` seconds per appended entry, in µs."""
    total = sum(result["appended"] for result in results)
    values = [result[key] for result in results]
    if total == 0 or any(value is None for value in values):
        return "n/a"
    return f"{sum(values) / total * 1e6:,.0f}"


def bench_append(args, out: Report) -> None:
    from django.db import connection
    from django.db.models import Count

    from ledger.models import Entry
    from ledger.services import ensure_genesis
    from ledger.verify import verify_chain

    ensure_genesis()
    rows = []
    split = []
    for writers in args.writers:
        before = dict(
            Entry.objects.filter(actor__startswith="system:bench")
            .values_list("actor")
            .annotate(n=Count("seq"))
        )
        results, sampler = run_writers(writers, args.seconds)
        counts = [result["appended"] for result in results]
        total = sum(counts)
        report = verify_chain()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*), min(seq), max(seq) FROM ledger_entry")
            rows_in_table, first, last = cursor.fetchone()
        after = dict(
            Entry.objects.filter(actor__startswith="system:bench")
            .values_list("actor")
            .annotate(n=Count("seq"))
        )
        per_worker = [
            after.get(f"system:bench{n}", 0) - before.get(f"system:bench{n}", 0)
            for n in range(writers)
        ]
        gap_free = first == 0 and rows_in_table == last + 1
        check = (
            f"intact, {report.checked:,} entries, seq 0–{report.head_seq:,}"
            if report.ok
            else f"BROKEN: {report.failure}"
        )
        check += ", gap-free" if gap_free else ", GAPS"
        check += ", all appends present" if per_worker == counts else ", APPENDS MISSING"
        rows.append(
            [
                writers,
                f"{args.seconds:g}",
                f"{total:,}",
                f"{total / args.seconds:,.0f}",
                f"{total / args.seconds / writers:,.0f}",
                check,
            ]
        )

        split.append(
            [
                writers,
                per_entry_us(results, "client_cpu"),
                per_entry_us(results, "server_cpu"),
                f"{sum(r['round_trips'] for r in results) / max(total, 1):.1f}",
                per_entry_us(results, "round_trip_seconds"),
                f"{sampler.seconds / max(total, 1) * 1e6:,.0f}",
                f"{sampler.samples:,}",
            ]
        )
    out(
        "",
        "== Append throughput: record() in its own transaction per entry, separate processes",
        *table(
            ["writers", "seconds", "appends", "appends/s", "per writer/s", "chain afterwards"],
            rows,
            align="rrrrrl",
        ),
        "target: ≥ 1,500 appends/s at 16 writers",
        "",
        "== Where an append's time goes (per entry, µs)",
        *table(
            [
                "writers",
                "client CPU",
                "server CPU",
                "round trips",
                "in round trips",
                "lock wait",
                "lock samples",
            ],
            split,
        ),
        "client CPU: the writers' own CPU time; server CPU: their PostgreSQL backends' "
        "(/proc/<pid>/schedstat); round trips: statements counted at the cursor plus BEGIN and "
        "COMMIT, and the wall time spent waiting on them",
        "lock wait: pg_stat_activity sampled every 2 ms on a separate connection, backends "
        "waiting on the advisory (append) lock × time between samples, divided by appends; it is "
        "part of 'in round trips'",
        f"{2 * (os.cpu_count() or 1) + 1} writers is gunicorn's default worker count for this "
        f"machine (2 × {os.cpu_count()} CPUs + 1)",
    )


# --- verify --------------------------------------------------------------------------------

SUMMARY = re.compile(r"ledger intact: ([\d,]+) entries .* ([\d.]+) s, ([\d,]+) entries/s")


VERIFY_COMMAND = (sys.executable, "manage.py", "verify_ledger")


def run_verify() -> tuple[float, int, str]:
    """Run ``manage.py verify_ledger`` in a child; return wall seconds, peak RSS bytes, output."""
    with tempfile.NamedTemporaryFile(suffix=".json") as result:
        started = time.perf_counter()
        completed = subprocess.run(
            [sys.executable, "-m", "bench.peak", result.name, *VERIFY_COMMAND],
            cwd=ROOT,
            env=child_env(),
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        measured = json.loads(Path(result.name).read_text() or "{}")
    output = (completed.stdout + completed.stderr).strip()
    if completed.returncode != 0 or "maxrss_kib" not in measured:
        raise RuntimeError(f"verify_ledger failed ({completed.returncode}):\n{output}")
    return seconds, measured["maxrss_kib"] * 1024, output


def bench_verify(args, out: Report) -> None:
    from bench.ledgerdata import build_ledger
    from ledger.conf import verify_workers

    rows = []
    for size in sorted(args.sizes):
        started = time.perf_counter()
        build_ledger(size)
        built = time.perf_counter() - started
        wall, peak, output = run_verify()
        match = SUMMARY.search(output)
        if match is None:
            raise RuntimeError(f"unexpected verify_ledger output:\n{output}")
        checked = int(match.group(1).replace(",", ""))
        rows.append(
            [
                f"{checked:,}",
                f"{built:.1f}",
                f"{float(match.group(2)):.2f}",
                match.group(3),
                f"{wall:.2f}",
                f"{checked / wall:,.0f}",
                f"{peak / 2**20:.0f}",
            ]
        )
    out(
        "",
        "== verify_ledger (the real command, in a child process) over a built ledger, "
        f"{verify_workers()} range processes (EPORT_VERIFY_WORKERS, default one per CPU)",
        *table(
            [
                "entries",
                "build s",
                "verify s",
                "entries/s",
                "child wall s",
                "incl. startup /s",
                "peak RSS MiB",
            ],
            rows,
        ),
        "target: ≥ 100,000 entries/s on 2 CPUs at 1M, peak memory flat from 100k to 1M",
    )


def main(argv=None) -> None:
    args = parse_args(argv)
    sections = args.only or list(SECTIONS)
    setup(args.database)
    out = Report("ledger_write")
    out("# eport ledger benchmark", *environment_lines())
    for section in SECTIONS:
        if section in sections:
            globals()[f"bench_{section}"](args, out)
            out(load_line())
    path = out.save()
    print(f"\nwritten to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
