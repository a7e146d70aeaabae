"""Banks confirming e-payments of tax bills through the REST API, under load.

Builds a scratch database (``--database``, dropped and recreated), everything through the
services: an office, ``--companies`` companies with a trader each, two alliance banks with
``--clients`` staff in turn, and a payment agreement in force between each company and each bank.
Then ``--instructions`` green-lane declarations are filed, submitted and assessed (each tax bill
issued at assessment), in as many processes as CPUs, and each bill is instructed for payment
through the bank of the client that will confirm it: every client has its own pending
instructions, none shared.

1. One confirmation in this process (Django's test client, no server): the queries it runs, by
   kind, and its latency alone, over ``--probes`` confirmations one after another.
2. ``--clients`` concurrent client threads, one API token each, confirm their own instructions
   through ``POST /api/v1/payments/<uuid>/confirm/`` on gunicorn (``--workers`` sync workers),
   each with an ``Idempotency-Key`` as a bank's system would send, for ``--seconds`` seconds
   after ``--warmup`` untimed seconds (or until a client has none left). Meanwhile a sampler
   reads what the database's backends wait for, ten times a second.
   Target: ≥ 100 confirmations/s with p95 ≤ 250 ms.

Afterwards it checks that every confirmed instruction has exactly one ``payment.confirmed`` entry
and a paid bill, and that the ledger verifies. Figures are printed and written to
bench/results/payments.txt, never asserted. Needs DATABASE_URL naming a PostgreSQL server
(``scripts/bench.sh`` starts a throwaway one).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.banks import Server, request, token_for
from bench.common import (
    ROOT,
    CpuMeter,
    Report,
    environment_lines,
    load_line,
    percentile,
    positive,
    server_url,
    setup,
    table,
)

ACTOR = "system:bench"
CPU_PARTS = ("server", "database", "clients")
BANKS = (
    ("ICBKCNBJSHI", "Industrial and Commercial Bank of China, Shanghai", "102290000011"),
    ("BKCHCNBJ300", "Bank of China, Shanghai Branch", "104290003791"),
)
COMPANY_FIRST17 = "91310000MA1FL{:04d}"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=positive, default=20, help="concurrent clients (20)")
    parser.add_argument(
        "--instructions",
        type=positive,
        default=4000,
        help="pending instructions prepared for the clients (4000)",
    )
    parser.add_argument("--companies", type=positive, default=10, help="companies (10)")
    parser.add_argument("--seconds", type=positive, default=20, help="timed seconds (20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed seconds first (3)")
    parser.add_argument(
        "--probes", type=positive, default=30, help="confirmations timed in process (30)"
    )
    parser.add_argument(
        "--workers",
        type=positive,
        default=max(2, 2 * (os.cpu_count() or 1) + 1),
        help="gunicorn sync workers (default 2 × CPUs + 1)",
    )
    parser.add_argument(
        "--database",
        default="eport_bench_payments",
        help="scratch database, recreated (%(default)s)",
    )
    return parser.parse_args(argv)


# --- the data ------------------------------------------------------------------------------


@dataclass
class Pending:
    """A pending instruction and what its bank's confirmation says."""

    uuid: str
    bill_number: str
    amount: str


@dataclass
class World:
    bank_staff: list  # user pks, one per client, the two banks in turn
    probe_staff: list  # user pks of one clerk per bank, for the in-process probes
    queues: list  # per client: its pending instructions
    probes: list  # (bank index, Pending) confirmed in process
    seconds: dict = field(default_factory=dict)


def reference_rows() -> None:
    from decimal import Decimal

    from eport.reference import codes
    from eport.reference.models import HsCode, TariffLine

    HsCode.objects.create(
        code="847130", level=6, section="XVI", parent="8471", description="Laptops"
    )
    TariffLine.objects.create(hs_prefix="8471", duty_rate=Decimal("0"), vat_rate=Decimal("13"))
    codes.clear_caches()


