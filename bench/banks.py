"""Trade finance under load: the bank's batch check, and registrations in the financing registry.

Builds a scratch database (``--database``, dropped and recreated): ``--declarations`` declarations
of a working office's mix, bulk-loaded as ``bench/web.py`` does (``bench.webdata``), two alliance
banks with staff, and presentations made through the services: ``--check-presented`` released
declarations presented to bank 1, of which ``--presented`` (the registration targets) also to
bank 2.

1. The batch check of 1,000 declaration numbers, a quarter each presented to the bank, released but
   not presented, not released, and nonexistent: through ``selectors.batch_check``, then on
   gunicorn through ``POST /api/v1/bank/check/`` and the ``/bank/check/`` page, each ``--repeats``
   times. Target: ≤ 1 s.
2. Registrations: ``--clients`` concurrent clients (staff of both banks, one each) register small
   financings against random declarations of the ``--presented`` for ``--seconds`` seconds (after
   ``--warmup`` untimed seconds), then all of them against one declaration (every request waits
   for the same row lock). Through ``POST /api/v1/financings/`` on gunicorn when the API has it
   (``--via api``), else through ``register_financing`` in as many processes (``--via services``).
   Target: ≥ 100 registrations/s with p95 ≤ 250 ms.

Afterwards it says whether any declaration is financed beyond its invoice total and whether the
ledger still verifies. Figures are printed and written to bench/results/banks.txt, never asserted.
Needs DATABASE_URL naming a PostgreSQL server (``make bench`` starts a throwaway one).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    ROOT,
    CpuMeter,
    Report,
    child_env,
    environment_lines,
    free_port,
    load_line,
    percentile,
    positive,
    setup,
    start_gunicorn,
    table,
    wait_ready,
)

ACTOR = "system:bench"
CPU_PARTS = ("server", "database", "clients")
BANKS = (
    ("ICBKCNBJSHI", "Industrial and Commercial Bank of China, Shanghai", "102290000011"),
    ("BKCHCNBJ300", "Bank of China, Shanghai Branch", "104290003791"),
)
BATCH = 1000
# Untimed requests before a timed series: enough that every gunicorn worker has answered once.
WARM_REQUESTS = 3 * max(2, 2 * (os.cpu_count() or 1) + 1)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--declarations", type=positive, default=6000, help="declarations built (6000)"
    )
    parser.add_argument(
        "--presented", type=positive, default=200, help="presented to both banks (200)"
    )
    parser.add_argument(
        "--check-presented",
        type=positive,
        default=BATCH // 4,
        help="presented to bank 1, for the batch check (250)",
    )
    parser.add_argument("--clients", type=positive, default=20, help="concurrent clients (20)")
    parser.add_argument("--seconds", type=positive, default=20, help="timed seconds (20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed seconds first (3)")
    parser.add_argument("--repeats", type=positive, default=20, help="batch checks timed (20)")
    parser.add_argument(
        "--workers",
        type=positive,
        default=max(2, 2 * (os.cpu_count() or 1) + 1),
        help="gunicorn sync workers (default 2 × CPUs + 1)",
    )
    parser.add_argument("--via", choices=("auto", "api", "services"), default="auto")
    parser.add_argument(
        "--database", default="eport_bench_banks", help="scratch database, recreated (%(default)s)"
    )
    return parser.parse_args(argv)


# --- the data ------------------------------------------------------------------------------


@dataclass
class World:
    checker: object  # bank 1 staff who runs the batch checks
    clients: list  # one bank staff user per client, the two banks in turn
    targets: list  # the declarations presented to both banks
    numbers: list  # the batch: 1,000 numbers, shuffled
    mix: dict  # kind -> count in the batch
    seconds: dict = field(default_factory=dict)


def build(args) -> World:
    """The declarations (bulk), the banks and their staff, and the presentations (services)."""
    from django.db import connection

    from bench import webdata
    from eport.accounts import services as accounts
    from eport.accounts.models import User
    from eport.banks import services
    from eport.declarations.models import Declaration

    rng = random.Random(webdata.SEED)
    seconds = {}
    started = time.perf_counter()
    webdata.build_declarations(args.declarations)
    seconds["declarations (bulk)"] = time.perf_counter() - started

    started = time.perf_counter()
    banks = [
        accounts.create_bank(actor=ACTOR, bic=bic, legal_name=name, cnaps=cnaps)
        for bic, name, cnaps in BANKS
    ]
    checker = accounts.create_user(
        actor=ACTOR, username="bench-bank-checker", role=User.Role.BANK, bank=banks[0]
    )
    clients = [
        accounts.create_user(
            actor=ACTOR,
            username=f"bench-bank-{number:02d}",
            role=User.Role.BANK,
            bank=banks[number % 2],
        )
        for number in range(args.clients)
    ]
    traders = {}
    for user in User.objects.filter(role=User.Role.TRADER).order_by("pk"):
        traders.setdefault(user.company_id, user)
    released = list(Declaration.objects.filter(status=Declaration.Status.RELEASED).order_by("pk"))
    rng.shuffle(released)
    presented = released[: args.check_presented]
    targets = presented[: args.presented]
    for declaration in presented:
        services.present_declaration(
            declaration=declaration, actor=traders[declaration.company_id], bank=banks[0]
        )
    for declaration in targets:
        services.present_declaration(
            declaration=declaration, actor=traders[declaration.company_id], bank=banks[1]
        )
    seconds[f"banks and {len(presented) + len(targets)} presentations (services)"] = (
        time.perf_counter() - started
    )

    quarter = BATCH // 4
    unpresented = [d.number for d in released[args.check_presented :]][:quarter]
    unreleased = list(
        Declaration.objects.exclude(status=Declaration.Status.RELEASED)
        .exclude(number__isnull=True)
        .exclude(number="")
        .values_list("number", flat=True)[:quarter]
    )
    batch = {
        "presented to the bank": [d.number for d in presented][:quarter],
        "released, not presented": unpresented,
        "not released": unreleased,
    }
    taken = set(Declaration.objects.exclude(number=None).values_list("number", flat=True))
    missing = []
    while len(missing) < BATCH - sum(len(numbers) for numbers in batch.values()):
        number = f"2201{rng.choice((2024, 2025))}{rng.randrange(2)}{rng.randrange(10**9):09d}"
        if number not in taken and number not in missing:
            missing.append(number)
    batch["nonexistent"] = missing
    numbers = [number for kind in batch.values() for number in kind]
    rng.shuffle(numbers)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return World(
        checker=checker,
        clients=clients,
        targets=targets,
        numbers=numbers,
        mix={kind: len(values) for kind, values in batch.items()},
        seconds=seconds,
    )


def api_has_registrations() -> bool:
    """Whether the REST API serves ``POST /api/v1/financings/`` in this tree."""
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("api:financings", urlconf="eport.urls")
    except (NoReverseMatch, ImportError):
        return False
    return True


# --- the server ----------------------------------------------------------------------------


class Server:
    """gunicorn on the production settings, as ``bench/api.py`` runs it."""

    def __init__(self, workers: int):
        from django.conf import settings

        self.port = free_port()
        env = child_env() | {
            "DJANGO_SETTINGS_MODULE": "eport.settings",
            "DJANGO_DEBUG": "0",  # whatever the caller's shell says: DEBUG records every query
            # The benchmark's own key, so the sessions it signs in are the server's too.
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "EPORT_API_RATE": "1000000/minute",
            "EPORT_LOG_LEVEL": "WARNING",
            # The checker's session is made with force_login, which no second factor confirms.
            "EPORT_REQUIRE_SECOND_FACTOR": "0",
        }
        # The pages' static files, hashed as in production (bench/web.py does the same).
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        self.process = start_gunicorn(self.port, workers, env, "--preload")

    def __enter__(self) -> Server:
        try:
            wait_ready(self.port, self.process, "/api/schema/")
        except SystemExit:
            if self.process.poll() is None:  # it did not answer in time: stop it
                self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def request(port, method, path, body=None, headers=None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def token_for(user) -> str:
    from eport.api.tokens import create_token

    return create_token(actor=user, name="bench")[1]


def session_cookie(user) -> str:
    """A signed-in session for ``user``, as the login page would have made it."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user, backend="eport.accounts.backends.AccountBackend")
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


