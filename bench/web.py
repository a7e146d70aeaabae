"""Pages under load: the officer queue, the trader dashboard and a declaration page, served by
gunicorn over 100,000 declarations in PostgreSQL to concurrent signed-in clients.

    scripts/bench.sh bench/web.py [--declarations 100000] [--duration 15] [--clients 10]
                                  [--server gthread:2x4] [--server sync:4] [--reuse]

1. Builds the data (bench.webdata): 20 companies, two offices, a year of declarations with goods
   items, documents and ledger histories, bulk-loaded in seconds. ``--reuse`` keeps a database
   built earlier with the same number of declarations.
2. Serves the real site (eport.settings, DEBUG off, static files from collectstatic through
   WhiteNoise) with gunicorn on a free loopback port, once per ``--server`` configuration.
3. Runs ``--clients`` threads, each with its own signed-in session, in a closed loop without
   think time: first a warm-up of every page kind, then every kind in turn, again a warm-up
   first, then ``--duration`` seconds measured.
   A response counts as an error unless it is a 200 showing what the page should show.

Prints requests, throughput and p50/p95/p99/max per page (target: p95 <= 100 ms) and writes
bench/results/web.txt. Nothing is asserted. The clients run on the same two CPUs as gunicorn and
PostgreSQL, so each figure includes the load generator's own share of the machine.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    ROOT,
    CpuMeter,
    Report,
    environment_lines,
    free_port,
    load_line,
    percentile,
    server_url,
    setup,
    table,
)

DATABASE = "eport_bench_web"
TARGET_MS = 100
# The officer queue is measured at the larger office, the dashboards of the ten largest filers.
QUEUE_OFFICE = "2201"
DASHBOARD_COMPANIES = 10


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--declarations", type=int, default=100_000, help="declarations to build")
    parser.add_argument(
        "--duration", type=float, default=15, help="seconds measured per page and server"
    )
    parser.add_argument("--warmup", type=float, default=3, help="seconds of warm-up per page")
    parser.add_argument("--clients", type=int, default=10, help="concurrent signed-in clients")
    parser.add_argument(
        "--server",
        action="append",
        metavar="CLASS:WORKERS[xTHREADS]",
        help="gunicorn configuration, repeatable: gthread:2x4, sync:4 (default: both)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        help="shorthand for one configuration: this many sync workers (--server sync:N)",
    )
    parser.add_argument(
        "--pages",
        default="queue,queue-filtered,dashboard,declaration",
        help="comma-separated page kinds to measure",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database of an earlier run if it holds the same number of declarations "
        "(otherwise it is rebuilt)",
    )
    return parser.parse_args()


@dataclass(frozen=True)
class ServerSpec:
    worker_class: str
    workers: int
    threads: int

    @classmethod
    def parse(cls, text: str) -> ServerSpec:
        try:
            worker_class, size = text.split(":")
            workers, _, threads = size.partition("x")
            spec = cls(worker_class, int(workers), int(threads or 1))
        except ValueError:
            sys.exit(f"--server {text!r}: expected CLASS:WORKERS or CLASS:WORKERSxTHREADS")
        if worker_class not in ("sync", "gthread") or spec.workers < 1 or spec.threads < 1:
            sys.exit(f"--server {text!r}: the class is sync or gthread, the sizes at least 1")
        if worker_class == "sync" and spec.threads != 1:
            sys.exit(f"--server {text!r}: sync workers have one thread each")
        return spec

    def __str__(self) -> str:
        if self.worker_class == "sync":
            return f"{self.workers} sync workers"
        return f"{self.workers} gthread workers x {self.threads} threads"


def server_env(secret_key: str, database: str = DATABASE) -> dict:
    """The site's own settings, configured as in production but over plain http on loopback."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") or key == "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    return env | {
        "DJANGO_SETTINGS_MODULE": "eport.settings",
        "DJANGO_SECRET_KEY": secret_key,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": server_url(database),
        "EPORT_LOG_LEVEL": "WARNING",
        # Benchmark sessions are made with force_login, which no second factor confirms: with
        # the step on, an officer's, auditor's or bank's every page would be the step's redirect.
        "EPORT_REQUIRE_SECOND_FACTOR": "0",
        "PYTHONPATH": str(ROOT),
    }