def header(lrn: str, company_name: str) -> dict:
    return {
        "office": "2201",
        "flow": "import",
        "procedure_code": "4000",
        "lrn": lrn,
        "consignor_name": "Hamburg Exports GmbH",
        "consignor_country": "DE",
        "consignor_id": "",
        "consignee_name": company_name,
        "consignee_country": "CN",
        "consignee_id": "",
        "dispatch_country": "DE",
        "destination_country": "CN",
        "transport_mode": "3",  # road: the invoice is the only mandatory document
        "transport_document": "CMR123456",
        "transport_means_id": "",
        "port_of_loading": "DEHAM",
        "port_of_discharge": "CNSHA",
        "incoterm": "CIF",
        "incoterm_place": "Shanghai",
        "invoice_currency": "EUR",
        "invoice_total": "2000.00",
        "exchange_rate": "7.800000",
        "freight": "",
        "insurance": "",
    }


ITEMS = [
    {
        "hs_code": "8471300000",
        "description": f"Laptop model {n}",
        "origin_country": "DE",
        "quantity": "1",
        "unit": "PCE",
        "net_mass": "2.000",
        "gross_mass": "2.500",
        "invoice_value": "1000.00",
        "valuation_method": 1,
    }
    for n in range(2)
]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def file_and_instruct(jobs, queue) -> None:
    """In a child process: file, submit (green: assessed, billed) and instruct each job's bill."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from eport.accounts.models import User
    from eport.declarations import services as declarations
    from eport.payments import services as payments
    from eport.payments.models import PaymentAgreement, TaxBill

    connection.close()  # never the parent's socket
    traders, agreements, done = {}, {}, []
    try:
        for lrn, trader_pk, agreement_pk, slot in jobs:
            if trader_pk not in traders:
                traders[trader_pk] = User.objects.select_related("company").get(pk=trader_pk)
            if agreement_pk not in agreements:
                agreements[agreement_pk] = PaymentAgreement.objects.get(pk=agreement_pk)
            trader = traders[trader_pk]
            draft = declarations.create_draft(
                actor=trader, header=header(lrn, trader.company.name), items=ITEMS
            )
            declarations.add_document(
                declaration=draft,
                actor=trader,
                type="380",
                reference=f"INV-{lrn}",
                issued_on=None,
                upload=SimpleUploadedFile("invoice.pdf", PDF + lrn.encode()),
            )
            draft.refresh_from_db()
            submitted = declarations.submit_declaration(
                declaration=draft, actor=trader, version=draft.version
            )
            bill = TaxBill.objects.select_related("declaration").get(declaration=submitted)
            instruction = payments.instruct_payment(
                bill=bill, actor=trader, agreement=agreements[agreement_pk]
            )
            done.append(
                (slot, Pending(str(instruction.uuid), bill.number, f"{instruction.amount:.2f}"))
            )
        queue.put((done, None))
    except Exception as error:  # reported by the parent, with what was made
        queue.put((done, repr(error)))
    finally:
        connection.close()


def build(args) -> World:
    """People, banks and agreements, then the instructions, filed in parallel processes."""
    from django.db import connection

    from eport.accounts import services as accounts
    from eport.accounts.models import User
    from eport.accounts.usci import usci_check_character
    from eport.payments import services as payments

    seconds = {}
    started = time.perf_counter()
    reference_rows()
    accounts.create_office(actor=ACTOR, code="2201", name="Shanghai Customs District")
    banks = [
        accounts.create_bank(actor=ACTOR, bic=bic, legal_name=name, cnaps=cnaps)
        for bic, name, cnaps in BANKS
    ]
    staff = [
        accounts.create_user(
            actor=ACTOR,
            username=f"bench-bank-{number:02d}",
            role=User.Role.BANK,
            bank=banks[number % len(banks)],
        )
        for number in range(args.clients)
    ]
    probe_staff = [
        accounts.create_user(
            actor=ACTOR, username=f"bench-probe-{index}", role=User.Role.BANK, bank=bank
        )
        for index, bank in enumerate(banks)
    ]
    traders, agreements = [], {}  # agreements: (company index, bank index) -> pk
    for number in range(args.companies):
        first17 = COMPANY_FIRST17.format(number)
        company = accounts.create_company(
            actor=ACTOR,
            usci=first17 + usci_check_character(first17),
            name=f"Bench Trading {number:02d} Co., Ltd.",
        )
        trader = accounts.create_user(
            actor=ACTOR,
            username=f"bench-trader-{number:02d}",
            role=User.Role.TRADER,
            company=company,
        )
        traders.append(trader)
        for index, (bank, clerk) in enumerate(zip(banks, probe_staff, strict=True)):
            asked = payments.request_agreement(
                actor=trader, bank=bank, account_number=f"62220210{number:04d}{index:07d}"
            )
            payments.confirm_agreement(agreement=asked, actor=clerk, version=asked.version)
            agreements[number, index] = asked.pk
    seconds["people, banks and agreements (services)"] = time.perf_counter() - started

    # Slot n goes to client n % clients (its bank: client % 2); the last ones are the probes'.
    started = time.perf_counter()
    total = args.instructions + args.probes
    jobs = []
    for slot in range(total):
        bank_index = (slot % args.clients) % len(banks) if slot < args.instructions else slot % 2
        company = slot % args.companies
        jobs.append((f"PAY-{slot:06d}", traders[company].pk, agreements[company, bank_index], slot))
    processes = max(1, os.cpu_count() or 1)
    connection.close()  # forked children must not share it
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [
        context.Process(target=file_and_instruct, args=(jobs[n::processes], queue))
        for n in range(processes)
    ]
    for worker in workers:
        worker.start()
    made, failures = {}, []
    for _ in workers:
        done, failure = queue.get(timeout=3600)
        made.update(done)
        if failure:
            failures.append(failure)
    for worker in workers:
        worker.join(timeout=60)
    if failures:
        sys.exit(f"preparing the instructions failed: {failures[0]}")
    seconds[
        f"{total} declarations filed, assessed, billed and instructed "
        f"(services, {processes} processes)"
    ] = time.perf_counter() - started

    queues = [[] for _ in range(args.clients)]
    for slot in range(args.instructions):
        queues[slot % args.clients].append(made[slot])
    probes = [
        (slot % 2, made[slot]) for slot in range(args.instructions, args.instructions + args.probes)
    ]
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return World(
        bank_staff=[user.pk for user in staff],
        probe_staff=[user.pk for user in probe_staff],
        queues=queues,
        probes=probes,
        seconds=seconds,
    )


def confirmation_body(pending: Pending, reference: str) -> dict:
    from eport.payments.selectors import today

    return {
        "bill_number": pending.bill_number,
        "amount": pending.amount,
        "currency": "CNY",
        "bank_reference": reference,
        "value_date": today().isoformat(),
    }


# --- 1. one confirmation, in process -------------------------------------------------------


def probe(world: World) -> tuple[Counter, list[float]]:
    """The queries of one confirmation (by kind) and the latency of each probe alone."""
    from django.db import connection
    from django.test.utils import override_settings
    from rest_framework.test import APIClient

    from eport.accounts.models import User
    from eport.api.tokens import create_token

    clients = []
    for pk in world.probe_staff:
        client = APIClient()
        _, secret = create_token(actor=User.objects.get(pk=pk), name="bench probe")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        clients.append(client)
    kinds: Counter = Counter()
    laps = []
    with override_settings(ROOT_URLCONF="eport.urls", ALLOWED_HOSTS=["testserver"]):
        for number, (bank_index, pending) in enumerate(world.probes):
            executed = []

            def counter(execute, sql, params, many, context, executed=executed):
                executed.append(sql)
                return execute(sql, params, many, context)

            body = confirmation_body(pending, f"PROBE-{number}")
            started = time.perf_counter()
            with connection.execute_wrapper(counter):
                response = clients[bank_index].post(
                    f"/api/v1/payments/{pending.uuid}/confirm/",
                    body,
                    format="json",
                    HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
                )
            laps.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                sys.exit(f"a probe confirmation answered {response.status_code}: {response.data}")
            if number == len(world.probes) - 1:
                kinds.update(_kind(sql) for sql in executed)
    connection.close()
    return kinds, laps[1:] or laps  # the first pays for imports and cold caches


def _kind(sql: str) -> str:
    words = sql.lstrip().split(None, 2)
    first = words[0].upper() if words else "?"
    if first == "SELECT" and "FOR UPDATE" in sql.upper():
        return "SELECT … FOR UPDATE"
    if first == "SELECT" and "ledger_append" in sql:
        return "ledger append"
    if first == "SELECT" and "advisory" in sql:
        return "idempotency key lock"
    return first


# --- 2. confirmations under load ------------------------------------------------------------


class Confirmer(threading.Thread):
    """Confirms its own pending instructions through the API until told to stop or done."""

    def __init__(self, number, port, secret, pending, stop, drained):
        super().__init__(daemon=True)
        self.number, self.port, self.pending = number, port, pending
        self.stop, self.drained = stop, drained
        self.secret = secret
        self.samples: list[tuple[float, float]] = []  # end, seconds
        self.errors: list[str] = []

    def run(self):
        for sequence, pending in enumerate(self.pending):
            if self.stop.is_set():
                return
            body = json.dumps(
                confirmation_body(pending, f"C{self.number:02d}-{sequence:05d}")
            ).encode()
            headers = {
                "Authorization": f"Bearer {self.secret}",
                "Content-Type": "application/json",
                "Idempotency-Key": str(uuid.uuid4()),
            }
            path = f"/api/v1/payments/{pending.uuid}/confirm/"
            started = time.perf_counter()
            try:
                status, raw = request(self.port, "POST", path, body, headers)
            except OSError as error:
                self.errors.append(str(error))
                continue
            done = time.perf_counter()
            if status != 200:
                self.errors.append(f"{status}: {raw[:300]!r}")
                continue
            self.samples.append((done, done - started))
        self.drained.set()  # this client has nothing left: the timed window ends


class WaitSampler(threading.Thread):
    """What this database's active backends are doing, ten times a second."""

    def __init__(self, database: str, stop: threading.Event):
        super().__init__(daemon=True)
        self.database, self.stop = database, stop
        self.samples = 0
        self.active = 0
        self.waits: Counter = Counter()

    def run(self):
        import psycopg2

        connection = psycopg2.connect(server_url(self.database))
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                while not self.stop.is_set():
                    cursor.execute(
                        "SELECT coalesce(wait_event_type, 'CPU'), coalesce(wait_event, 'running') "
                        "FROM pg_stat_activity WHERE datname = %s AND state = 'active' "
                        "AND pid <> pg_backend_pid()",
                        [self.database],
                    )
                    rows = cursor.fetchall()
                    self.samples += 1
                    self.active += len(rows)
                    self.waits.update(f"{kind}: {event}" for kind, event in rows)
                    time.sleep(0.1)
        finally:
            connection.close()