# --- 1. the batch check --------------------------------------------------------------------


def timed(function, repeats: int, warmup: int = 1) -> list[float]:
    for _ in range(warmup):  # untimed: caches, connections, query plans, every server worker
        function()
    laps = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        laps.append((time.perf_counter() - started) * 1000)
    return laps


def check_in_process(world: World, repeats: int) -> tuple[list[float], int]:
    from eport.banks import selectors

    answers = selectors.batch_check(world.checker, world.numbers)
    return timed(lambda: selectors.batch_check(world.checker, world.numbers), repeats), sum(
        answer.available for answer in answers
    )


def check_through_api(port: int, token: str, numbers: list, repeats: int):
    body = json.dumps({"numbers": numbers}).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    seen = {}

    def once():
        status, raw = request(port, "POST", "/api/v1/bank/check/", body, headers)
        if status != 200:
            raise RuntimeError(f"the API's batch check answered {status}: {raw[:300]!r}")
        seen["available"] = sum(answer["available"] for answer in json.loads(raw)["answers"])

    return timed(once, repeats, WARM_REQUESTS), seen["available"]


def check_through_page(port: int, cookie: str, numbers: list, repeats: int):
    secret = csrf_cookie(port, cookie)
    # Django accepts the cookie's own secret as the form's token, as a browser's masked one.
    body = urlencode({"csrfmiddlewaretoken": secret, "numbers": "\n".join(numbers)}).encode()
    headers = {
        "Cookie": f"{cookie}; csrftoken={secret}",
        "Content-Type": "application/x-www-form-urlencoded",
    }

    def once():
        status, raw = request(port, "POST", "/bank/check/", body, headers)
        if status != 200:
            raise RuntimeError(f"the check page answered {status}: {raw[:300]!r}")

    return timed(once, repeats, WARM_REQUESTS)