def collectstatic(env: dict) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


class Server:
    """gunicorn serving eport.wsgi on a free loopback port, stopped on exit."""

    def __init__(self, spec: ServerSpec, env: dict, log: Path):
        self.spec = spec
        self.port = free_port()
        self.log = log
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "eport.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--worker-class",
            spec.worker_class,
            "--workers",
            str(spec.workers),
            "--threads",
            str(spec.threads),
            "--preload",
            "--timeout",
            "60",
            "--log-level",
            "warning",
            "--error-logfile",
            str(log),
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 60) -> None:
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-2000:]}")
            try:
                if requests.get(f"{self.base}/accounts/login/", timeout=5).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> Server:
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def session_cookie(user) -> str:
    """A real signed-in session for ``user``, as the login page would have made it."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user, backend="eport.accounts.backends.AccountBackend")
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@dataclass
class Page:
    """One kind of page: who asks for it, which URLs, and what a right answer contains."""

    name: str
    users: list  # one per client
    urls: list  # per client: a list of paths to draw from
    marker: bytes


def plan_pages(people, clients: int, rng: random.Random) -> dict[str, Page]:
    from eport.declarations.models import Declaration

    officers = people.officers[QUEUE_OFFICE]
    officer_users = [officers[n % len(officers)] for n in range(clients)]
    companies = people.companies[:DASHBOARD_COMPANIES]
    trader_users = [
        people.traders[companies[n % len(companies)].pk][n // len(companies) % 2]
        for n in range(clients)
    ]
    filters = [
        "?lane=red",
        "?lane=yellow&age=3",
        "?status=under_review",
        "?status=submitted&lane=yellow",
        "?page=4",
        *(f"?company={company.usci}" for company in people.companies[:6]),
        *(f"?company={company.name.split()[0]}" for company in people.companies[:4]),
    ]
    visible = {}
    for user in trader_users:
        if user.company_id not in visible:
            uuids = list(
                Declaration.objects.filter(company_id=user.company_id).values_list(
                    "uuid", flat=True
                )
            )
            visible[user.company_id] = [
                f"/declarations/{value}/" for value in rng.sample(uuids, min(500, len(uuids)))
            ]
    return {
        "queue": Page(
            "officer queue", officer_users, [["/declarations/"]] * clients, b"data-waiting"
        ),
        "queue-filtered": Page(
            "officer queue, filtered",
            officer_users,
            [[f"/declarations/{query}" for query in filters]] * clients,
            b"data-waiting",
        ),
        "dashboard": Page(
            "trader dashboard", trader_users, [["/declarations/"]] * clients, b"stat__count"
        ),
        "declaration": Page(
            "declaration page",
            trader_users,
            [visible[user.company_id] for user in trader_users],
            b"data-timeline",
        ),
    }


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cpu: dict = field(default_factory=dict)  # CPU seconds used in the window, by whom


def hammer(
    base: str, page: Page, cookies: dict, warmup: float, duration: float, meter: CpuMeter
) -> Outcome:
    """Every client in a closed loop: warm up, then record each request for ``duration``."""
    import requests

    outcome = Outcome()
    lock = threading.Lock()
    start = threading.Barrier(len(page.users) + 1)
    times: dict[str, float] = {}

    def client(number: int) -> None:
        session = requests.Session()
        session.trust_env = False
        session.headers["Cookie"] = cookies[page.users[number].pk]
        urls = page.urls[number]
        draw = random.Random(number).choice
        latencies, errors = [], []
        start.wait()
        measuring, stop = times["measure"], times["stop"]
        while True:
            path = draw(urls)
            began = time.perf_counter()
            if began >= stop:
                break
            try:
                response = session.get(base + path, allow_redirects=False, timeout=60)
                status = response.status_code
                right = status == 200 and page.marker in response.content
            except requests.RequestException as error:
                status, right = type(error).__name__, False
            ended = time.perf_counter()
            if began >= measuring:
                latencies.append(ended - began)
                if not right:
                    errors.append(f"{path}: {status}")
        session.close()
        with lock:
            outcome.latencies.extend(latencies)
            outcome.errors.extend(errors)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(len(page.users))]
    for thread in threads:
        thread.start()
    now = time.perf_counter()
    times["measure"] = now + warmup
    times["stop"] = now + warmup + duration
    start.wait()
    time.sleep(max(0.0, times["measure"] - time.perf_counter()))
    before = meter.snapshot()
    time.sleep(max(0.0, times["stop"] - time.perf_counter()))
    after = meter.snapshot()
    for thread in threads:
        thread.join()
    outcome.seconds = duration
    outcome.cpu = CpuMeter.spent(before, after)
    return outcome


def row_for(page: Page, outcome: Outcome) -> list:
    values = outcome.latencies
    ms = [f"{percentile(values, share) * 1000:.0f}" for share in (0.5, 0.95, 0.99)]
    verdict = "yes" if values and percentile(values, 0.95) * 1000 <= TARGET_MS else "no"
    return [
        page.name,
        len(values),
        f"{len(values) / outcome.seconds:.1f}",
        *ms,
        f"{max(values, default=0) * 1000:.0f}",
        len(outcome.errors),
        verdict,
    ]


def cpu_row_for(page: Page, outcome: Outcome) -> list:
    count = max(len(outcome.latencies), 1)
    cpu = outcome.cpu
    ours = cpu["server"] + cpu["database"] + cpu["clients"]
    cpus = os.cpu_count() or 1
    return [
        page.name,
        *(f"{cpu[key] / count * 1000:.1f}" for key in ("server", "database", "clients")),
        f"{ours / count * 1000:.1f}",
        f"{cpus * count / ours:.0f}" if ours else "-",
        f"{cpu['machine'] / (cpus * outcome.seconds):.0%}",
        f"{ours / cpu['machine']:.0%}" if cpu["machine"] else "-",
    ]


def built_earlier(declarations: int) -> bool:
    """Whether the benchmark database exists and holds exactly this many declarations."""
    import psycopg2

    from bench.common import database_exists

    if not database_exists(DATABASE):
        return False
    connection = psycopg2.connect(server_url(DATABASE))
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM declarations_declaration")
            return cursor.fetchone()[0] == declarations
    except psycopg2.Error:
        return False
    finally:
        connection.close()


def build_or_reuse(args, out: Report, reuse: bool):
    from bench import webdata

    if reuse:
        out(f"reused the database {DATABASE} built earlier")
        return webdata.load_people(), webdata.summarize()
    started = time.perf_counter()
    built = webdata.build_declarations(args.declarations)
    phases = ", ".join(f"{phase} {seconds:.0f} s" for phase, seconds in built.seconds.items())
    out(f"built in {time.perf_counter() - started:.0f} s: {phases}")
    return webdata.load_people(), built


def describe(built, people, out: Report) -> None:
    from eport.declarations.selectors import OPEN_STATUSES

    statuses = ", ".join(
        f"{status} {count:,}"
        for status, count in sorted(built.statuses.items(), key=lambda s: -s[1])
    )
    open_total = sum(built.statuses[status] for status in OPEN_STATUSES)
    sizes = [built.per_company[company.pk] for company in people.companies]
    out(
        f"data: {built.declarations:,} declarations of {len(people.companies)} companies at "
        f"{len(people.offices)} offices, {built.items:,} goods items, {built.documents:,} "
        f"documents, {built.ledger_entries:,} ledger entries",
        f"statuses: {statuses}",
        f"open queue: {open_total:,} ("
        + ", ".join(f"office {code} {n:,}" for code, n in sorted(built.open_by_office.items()))
        + ")",
        f"declarations per company: largest {sizes[0]:,}, smallest {sizes[-1]:,}; dashboards "
        f"measured for the {DASHBOARD_COMPANIES} largest ({sizes[DASHBOARD_COMPANIES - 1]:,} "
        f"to {sizes[0]:,} each)",
    )


def main() -> None:
    args = parse_args()
    specs = [ServerSpec.parse(text) for text in args.server or []]
    if args.workers:
        specs.append(ServerSpec("sync", args.workers, 1))
    specs = specs or [ServerSpec.parse("gthread:2x4"), ServerSpec.parse("sync:4")]
    kinds = [kind.strip() for kind in args.pages.split(",") if kind.strip()]
    known = {"queue", "queue-filtered", "dashboard", "declaration"}
    if unknown := set(kinds) - known:
        sys.exit(f"--pages: unknown {', '.join(sorted(unknown))}; choose from {sorted(known)}")
    if args.clients < 1 or args.duration <= 0 or args.declarations < 1000:
        sys.exit("--clients at least 1, --duration above 0, --declarations at least 1,000")

    # One key for the sessions made here and the server that reads them.
    secret_key = os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50)
    os.environ["DJANGO_SECRET_KEY"] = secret_key
    reuse = args.reuse and built_earlier(args.declarations)
    setup(DATABASE, recreate=not reuse)

    out = Report("web")
    out(*environment_lines())
    people, built = build_or_reuse(args, out, reuse)
    describe(built, people, out)

    env = server_env(secret_key)
    collectstatic(env)
    rng = random.Random(5)
    pages = plan_pages(people, args.clients, rng)
    users = {user.pk: user for page in pages.values() for user in page.users}
    cookies = {pk: session_cookie(user) for pk, user in users.items()}
    from django.db import connection

    connection.close()  # the benchmark process holds no connection while the server works

    headers = ["page", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors"]
    cpu_headers = ["page", "server", "database", "clients", "all", "req/s", "busy", "ours"]
    log_dir = Path(os.environ.get("EPORT_VAR_DIR", ROOT / "var" / "bench"))
    log_dir.mkdir(parents=True, exist_ok=True)
    for spec in specs:
        out(
            "",
            f"== gunicorn, {spec}: {args.clients} concurrent clients, closed loop, "
            f"{args.warmup:g} s warm-up then {args.duration:g} s per page",
        )
        rows, cpu_rows, errors = [], [], []
        with Server(spec, env, log_dir / "gunicorn-web-bench.log") as server:
            meter = CpuMeter(server.process.pid, DATABASE)
            # Every page once through the workers before any is measured: otherwise the first
            # page measured also pays for the workers' start (templates compiled, catalogues
            # and URL patterns read), which inflated its CPU per request several times.
            for kind in kinds:
                hammer(server.base, pages[kind], cookies, args.warmup, 0, meter)
            for kind in kinds:
                page = pages[kind]
                outcome = hammer(server.base, page, cookies, args.warmup, args.duration, meter)
                rows.append(row_for(page, outcome))
                cpu_rows.append(cpu_row_for(page, outcome))
                errors.extend(outcome.errors[:3])
        out(*table([*headers, f"p95<={TARGET_MS}"], rows))
        if errors:
            out(f"first errors: {'; '.join(errors[:6])}")
        out(
            "CPU per request, ms (gunicorn, its PostgreSQL backends, the client threads); "
            "req/s if these CPUs were ours alone; how busy the machine was, and our share of it:",
            *table(cpu_headers, cpu_rows),
            load_line(),
        )
    out(
        "",
        f"target: p95 <= {TARGET_MS} ms for each page. Clients, gunicorn and PostgreSQL share "
        f"the same {os.cpu_count()} CPUs, with whatever else runs on the machine.",
    )
    print(f"\nwritten to {out.save()}")


if __name__ == "__main__":
    main()