@dataclass
class Load:
    samples: list
    errors: list
    elapsed: float
    cpu: dict
    waits: WaitSampler
    drained_early: bool


def load(port: int, secrets: list, world: World, args, meter: CpuMeter) -> Load:
    stop, drained = threading.Event(), threading.Event()
    clients = [
        Confirmer(n, port, secret, world.queues[n], stop, drained)
        for n, secret in enumerate(secrets)
    ]
    for client in clients:
        client.start()
    time.sleep(args.warmup)
    waits = WaitSampler(args.database, threading.Event())
    waits.start()
    before = meter.snapshot()
    begin = time.perf_counter()
    drained_early = drained.wait(timeout=args.seconds)
    end = time.perf_counter()
    cpu = CpuMeter.spent(before, meter.snapshot())
    waits.stop.set()
    stop.set()
    for client in clients:
        client.join(timeout=120)
    waits.join(timeout=10)
    samples = [s for c in clients for s in c.samples if begin <= s[0] <= end]
    errors = [e for c in clients for e in c.errors]
    return Load(samples, errors, end - begin, cpu, waits, drained_early)


def integrity_lines() -> list[str]:
    """Each confirmation recorded once, each confirmed bill paid, and the ledger whole."""
    from django.db.models import Count

    from eport.declarations.models import Declaration
    from eport.payments.models import PaymentInstruction, TaxBill
    from ledger.models import Entry
    from ledger.verify import verify_chain

    confirmed = PaymentInstruction.objects.filter(status=PaymentInstruction.Status.CONFIRMED)
    entries = Entry.objects.filter(action="payment.confirmed")
    twice = entries.order_by().values("subject").annotate(n=Count("seq")).filter(n__gt=1).count()
    unpaid = TaxBill.objects.filter(
        instructions__in=confirmed, status__in=[TaxBill.Status.OPEN, TaxBill.Status.GUARANTEED]
    ).count()
    released = Declaration.objects.filter(
        tax_bill__instructions__in=confirmed, status=Declaration.Status.RELEASED
    ).count()
    started = time.perf_counter()
    report = verify_chain()
    took = time.perf_counter() - started
    return [
        f"confirmed instructions: {confirmed.count()}; payment.confirmed entries: "
        f"{entries.count()} (instructions with more than one: {twice}); confirmed but unpaid "
        f"bills: {unpaid}; their declarations released: {released}",
        f"ledger: {'verified' if report.ok else f'BROKEN: {report.failure}'} "
        f"({took:.1f} s to verify)",
    ]


