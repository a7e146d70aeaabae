"""What the ledger costs a write, how fast it appends under contention, how fast it verifies.

Three sections, each runnable alone with ``--only``:

  write   per-write cost of a declaration-shaped model (create + update in one transaction):
          plain, plain + two ``ledger.services.record()`` calls, and each peer audit library
          (django-pghistory, django-simple-history, django-auditlog, django-reversion) on the same
          model shape; variants alternate in rounds so drift hits them all alike.
  append  appends/s with 1, 4 and 16 writer processes, each entry in its own transaction, then
          the chain is verified intact and gap-free.
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
import re
import subprocess
import sys
import tempfile
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
        "--writers", type=int_list, default=[1, 4, 16], help="writer counts (1,4,16)"
    )
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="append time per writer count (5)"
    )
    parser.add_argument(
        "--sizes", type=int_list, default=[100_000, 1_000_000], help="ledger sizes to verify"
    )
    return parser.parse_args(argv)


# --- write ---------------------------------------------------------------------------------


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

    def ledger_write(i):
        with transaction.atomic():
            fields = declaration_fields(i)
            obj = peers.LedgerDeclaration.objects.create(**fields)
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

    def reversion_write(i):
        with transaction.atomic(), reversion.create_revision():
            submit(peers.ReversionDeclaration.objects.create(**declaration_fields(i)))

    return {
        "plain": audited_by_library(peers.PlainDeclaration),
        "ledger (record ×2)": ledger_write,
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


def bench_write(args, out: Report) -> None:
    variants = make_variants()
    names = list(variants)
    counter = iter(range(10**9))
    for name in names:
        for _ in range(args.warmup):
            variants[name](next(counter))
    queries = {name: count_queries(variants[name], next(counter)) for name in names}

    rounds = max(1, args.iterations // args.batch)
    totals = dict.fromkeys(names, 0.0)
    per_round = {name: [] for name in names}
    perf = time.perf_counter
    for r in range(rounds):
        # Rotate the order every round so no variant always runs first or last.
        for name in names[r % len(names) :] + names[: r % len(names)]:
            write = variants[name]
            started = perf()
            for _ in range(args.batch):
                write(next(counter))
            elapsed = perf() - started
            totals[name] += elapsed
            per_round[name].append(elapsed * 1000 / args.batch)

    writes = rounds * args.batch
    plain = totals["plain"] / writes * 1000
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
                queries[name],
            ]
        )
    out(
        "",
        f"== Per-write cost: create + update of a 13-field declaration in one transaction "
        f"({writes:,} timed writes per variant after {args.warmup} warm-up, {rounds} rounds "
        f"of {args.batch}, order rotated each round)",
        *table(
            ["variant", "ms/write", "median round", "round range", "vs plain", "queries"],
            rows,
        ),
        "target: ledger ≤ 1.30× plain",
    )


# --- append --------------------------------------------------------------------------------


def run_writers(count: int, seconds: float) -> list[int]:
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
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        counts = [int(process.stdout.readline()) for process in processes]
        for process in processes:
            if process.wait(timeout=60) != 0:
                raise RuntimeError(f"append worker {process.pid} failed")
        return counts
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()


def bench_append(args, out: Report) -> None:
    from django.db import connection
    from django.db.models import Count

    from ledger.models import Entry
    from ledger.services import ensure_genesis
    from ledger.verify import verify_chain

    ensure_genesis()
    rows = []
    for writers in args.writers:
        before = dict(
            Entry.objects.filter(actor__startswith="system:bench")
            .values_list("actor")
            .annotate(n=Count("seq"))
        )
        counts = run_writers(writers, args.seconds)
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
    out(
        "",
        "== Append throughput: record() in its own transaction per entry, separate processes",
        *table(
            ["writers", "seconds", "appends", "appends/s", "per writer/s", "chain afterwards"],
            rows,
            align="rrrrrl",
        ),
        "target: ≥ 1,500 appends/s at 16 writers",
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
        "== verify_ledger (the real command, in a child process) over a built ledger",
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
        "target: ≥ 30,000 entries/s, peak memory flat from 100k to 1M",
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