def csrf_cookie(port: int, cookie: str) -> str:
    """The CSRF cookie the check page sets for a signed-in bank clerk."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", "/bank/check/", headers={"Cookie": cookie})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"the check page answered {response.status}")
        for header in response.headers.get_all("Set-Cookie") or []:
            if header.startswith("csrftoken="):
                return header.split(";", 1)[0].split("=", 1)[1]
    finally:
        connection.close()
    raise RuntimeError("the check page set no CSRF cookie")


def latency_row(label: str, laps: list[float]) -> list:
    return [
        label,
        f"{statistics.mean(laps):.1f}",
        f"{percentile(laps, 0.50):.1f}",
        f"{percentile(laps, 0.95):.1f}",
        f"{max(laps):.1f}",
    ]


# --- 2. registrations ----------------------------------------------------------------------


@dataclass
class Target:
    uuid: str
    pk: int
    amount: str  # small enough that the run never exhausts the declaration


def targets_of(declarations) -> list[Target]:
    targets = []
    for declaration in declarations:
        amount = max(declaration.invoice_total / 100_000, Decimal("0.01")).quantize(Decimal("0.01"))
        targets.append(Target(str(declaration.uuid), declaration.pk, f"{amount}"))
    return targets


class ApiClient(threading.Thread):
    """Registers financings through the API until told to stop; one token, one bank."""

    def __init__(self, number, port, secret, targets, stop, tag):
        super().__init__(daemon=True)
        self.number, self.port, self.targets, self.stop = number, port, targets, stop
        self.tag = tag
        self.headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
        self.samples: list[tuple[float, float, int]] = []  # end, seconds, status
        self.errors: list[str] = []
        self.rng = random.Random(number)

    def run(self):
        sequence = 0
        while not self.stop.is_set():
            sequence += 1
            target = self.rng.choice(self.targets)
            body = json.dumps(
                {
                    "declaration": target.uuid,
                    "instrument": "invoice",
                    "amount": target.amount,
                    "value_date": "2026-12-01",
                    "maturity_date": "2027-03-01",
                    "bank_reference": f"{self.tag}{self.number}-{sequence}-{target.pk}",
                }
            ).encode()
            started = time.perf_counter()
            try:
                status, raw = request(self.port, "POST", "/api/v1/financings/", body, self.headers)
            except OSError as error:
                self.errors.append(str(error))
                continue
            done = time.perf_counter()
            if status not in (201, 409):
                self.errors.append(f"{status}: {raw[:300]!r}")
                time.sleep(0.05)
                continue
            self.samples.append((done, done - started, status))


def service_worker(number, user_pk, targets, start_at, stop_at, queue, tag) -> None:
    """One process registering through the service until ``stop_at`` (perf_counter seconds)."""
    from datetime import date

    from django.db import connection

    from eport.accounts.models import User
    from eport.banks import services
    from eport.banks.models import Financing
    from eport.declarations.errors import TransitionError
    from eport.declarations.models import Declaration

    connection.close()  # never the parent's socket
    rng = random.Random(number)
    actor = User.objects.select_related("bank").get(pk=user_pk)
    samples, errors, sequence = [], [], 0
    while time.perf_counter() < start_at:
        time.sleep(0.01)
    while time.perf_counter() < stop_at:
        sequence += 1
        target = rng.choice(targets)
        started = time.perf_counter()
        try:
            services.register_financing(
                declaration=Declaration(pk=target.pk),
                actor=actor,
                instrument=Financing.Instrument.INVOICE,
                amount=target.amount,
                value_date=date(2026, 12, 1),
                maturity_date=date(2027, 3, 1),
                bank_reference=f"{tag}{number}-{sequence}-{target.pk}",
            )
            outcome = 201
        except TransitionError:
            outcome = 409
        except Exception as error:  # reported, never raised: the figures say what happened
            errors.append(repr(error))
            continue
        done = time.perf_counter()
        samples.append((done, done - started, outcome))
    connection.close()
    queue.put((samples, errors))


@dataclass
class Load:
    samples: list
    errors: list
    elapsed: float
    cpu: dict | None = None


def load_through_api(port, secrets, targets, args, meter, tag) -> Load:
    stop = threading.Event()
    clients = [ApiClient(n, port, secret, targets, stop, tag) for n, secret in enumerate(secrets)]
    for client in clients:
        client.start()
    time.sleep(args.warmup)
    before = meter.snapshot()
    begin = time.perf_counter()
    time.sleep(args.seconds)
    end = time.perf_counter()
    cpu = CpuMeter.spent(before, meter.snapshot())
    stop.set()
    for client in clients:
        client.join(timeout=120)
    samples = [s for c in clients for s in c.samples if begin <= s[0] <= end]
    return Load(samples, [e for c in clients for e in c.errors], end - begin, cpu)


def load_through_services(users, targets, args, tag) -> Load:
    from django.db import connection

    connection.close()  # forked children must not share it
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    begin = time.perf_counter() + 2 + args.warmup  # 2 s for the processes to start
    end = begin + args.seconds
    processes = [
        context.Process(
            target=service_worker,
            args=(n, user.pk, targets, begin - args.warmup, end, queue, tag),
        )
        for n, user in enumerate(users)
    ]
    for process in processes:
        process.start()
    results = [queue.get(timeout=args.seconds + args.warmup + 120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    samples = [s for found, _ in results for s in found if begin <= s[0] <= end]
    return Load(samples, [e for _, errors in results for e in errors], end - begin)


def load_rows(label: str, load: Load) -> list:
    accepted = [s[1] * 1000 for s in load.samples if s[2] == 201]
    refused = sum(1 for s in load.samples if s[2] == 409)
    every = [s[1] * 1000 for s in load.samples]
    return [
        label,
        f"{len(accepted) / load.elapsed:.1f}",
        str(refused),
        str(len(load.errors)),
        f"{percentile(every, 0.50):.1f}",
        f"{percentile(every, 0.95):.1f}",
        f"{percentile(every, 0.99):.1f}",
    ]


def integrity_lines() -> list[str]:
    """Whether any declaration is financed beyond its total, and whether the ledger verifies."""
    from django.db.models import F, Q, Sum
    from django.db.models.functions import Coalesce

    from eport.banks.models import Financing
    from eport.declarations.models import Declaration
    from ledger.verify import verify_chain

    overdrawn = (
        Declaration.objects.annotate(
            consumed=Sum(
                Coalesce("financings__disbursed_amount", "financings__amount"),
                filter=~Q(financings__status=Financing.Status.CANCELLED),
            )
        )
        .filter(consumed__gt=F("invoice_total"))
        .count()
    )
    started = time.perf_counter()
    report = verify_chain()
    took = time.perf_counter() - started
    return [
        f"financings registered: {Financing.objects.count()}; declarations financed beyond "
        f"their invoice total: {overdrawn}",
        f"ledger: {'verified' if report.ok else f'BROKEN: {report.failure}'} "
        f"({took:.1f} s to verify)",
    ]


# --- the run -------------------------------------------------------------------------------


def main(argv=None) -> None:
    args = parse_args(argv)
    setup(args.database)
    from django.db import connection

    via = args.via
    if via == "auto":
        via = "api" if api_has_registrations() else "services"
    report = Report("banks")
    report(
        "# Trade finance: the batch check of 1,000 numbers, and registrations under contention",
        *environment_lines(),
        f"registrations through {'the REST API on gunicorn' if via == 'api' else 'the service'}"
        + (f" ({args.workers} sync workers)" if via == "api" else f" in {args.clients} processes")
        + f"; {args.clients} clients, staff of two banks in turn",
        "",
    )
    world = build(args)
    report(
        *(f"built {what} in {seconds:.1f} s" for what, seconds in world.seconds.items()),
        "batch: " + ", ".join(f"{count} {kind}" for kind, count in world.mix.items()),
        "",
    )
    laps, available = check_in_process(world, args.repeats)
    check_rows = [latency_row("selectors.batch_check", laps)]
    availability = [f"selectors.batch_check: {available} available"]
    can_serve = api_has_registrations() or via == "api"
    secrets, cookie, checker_token = [], "", ""
    if can_serve:
        checker_token = token_for(world.checker)
        cookie = session_cookie(world.checker)
        secrets = [token_for(user) for user in world.clients]
    targets = targets_of(world.targets)
    variants = (
        (f"{len(targets)} declarations", targets),
        ("1 declaration (one row lock)", targets[:1]),
    )
    connection.close()

    loads = []
    if can_serve:
        with Server(args.workers) as server:
            laps, available = check_through_api(
                server.port, checker_token, world.numbers, args.repeats
            )
            check_rows.append(latency_row("POST /api/v1/bank/check/", laps))
            availability.append(f"API: {available} available")
            try:
                laps = check_through_page(server.port, cookie, world.numbers, args.repeats)
                check_rows.append(latency_row("POST /bank/check/ (page)", laps))
            except RuntimeError as error:
                availability.append(f"page not measured: {error}")
            if via == "api":
                meter = CpuMeter(server.process.pid, args.database)
                for tag, (label, chosen) in zip("AB", variants, strict=True):
                    load = load_through_api(server.port, secrets, chosen, args, meter, tag)
                    loads.append((label, load))
    if via == "services":
        for tag, (label, chosen) in zip("CD", variants, strict=True):
            loads.append((label, load_through_services(world.clients, chosen, args, tag)))

    report(
        f"1. Batch check of {len(world.numbers)} numbers, {args.repeats} times each (ms); "
        + "; ".join(availability)
        + f" (expected {world.mix['presented to the bank']})",
        *table(["batch check", "mean", "p50", "p95", "max"], check_rows),
        "Target: ≤ 1000 ms.",
        "",
        f"2. Registrations, {args.clients} clients, {args.seconds} s timed after {args.warmup} s "
        "(latency of accepted and refused alike, ms)",
        *table(
            ["against", "accepted/s", "refused", "errors", "p50", "p95", "p99"],
            [load_rows(label, load) for label, load in loads],
        ),
    )
    first_errors = [load.errors[0] for _, load in loads if load.errors]
    if first_errors:
        report(f"first error: {first_errors[0]}")
    cpus = os.cpu_count() or 1
    cpu_rows = []
    for label, load in loads:
        if load.cpu is None:
            continue
        accepted = max(1, sum(1 for s in load.samples if s[2] == 201))
        ours = load.cpu["server"] + load.cpu["database"] + load.cpu["clients"]
        cpu_rows.append(
            [
                label,
                *(f"{load.cpu[key] / accepted * 1000:.1f}" for key in CPU_PARTS),
                f"{ours / accepted * 1000:.1f}",
                f"{cpus * accepted / ours:.0f}" if ours else "-",
                f"{load.cpu['machine'] / (cpus * load.elapsed):.0%}",
                f"{ours / load.cpu['machine']:.0%}" if load.cpu["machine"] else "-",
            ]
        )
    if cpu_rows:
        report(
            "CPU per accepted registration, ms (gunicorn, its PostgreSQL backends, the client "
            "threads); registrations/s if these CPUs were ours alone; how busy the machine was, "
            "and our share of it:",
            *table(
                ["against", "server", "database", "clients", "all", "per s", "busy", "ours"],
                cpu_rows,
            ),
        )
    report(
        load_line(),
        "Target: ≥ 100 registrations/s with p95 ≤ 250 ms.",
        "",
        *integrity_lines(),
    )
    report(f"written to {report.save().relative_to(ROOT)}")


if __name__ == "__main__":
    main()