# --- the run -------------------------------------------------------------------------------


def main(argv=None) -> None:
    args = parse_args(argv)
    setup(args.database)
    from django.db import connection

    from eport.accounts.models import User

    report = Report("payments")
    report(
        "# Duties and taxes: banks confirming e-payments through the REST API",
        *environment_lines(),
        f"gunicorn: {args.workers} sync workers; {args.clients} clients, staff of two banks in "
        "turn, one token each, every request with its own Idempotency-Key",
        "",
    )
    world = build(args)
    report(*(f"built {what} in {seconds:.1f} s" for what, seconds in world.seconds.items()), "")

    kinds, laps = probe(world)
    report(
        f"1. One confirmation in this process, no server: {sum(kinds.values())} queries ("
        + ", ".join(f"{count} {kind}" for kind, count in kinds.most_common())
        + ")",
        f"latency alone over {len(laps)} confirmations one after another (ms): mean "
        f"{statistics.mean(laps):.1f}, p50 {percentile(laps, 0.5):.1f}, "
        f"p95 {percentile(laps, 0.95):.1f}",
        "",
    )

    secrets = [token_for(User.objects.get(pk=pk)) for pk in world.bank_staff]
    connection.close()
    with Server(args.workers) as server:
        meter = CpuMeter(server.process.pid, args.database)
        result = load(server.port, secrets, world, args, meter)

    confirmed = len(result.samples)
    every = [s[1] * 1000 for s in result.samples]
    ours = result.cpu["server"] + result.cpu["database"] + result.cpu["clients"]
    per = max(confirmed, 1)
    cpus = os.cpu_count() or 1
    waits = result.waits
    report(
        f"2. Confirmations, {args.clients} clients, {result.elapsed:.1f} s timed after "
        f"{args.warmup} s"
        + (
            " (ended early: a client had confirmed all its instructions)"
            if result.drained_early
            else ""
        ),
        f"confirmed: {confirmed}; throughput: {confirmed / result.elapsed:.1f} confirmations/s; "
        f"errors: {len(result.errors)}"
        + (f" (first: {result.errors[0]})" if result.errors else ""),
        *table(
            ["latency (ms)", "mean", "p50", "p95", "p99", "max"],
            [
                [
                    "POST …/confirm/",
                    f"{statistics.mean(every):.1f}" if every else "-",
                    f"{percentile(every, 0.50):.1f}",
                    f"{percentile(every, 0.95):.1f}",
                    f"{percentile(every, 0.99):.1f}",
                    f"{max(every):.1f}" if every else "-",
                ]
            ],
        ),
        "Target: ≥ 100 confirmations/s with p95 ≤ 250 ms.",
        "",
        "CPU per confirmation, ms (gunicorn, its PostgreSQL backends, the client threads); "
        "confirmations/s if these CPUs were ours alone; how busy the machine was, and our share:",
        *table(
            ["server", "database", "clients", "all", "per s", "busy", "ours"],
            [
                [
                    *(f"{result.cpu[key] / per * 1000:.1f}" for key in CPU_PARTS),
                    f"{ours / per * 1000:.1f}",
                    f"{cpus * per / ours:.0f}" if ours else "-",
                    f"{result.cpu['machine'] / (cpus * result.elapsed):.0%}",
                    f"{ours / result.cpu['machine']:.0%}" if result.cpu["machine"] else "-",
                ]
            ],
        ),
        "",
        f"What the database's active backends were doing ({waits.samples} samples, "
        f"{waits.active / max(waits.samples, 1):.1f} active on average), share of samples:",
        *table(
            ["state", "share"],
            [
                [state, f"{count / max(waits.active, 1):.0%}"]
                for state, count in waits.waits.most_common(8)
            ],
        ),
        load_line(),
        "",
        *integrity_lines(),
    )
    report(f"written to {report.save().relative_to(ROOT)}")


if __name__ == "__main__":
    main()
