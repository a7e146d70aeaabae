"""The fault run: mixed load while Redis, PostgreSQL, a Celery worker and a gunicorn worker are
stopped and restarted on a schedule; then whether anything committed was lost.

    scripts/bench.sh bench/faults.py [--minutes 10] [--down 15] [--workers 3] [--api-clients 3]

Needs the throwaway servers ``scripts/bench.sh`` starts (it exports ``EPORT_SERVICES_DIR``,
``DATABASE_URL`` and ``REDIS_URL``): this run stops and restarts them. It serves the real site
(eport.settings, DEBUG off) with gunicorn, one Celery worker and one beat, each in a process group
of its own, on a scratch database (``--database``, dropped and recreated).

The load, in client threads for ``--minutes`` minutes:

- ``--api-clients`` traders file through the API with bearer tokens: create a draft, upload its
  invoice, submit (one in three goes to the yellow lane, the rest are green and assessed at once);
- one trader files drafts through the web form with a signed-in session;
- one officer takes each yellow declaration for review and assesses it (API);
- one auditor presses "verify now" on the audit workspace and follows the run's progress;
- one bank-like client fetches the receipt of a filed declaration and checks it at /verify/.

The faults, each in turn, with pauses between: Redis killed (SIGKILL) and restarted on its port;
PostgreSQL stopped (``pg_ctl stop -m fast``) and started; PostgreSQL stopped at once
(``-m immediate``) and started; the Celery worker killed (SIGKILL to its process group) and a
new one started; one gunicorn worker killed (SIGKILL), which the master replaces. Whatever it
stopped is started again in a ``finally``, whatever happens.

It prints requests per kind, errors by status (``conn`` for a refused, reset or timed-out
connection), and per fault how long the service stayed stopped and the longest unavailability:
for each kind of request, the time from the first failed request after the fault to the first
success of that kind after it; the longest over the kinds. Afterwards it checks that every change
that answered 2xx is in the database with its ledger entry (and counts rows the clients never
heard of), waits for every entry to be notarized, runs ``verify_ledger`` and reconciliation, and
looks at the outbox when this tree has one. Figures are written to bench/results/faults.txt;
nothing is asserted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import contextlib

from bench.api import multipart
from bench.common import (
    ROOT,
    Report,
    child_env,
    environment_lines,
    free_port,
    gunicorn_workers,
    load_line,
    positive,
    setup,
    start_gunicorn,
    wait_ready,
)

ACTOR = "system:bench"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TIMEOUT = 30  # seconds a client waits for an answer before counting a connection error
CONN = "conn"  # the status of a request that got no HTTP answer
YELLOW_ORIGIN = "VN"  # the risk rule below sends goods of this origin to the yellow lane


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--minutes", type=float, default=10, help="minutes of load, faults included (10)"
    )
    parser.add_argument(
        "--down",
        type=positive,
        default=15,
        help="seconds Redis, PostgreSQL and the Celery worker stay stopped (15; shorter when "
        "the run is too short for it)",
    )
    parser.add_argument("--workers", type=positive, default=3, help="gunicorn sync workers (3)")
    parser.add_argument(
        "--api-clients", type=positive, default=3, help="traders filing through the API (3)"
    )
    parser.add_argument(
        "--grace",
        type=positive,
        default=180,
        help="seconds to wait afterwards for notarization and verification runs (180)",
    )
    parser.add_argument(
        "--database",
        default="eport_bench_faults",
        help="scratch database, recreated (%(default)s)",
    )
    args = parser.parse_args(argv)
    if args.minutes <= 0:
        parser.error("--minutes must be more than 0")
    return args


# --- the servers this run stops and starts --------------------------------------------------


def _pg_bindir() -> Path:
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    return candidates[-1] if candidates else Path("/usr/lib/postgresql/15/bin")


class Servers:
    """The throwaway PostgreSQL and Redis of scripts/services.sh, stopped and started in place:
    same data directory, same port, same options."""

    def __init__(self):
        folder = os.environ.get("EPORT_SERVICES_DIR", "")
        if not folder or not Path(folder, "pg", "data").is_dir():
            sys.exit(
                "the fault run stops and starts its own servers: run it through scripts/bench.sh "
                "(EPORT_SERVICES_DIR names the throwaway PostgreSQL and Redis)"
            )
        self.folder = Path(folder)
        self.data = self.folder / "pg" / "data"
        self.bindir = _pg_bindir()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.redis_port = urlsplit(os.environ["REDIS_URL"]).port
        self.pg_port = urlsplit(os.environ["DATABASE_URL"]).port
        # The options the server was started with, as PostgreSQL recorded them.
        words = shlex.split((self.data / "postmaster.opts").read_text())[1:]
        options, skip = [], False
        for word in words:
            if skip:
                skip = False
            elif word == "-D":
                skip = True
            else:
                options.append(word)
        self.pg_options = shlex.join(options)

    # Redis
    def redis_pid(self) -> int | None:
        try:
            return int((self.folder / "redis.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def redis_up(self) -> bool:
        try:
            with socketlike(self.redis_port) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill_redis(self) -> None:
        pid = self.redis_pid()
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not self.redis_up(), 10)

    def start_redis(self) -> None:
        if self.redis_up():
            return
        subprocess.run(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--pidfile",
                str(self.folder / "redis.pid"),
                "--logfile",
                str(self.folder / "redis.log"),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        if not wait_for(self.redis_up, 10):
            raise RuntimeError(f"Redis did not come back on port {self.redis_port}")

    # PostgreSQL
    def pg_ctl(self, *arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self.as_postgres, str(self.bindir / "pg_ctl"), "-D", str(self.data), *arguments],
            capture_output=True,
            text=True,
        )

    def pg_up(self) -> bool:
        return self.pg_ctl("status").returncode == 0

    def stop_pg(self, mode: str) -> None:
        result = self.pg_ctl("-m", mode, "-w", "stop")
        if result.returncode != 0 and self.pg_up():
            raise RuntimeError(f"pg_ctl stop -m {mode} failed: {result.stderr.strip()}")

    def start_pg(self) -> None:
        if self.pg_up():
            return
        result = self.pg_ctl(
            "-l", str(self.folder / "run" / "pg.log"), "-w", "-o", self.pg_options, "start"
        )
        if result.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {result.stderr.strip()}")

    def restore(self) -> list[str]:
        """Start whatever is stopped; say what was."""
        restarted = []
        if not self.pg_up():
            self.start_pg()
            restarted.append("PostgreSQL")
        if not self.redis_up():
            self.start_redis()
            restarted.append("Redis")
        return restarted


def socketlike(port: int):
    import socket

    return socket.create_connection(("127.0.0.1", port), timeout=2)


def wait_for(condition, seconds: float, every: float = 0.1) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


class Processes:
    """gunicorn, the Celery worker and beat, each in a process group of its own."""

    def __init__(self, env: dict, workers: int, logs: Path):
        self.env, self.workers, self.logs = env, workers, logs
        self.port = free_port()
        self.gunicorn: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.beat: subprocess.Popen | None = None
        self.worker_starts = 0
        self.celery = str(Path(sys.executable).parent / "celery")

    def _log(self, name: str):
        return open(self.logs / f"{name}.log", "ab")  # the child writes it; closed here after

    def _celery(self, name: str, *arguments: str) -> subprocess.Popen:
        with self._log(name) as output:
            return subprocess.Popen(
                [self.celery, "-A", "eport", name, "--loglevel", "WARNING", *arguments],
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start_gunicorn(self) -> None:
        with self._log("gunicorn") as output:
            self.gunicorn = start_gunicorn(self.port, self.workers, self.env, output=output)
        wait_ready(self.port, self.gunicorn, "/api/schema/", timeout=60)

    def start_worker(self) -> None:
        self.worker_starts += 1
        self.worker = self._celery(
            "worker", "--concurrency", "2", "--hostname", f"faults{self.worker_starts}@%h"
        )

    def start_beat(self) -> None:
        self.beat = self._celery("beat")

    def kill_worker(self) -> None:
        if self.worker is not None and self.worker.poll() is None:
            os.killpg(self.worker.pid, signal.SIGKILL)
            self.worker.wait(timeout=30)

    def gunicorn_children(self) -> list[int]:
        return gunicorn_workers(self.gunicorn.pid) if self.gunicorn else []

    def revive(self) -> list[str]:
        """Start again whatever exited on its own; say what did."""
        revived = []
        if self.worker is None or self.worker.poll() is not None:
            self.start_worker()
            revived.append("Celery worker")
        if self.beat is None or self.beat.poll() is not None:
            self.start_beat()
            revived.append("Celery beat")
        if self.gunicorn is not None and self.gunicorn.poll() is not None:
            self.start_gunicorn()
            revived.append("gunicorn")
        return revived

    def stop(self) -> None:
        for process in (self.gunicorn, self.worker, self.beat):
            if process is None or process.poll() is not None:
                continue
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
            except ProcessLookupError:
                pass


# --- what the clients did -------------------------------------------------------------------


@dataclass
class Sample:
    kind: str
    start: float  # seconds since the load began
    end: float
    status: int | str  # HTTP status, or CONN
    ok: bool
    detail: str = ""


@dataclass
class Log:
    """Every request, and what the clients were told was committed."""

    began: float = field(default_factory=time.monotonic)
    began_at: float = field(default_factory=time.time)  # the same moment, by the wall clock
    samples: list[Sample] = field(default_factory=list)
    # declaration uuid -> (ledger action, when) the clients were told happened (a 2xx each)
    expected: dict[str, list[tuple[str, float]]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        return time.monotonic() - self.began

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def expect(self, declaration: str, *actions: str) -> None:
        when = self.now()
        with self.lock:
            self.expected[declaration].extend((action, when) for action in actions)


class Http:
    """One client's requests, each timed and logged under its kind."""

    def __init__(self, port: int, log: Log, headers: dict | None = None):
        self.port, self.log = port, log
        self.headers = headers or {}

    def call(
        self, kind, method, path, body=None, headers=None, expect=(200,)
    ) -> tuple[int | str, bytes, dict]:
        start = self.log.now()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=self.headers | (headers or {}))
            response = connection.getresponse()
            status, raw, found = response.status, response.read(), dict(response.getheaders())
            cookies = response.headers.get_all("Set-Cookie") or []
            found["_cookies"] = cookies
        except (OSError, http.client.HTTPException) as error:
            status, raw, found = CONN, str(error).encode(), {}
        finally:
            connection.close()
        ok = status in expect
        self.log.add(
            Sample(
                kind,
                start,
                self.log.now(),
                status,
                ok,
                "" if ok else raw[:4000].decode(errors="replace"),
            )
        )
        return status, raw, found


def draft_body(lrn: str, origin: str) -> bytes:
    return json.dumps(
        {
            "office": "2201",
            "flow": "import",
            "procedure_code": "4000",
            "lrn": lrn,
            "consignor_name": "Hamburg Exports GmbH",
            "consignor_country": "DE",
            "consignee_name": "Fault Trading Co., Ltd.",
            "consignee_country": "CN",
            "dispatch_country": "DE",
            "destination_country": "CN",
            "transport_mode": "3",
            "transport_document": "CMR123456",
            "incoterm": "CIF",
            "incoterm_place": "Shanghai",
            "invoice_currency": "EUR",
            "invoice_total": "200.00",
            "exchange_rate": "7.800000",
            "items": [
                {
                    "hs_code": "8471300000",
                    "description": f"Laptop model {n}",
                    "origin_country": origin,
                    "quantity": "1",
                    "unit": "PCE",
                    "net_mass": "2.000",
                    "gross_mass": "2.500",
                    "invoice_value": "100.00",
                }
                for n in range(2)
            ],
        }
    ).encode()


@dataclass
class Shared:
    """What the clients hand each other."""

    stop: threading.Event = field(default_factory=threading.Event)
    for_officer: queue.Queue = field(default_factory=queue.Queue)
    filed: list[tuple[str, float]] = field(default_factory=list)  # green uuid, when submitted
    runs: list[int] = field(default_factory=list)  # verification runs the auditor started
    lock: threading.Lock = field(default_factory=threading.Lock)


class Client(threading.Thread):
    def __init__(self, name: str, shared: Shared):
        super().__init__(daemon=True, name=name)
        self.shared = shared
        self.crash = ""

    def pause(self, seconds: float) -> None:
        self.shared.stop.wait(seconds)

    def run(self):
        try:
            while not self.shared.stop.is_set():
                self.step()
        except Exception as error:  # said in the report: a client that died measures nothing
            self.crash = f"{self.name}: {error!r}"


class ApiTrader(Client):
    """Create, upload the invoice, submit; yellow declarations go to the officer."""

    def __init__(self, number: int, port: int, secret: str, log: Log, shared: Shared):
        super().__init__(f"api-trader-{number}", shared)
        self.number, self.log = number, log
        self.http = Http(port, log, {"Authorization": f"Bearer {secret}"})
        self.sequence = 0

    def step(self):
        self.sequence += 1
        yellow = self.sequence % 3 == 0
        lrn = f"F{self.number}-{self.sequence}"
        status, raw, _ = self.http.call(
            "api: create draft",
            "POST",
            "/api/v1/declarations/",
            draft_body(lrn, YELLOW_ORIGIN if yellow else "DE"),
            {"Content-Type": "application/json"},
            expect=(201,),
        )
        if status != 201:
            return self.pause(0.2)
        declaration = json.loads(raw)
        uid = declaration["uuid"]
        self.log.expect(uid, "declaration.created")
        base = f"/api/v1/declarations/{uid}/"
        body, content_type = multipart(
            {"type": "380", "reference": f"INV-{lrn}"}, PDF + lrn.encode()
        )
        status, raw, _ = self.http.call(
            "api: upload invoice",
            "POST",
            base + "documents/",
            body,
            {"Content-Type": content_type},
            expect=(201,),
        )
        if status != 201:
            return self.pause(0.2)
        self.log.expect(uid, "declaration.document_added")
        version = json.loads(raw)["declaration_version"]
        status, raw, _ = self.http.call(
            "api: submit",
            "POST",
            base + "submit/",
            json.dumps({"version": version}).encode(),
            {"Content-Type": "application/json"},
        )
        if status != 200:
            return self.pause(0.2)
        self.log.expect(uid, "declaration.submitted")
        submitted = json.loads(raw)
        if submitted["lane"] == "green":
            self.log.expect(uid, "declaration.assessed")
            with self.shared.lock:
                self.shared.filed.append((uid, self.log.now()))
        else:
            self.shared.for_officer.put(uid)


class WebTrader(Client):
    """Drafts through the new-declaration form, with a signed-in session."""

    def __init__(self, port: int, cookie: str, log: Log, shared: Shared):
        super().__init__("web-trader", shared)
        self.log, self.cookie = log, cookie
        self.http = Http(port, log)
        self.csrf = ""
        self.sequence = 0

    def step(self):
        if not self.csrf:
            self.csrf = csrf_from(self.http, "web: form page", "/declarations/new/", self.cookie)
            if not self.csrf:
                return self.pause(0.5)
        self.sequence += 1
        data = form_post(f"W-{self.sequence}") | {"csrfmiddlewaretoken": self.csrf}
        status, _raw, headers = self.http.call(
            "web: file draft (form)",
            "POST",
            "/declarations/new/",
            urlencode(data).encode(),
            {
                "Cookie": f"{self.cookie}; csrftoken={self.csrf}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            expect=(302,),
        )
        found = re.match(r"^/declarations/([0-9a-f-]{36})/$", headers.get("Location", ""))
        if status == 302 and found:
            self.log.expect(found.group(1), "declaration.created")
        elif status == 403:
            self.csrf = ""  # a new CSRF cookie first
        self.pause(0.3)


def form_post(lrn: str) -> dict:
    """The new-declaration form as a browser posts it: header, one item, management form."""
    header = {
        "office": "2201",
        "flow": "import",
        "procedure_code": "4000",
        "lrn": lrn,
        "consignor_name": "Hamburg Exports GmbH",
        "consignor_country": "DE",
        "consignee_name": "Fault Trading Co., Ltd.",
        "consignee_country": "CN",
        "dispatch_country": "DE",
        "destination_country": "CN",
        "transport_mode": "3",
        "transport_document": "CMR654321",
        "incoterm": "CIF",
        "incoterm_place": "Shanghai",
        "invoice_currency": "EUR",
        "invoice_total": "100.00",
        "exchange_rate": "7.800000",
        "freight": "0.00",
        "insurance": "0.00",
    }
    item = {
        "hs_code": "8471300000",
        "description": "Laptop computers",
        "origin_country": "DE",
        "quantity": "1",
        "unit": "PCE",
        "net_mass": "2.000",
        "gross_mass": "2.500",
        "invoice_value": "100.00",
        "valuation_method": "1",
    }
    return {
        **header,
        **{f"items-0-{key}": value for key, value in item.items()},
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "1",
        "items-MAX_NUM_FORMS": "999",
        "save": "1",
    }


def csrf_from(client: Http, kind: str, path: str, cookie: str) -> str:
    """The CSRF cookie a signed-in page sets (its secret doubles as the form's token)."""
    status, _, headers = client.call(kind, "GET", path, headers={"Cookie": cookie})
    for header in headers.get("_cookies", []) if status == 200 else []:
        if header.startswith("csrftoken="):
            return header.split(";", 1)[0].split("=", 1)[1]
    return ""


class Officer(Client):
    """Takes each yellow declaration for review and assesses it, reading it first each time."""

    def __init__(self, port: int, secret: str, log: Log, shared: Shared):
        super().__init__("officer", shared)
        self.log = log
        self.http = Http(port, log, {"Authorization": f"Bearer {secret}"})

    def step(self):
        try:
            uid = self.shared.for_officer.get(timeout=0.5)
        except queue.Empty:
            return
        base = f"/api/v1/declarations/{uid}/"
        status, raw, _ = self.http.call("officer: read declaration", "GET", base)
        if status != 200:
            self.shared.for_officer.put(uid)
            return self.pause(0.5)
        declaration = json.loads(raw)
        move = {"submitted": "take", "under_review": "assess"}.get(declaration["status"])
        if move is None:  # assessed already (a 2xx lost on the way back): nothing left to do
            return
        status, raw, _ = self.http.call(
            f"officer: {move}",
            "POST",
            base + f"{move}/",
            json.dumps({"version": declaration["version"]}).encode(),
            {"Content-Type": "application/json"},
        )
        if status == 200:
            self.log.expect(uid, "declaration.taken" if move == "take" else "declaration.assessed")
            if move == "assess":
                return
        else:
            self.pause(0.5)
        self.shared.for_officer.put(uid)


class Auditor(Client):
    """Presses "verify now" and follows the run's progress until it finishes."""

    def __init__(self, port: int, cookie: str, log: Log, shared: Shared):
        super().__init__("auditor", shared)
        self.log, self.cookie = log, cookie
        self.http = Http(port, log)
        self.csrf = ""

    def step(self):
        if not self.csrf:
            self.csrf = csrf_from(
                self.http, "audit: workspace page", "/audit/verification/", self.cookie
            )
            if not self.csrf:
                return self.pause(1)
        status, _, headers = self.http.call(
            "audit: verify now",
            "POST",
            "/audit/verification/start/",
            urlencode({"csrfmiddlewaretoken": self.csrf, "kind": "full"}).encode(),
            {
                "Cookie": f"{self.cookie}; csrftoken={self.csrf}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            expect=(302,),
        )
        found = re.match(r"^/audit/verification/(\d+)/$", headers.get("Location", ""))
        if status != 302 or not found:
            if status == 403:
                self.csrf = ""
            return self.pause(1)
        run = int(found.group(1))
        with self.shared.lock:
            if run not in self.shared.runs:
                self.shared.runs.append(run)
        deadline = time.monotonic() + 120
        while not self.shared.stop.is_set() and time.monotonic() < deadline:
            status, raw, _ = self.http.call(
                "audit: run progress",
                "GET",
                f"/audit/verification/{run}/progress/",
                headers={"Cookie": self.cookie},
            )
            if status == 200 and json.loads(raw)["finished"]:
                break
            self.pause(2)
        self.pause(10)


class Verifier(Client):
    """A bank's check: the receipt of a filed declaration, checked at /verify/."""

    def __init__(self, port: int, secret: str, log: Log, shared: Shared):
        super().__init__("verifier", shared)
        self.log = log
        self.api = Http(port, log, {"Authorization": f"Bearer {secret}"})
        self.public = Http(port, log)
        self.rng = random.Random(14)

    def step(self):
        self.pause(1)
        with self.shared.lock:
            old = [uid for uid, when in self.shared.filed if when < self.log.now() - 20]
        if not old:
            return
        uid = self.rng.choice(old)
        # 409: not yet covered by a notarized checkpoint, which is an answer, not a failure.
        status, raw, _ = self.api.call(
            "verify: fetch receipt (API)",
            "GET",
            f"/api/v1/declarations/{uid}/receipt/",
            expect=(200, 409),
        )
        if status != 200:
            return
        start = self.log.now()
        status, answer, _ = self.public.call(
            "verify: check at /verify/",
            "POST",
            "/verify/",
            raw,
            {"Content-Type": "application/json", "Accept": "application/json"},
        )
        if status == 200 and not json.loads(answer).get("valid"):
            # Answered, but the receipt did not verify: a failure of its own kind.
            self.log.add(Sample("verify: receipt valid", start, self.log.now(), "invalid", False))


# --- the schedule ---------------------------------------------------------------------------


@dataclass
class Fault:
    name: str
    start: float = 0.0  # seconds since the load began
    restored: float = 0.0
    window_end: float = 0.0  # the next fault's start, or the end of the load
    note: str = ""

    @property
    def down(self) -> float:
        return self.restored - self.start


def run_fault(name: str, servers: Servers, processes: Processes, log: Log, down: float) -> Fault:
    """Stop one part, keep it stopped ``down`` seconds (the gunicorn worker: until replaced),
    start it again; the ``finally`` of the caller restarts anything left stopped."""
    fault = Fault(name, start=log.now())
    if name == "Redis killed":
        servers.kill_redis()
        time.sleep(down)
        servers.start_redis()
    elif name.startswith("PostgreSQL"):
        servers.stop_pg("immediate" if "immediate" in name else "fast")
        time.sleep(down)
        servers.start_pg()
    elif name == "Celery worker killed":
        processes.kill_worker()
        time.sleep(down)
        processes.start_worker()
    elif name == "gunicorn worker killed":
        before = processes.gunicorn_children()
        victim = random.Random(6).choice(before)
        os.kill(victim, signal.SIGKILL)
        replaced = wait_for(
            lambda: len(now := processes.gunicorn_children()) >= len(before) and victim not in now,
            60,
        )
        fault.note = f"pid {victim}" + ("" if replaced else ", not replaced within 60 s")
    fault.restored = log.now()
    return fault


FAULTS = (
    "Redis killed",
    "PostgreSQL stopped (fast)",
    "PostgreSQL stopped (immediate)",
    "Celery worker killed",
    "gunicorn worker killed",
)


# --- the figures ----------------------------------------------------------------------------


def status_counts(samples) -> str:
    counts = Counter(str(s.status) for s in samples if not s.ok)
    return ", ".join(f"{status}: {n}" for status, n in sorted(counts.items())) or "none"


def in_window(sample: Sample, fault: Fault) -> bool:
    """Whether the sample's answer (or its failure) came between this fault and the next."""
    return fault.start <= sample.end < fault.window_end


def unavailability(fault: Fault, samples: list[Sample]) -> tuple[float | None, str, bool]:
    """The longest, over kinds, from the first failure after the fault to the next success of
    that kind; (None, "", True) when nothing failed. False when a kind never recovered."""
    longest, which, recovered = None, "", True
    by_kind = defaultdict(list)
    for sample in samples:
        by_kind[sample.kind].append(sample)
    for kind, found in by_kind.items():
        ordered = sorted(found, key=lambda s: s.end)
        failure = next((s for s in ordered if not s.ok and in_window(s, fault)), None)
        if failure is None:
            continue
        # A request sent before the fault counts from the fault, not from when it was sent.
        origin = max(failure.start, fault.start)
        success = next((s for s in ordered if s.ok and s.start >= failure.start), None)
        if success is None:
            span, ok = ordered[-1].end - origin, False
        else:
            span, ok = success.end - origin, True
        if longest is None or span > longest:
            longest, which, recovered = span, kind, ok
    return longest, which, recovered


def gist(detail: str) -> str:
    """What an error answer said: a problem's title and detail, a page's title, or its start."""
    try:
        problem = json.loads(detail)
    except ValueError:
        problem = None
    if isinstance(problem, dict):
        return " ".join(str(problem.get(key, "")) for key in ("title", "detail")).strip()[:200]
    title = re.search(r"<title>(.*?)</title>", detail, re.S)
    if title:
        return f"page titled {' '.join(title.group(1).split())!r}"
    return repr(detail[:160])


def markdown(headers: list[str], rows: list[list]) -> list[str]:
    def line(cells):
        return "| " + " | ".join(str(c) for c in cells) + " |"

    return [line(headers), line(["---"] * len(headers)), *(line(r) for r in rows)]


# --- the seed -------------------------------------------------------------------------------


@dataclass
class People:
    trader_secrets: list[str]
    officer_secret: str
    web_cookie: str
    auditor_cookie: str


def seed(api_clients: int) -> People:
    """Reference rows, an office, a company and its people through the services; a yellow-lane
    rule; tokens and signed-in sessions."""
    from decimal import Decimal

    from django.test import Client as DjangoClient

    from eport.accounts import services as accounts
    from eport.accounts.models import User
    from eport.accounts.usci import usci_check_character
    from eport.api.tokens import create_token
    from eport.declarations import rules
    from eport.reference import codes
    from eport.reference import services as reference
    from eport.reference.models import HsCode

    HsCode.objects.create(
        code="847130", level=6, section="XVI", parent="8471", description="Laptops"
    )
    reference.create_tariff_line(
        actor=ACTOR, hs_prefix="8471", duty_rate=Decimal("0"), vat_rate=Decimal("13")
    )
    codes.clear_caches()
    office = accounts.create_office(actor=ACTOR, code="2201", name="Shanghai Customs District")
    first17 = "91310000MA1FL0000"
    company = accounts.create_company(
        actor=ACTOR, usci=first17 + usci_check_character(first17), name="Fault Trading Co., Ltd."
    )
    rules.create_risk_rule(
        actor=ACTOR,
        name="Watched origin",
        kind="origin_country",
        parameter=YELLOW_ORIGIN,
        lane="yellow",
    )

    def user(name, role, **organisation):
        return accounts.create_user(actor=ACTOR, username=name, role=role, **organisation)

    traders = [
        user(f"fault-trader-{n}", User.Role.TRADER, company=company) for n in range(api_clients)
    ]
    web_trader = user("fault-web-trader", User.Role.TRADER, company=company)
    officer = user("fault-officer", User.Role.OFFICER, office=office)
    auditor = user("fault-auditor", User.Role.AUDITOR)

    def cookie(person) -> str:
        from django.conf import settings

        client = DjangoClient()
        client.force_login(person, backend="eport.accounts.backends.AccountBackend")
        return (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )

    return People(
        trader_secrets=[create_token(actor=t, name="faults")[1] for t in traders],
        officer_secret=create_token(actor=officer, name="faults")[1],
        web_cookie=cookie(web_trader),
        auditor_cookie=cookie(auditor),
    )


# --- afterwards -----------------------------------------------------------------------------


def check_entries(log: Log, faults: list[Fault]) -> list[str]:
    """Every change the clients were told of is in the database with its ledger entry; and the
    declarations committed though no client heard a 2xx for them."""
    from eport.declarations.models import Declaration
    from ledger.models import Entry

    expected = dict(log.expected)
    in_database = {str(u) for u in Declaration.objects.values_list("uuid", flat=True)}
    found = defaultdict(Counter)
    subjects = [f"declaration:{uid}" for uid in expected]
    for start in range(0, len(subjects), 1000):
        for subject, action in Entry.objects.filter(
            subject__in=subjects[start : start + 1000]
        ).values_list("subject", "action"):
            found[subject.split(":", 1)[1]][action] += 1

    def during(when: float) -> str:
        last = [fault for fault in faults if fault.start <= when]
        return f"at {when:.1f} s, after '{last[-1].name}'" if last else f"at {when:.1f} s"

    missing_rows = [uid for uid in expected if uid not in in_database]
    missing_entries = []
    for uid, actions in expected.items():
        for action, count in Counter(action for action, _ in actions).items():
            if found[uid][action] < count:
                when = max(moment for name, moment in actions if name == action)
                missing_entries.append(
                    f"{uid} {action}: {found[uid][action]} of {count} (2xx {during(when)})"
                )
    unheard = len(in_database - set(expected))
    changes = sum(len(actions) for actions in expected.values())
    lines = [
        f"declarations: {len(expected)} created with a 2xx answer, {len(in_database)} in the "
        f"database, {unheard} of them committed though no client was told so; created with a "
        f"2xx but missing from the database: {len(missing_rows)}",
        f"changes answered 2xx: {changes}; without their ledger entry: {len(missing_entries)}",
    ]
    lines += [f"  missing: {text}" for text in missing_entries[:10]]
    return lines


def wait_notarized(grace: float) -> tuple[bool, str]:
    from django.db.models import Max

    from ledger.models import Checkpoint, Entry

    started = time.monotonic()
    while True:
        head = Entry.objects.aggregate(m=Max("seq"))["m"]
        entries = 0 if head is None else head + 1
        size = Checkpoint.objects.aggregate(m=Max("size"))["m"] or 0
        waited = time.monotonic() - started
        if size >= entries:
            return (
                True,
                f"all {entries} entries notarized (checkpoint size {size}) after {waited:.0f} s",
            )
        if waited > grace:
            return False, (
                f"{entries - size} of {entries} entries NOT notarized after {grace} s "
                f"(latest checkpoint size {size})"
            )
        time.sleep(2)


def wait_runs(runs: list[int], grace: float, log: Log, faults: list[Fault]) -> list[str]:
    """How the auditor's runs ended, once they have had ``grace`` seconds to; when each run
    left unfinished was asked for."""
    from eport.audit.models import VerificationRun

    deadline = time.monotonic() + grace
    while True:
        rows = list(VerificationRun.objects.filter(pk__in=runs).order_by("pk"))
        if all(run.is_finished for run in rows) or time.monotonic() > deadline:
            break
        time.sleep(2)
    statuses = Counter(run.status for run in rows)
    lines = [
        f'verification runs started by "verify now": {len(runs)}; '
        + (", ".join(f"{status}: {n}" for status, n in sorted(statuses.items())) or "none")
    ]
    for run in rows:
        if not run.is_finished:
            when = run.created_at.timestamp() - log.began_at
            after = [fault.name for fault in faults if fault.start <= when]
            lines.append(
                f"  run {run.pk} still {run.status} after {grace} s: asked for at {when:.1f} s"
                + (f", after '{after[-1]}'" if after else "")
            )
    return lines


def verify_ledger(env: dict) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", "verify_ledger"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    said = (result.stdout.strip() or result.stderr.strip()).splitlines()
    last = said[-1] if said else ""
    outcome = "passed" if result.returncode == 0 else f"FAILED (exit {result.returncode})"
    return f"verify_ledger: {outcome}: {last}"


def reconcile() -> list[str]:
    from eport.audit.reconcile import reconcile_declarations

    report = reconcile_declarations()
    lines = [f"reconciliation: {'clean' if report.ok else 'NOT CLEAN'}: {report.summary()}"]
    lines += [f"  finding: {finding}" for finding in report.sample[:10]]
    return lines


def outbox(grace: float) -> str:
    """Broker work queued in the database (eport.outbox) and not yet sent, once the scheduled
    flush has had ``grace`` seconds to send it."""
    try:
        from eport.outbox.services import pending_count
    except ImportError:
        return "outbox: none in this tree"
    started = time.monotonic()
    while (waiting := pending_count()) and time.monotonic() - started < grace:
        time.sleep(2)
    if waiting:
        return f"outbox: {waiting} task(s) NOT sent after {grace} s"
    return f"outbox: empty after {time.monotonic() - started:.0f} s"


# --- the run --------------------------------------------------------------------------------


def main(argv=None) -> None:
    args = parse_args(argv)
    servers = Servers()
    # Stopped from outside (scripts/bench.sh's trap, a timeout): still restart and clean up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))
    setup(args.database)
    from django.conf import settings
    from django.db import connection

    # The throwaway server acknowledges commits before their WAL is written
    # (synchronous_commit=off): an immediate stop would lose what it had acknowledged, which
    # production's setting never does. This database's sessions wait for the WAL, as there.
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER DATABASE "{args.database}" SET synchronous_commit = on')
    connection.close()

    report = Report("faults")
    total = args.minutes * 60
    warmup = min(30.0, total * 0.1)
    slot = (total - 2 * warmup) / len(FAULTS)
    down = min(float(args.down), max(1.0, slot / 3))
    report(
        f"# Fault run: {args.minutes:g} minutes of mixed load, {len(FAULTS)} faults",
        *environment_lines(),
        f"gunicorn: {args.workers} sync workers; one Celery worker (2 processes) and beat; "
        f"clients: {args.api_clients} API traders, 1 web trader, 1 officer, 1 auditor, 1 verifier",
        f"schedule: {warmup:.0f} s of load first, then a fault every {slot:.0f} s, each stopped "
        f"part down for {down:.0f} s",
        "",
    )
    people = seed(args.api_clients)
    connection.close()

    # Kept after the run (scripts/bench.sh removes its own folder): the servers' tracebacks.
    logs = Path(tempfile.mkdtemp(prefix="eport-faults-logs."))
    env = child_env() | {
        "DJANGO_SETTINGS_MODULE": "eport.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,  # so the sessions signed in above are valid
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "EPORT_API_RATE": "1000000/minute",
        "EPORT_VERIFY_RATE_LIMIT": "1000000",
        "EPORT_LOG_LEVEL": "WARNING",
        "EPORT_REQUIRE_SECOND_FACTOR": "0",  # the sessions above are signed in without one
    }
    for command in (["collectstatic", "--noinput", "--verbosity", "0"], ["ledger_keygen"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    processes = Processes(env, args.workers, logs)
    log = Log()
    shared = Shared()
    faults: list[Fault] = []
    surprises: list[str] = []
    clients: list[Client] = []
    try:
        processes.start_worker()
        processes.start_beat()
        processes.start_gunicorn()
        port = processes.port
        log.began, log.began_at = time.monotonic(), time.time()
        clients = [
            *(
                ApiTrader(n, port, secret, log, shared)
                for n, secret in enumerate(people.trader_secrets)
            ),
            WebTrader(port, people.web_cookie, log, shared),
            Officer(port, people.officer_secret, log, shared),
            Auditor(port, people.auditor_cookie, log, shared),
            Verifier(port, people.trader_secrets[0], log, shared),
        ]
        for client in clients:
            client.start()
        time.sleep(warmup)
        for number, name in enumerate(FAULTS):
            slot_end = warmup + (number + 1) * slot
            print(f"[{log.now():6.1f} s] {name}", flush=True)
            try:
                fault = run_fault(name, servers, processes, log, down)
            finally:
                for what in servers.restore() + processes.revive():
                    surprises.append(f"{what} was down after '{name}' and was started again")
            faults.append(fault)
            print(f"[{log.now():6.1f} s] restored after {fault.down:.1f} s", flush=True)
            while log.now() < slot_end:
                time.sleep(0.5)
                for what in processes.revive():
                    surprises.append(
                        f"{what} exited on its own and was started again at {log.now():.0f} s"
                    )
        while log.now() < total:
            time.sleep(0.5)
        ended = log.now()
        shared.stop.set()
        for client in clients:
            client.join(timeout=TIMEOUT + 5)
        for what in processes.revive():
            surprises.append(f"{what} had exited by the end of the load and was started again")

        # Afterwards: is everything committed there, entered, notarized, verified, reconciled?
        connection.close()
        checks = [*check_entries(log, faults)]
        checks += wait_runs(shared.runs, args.grace, log, faults)
        _, said = wait_notarized(args.grace)
        checks.append(f"notarization: {said}")
        connection.close()
        checks.append(verify_ledger(env))
        checks += reconcile()
        checks.append(outbox(args.grace))
    finally:
        shared.stop.set()
        processes.stop()
        servers.restore()
        connection.close()

    for number, fault in enumerate(faults):
        fault.window_end = faults[number + 1].start if number + 1 < len(faults) else ended
    samples = log.samples
    rows = []
    for fault in faults:
        span, kind, recovered = unavailability(fault, samples)
        window = [s for s in samples if in_window(s, fault)]
        rows.append(
            [
                fault.name + (f" ({fault.note})" if fault.note else ""),
                f"{fault.down:.1f} s",
                "none" if span is None else f"{'>' if not recovered else ''}{span:.1f} s ({kind})",
                status_counts(window),
            ]
        )
    kinds = sorted({s.kind for s in samples})
    kind_rows = [
        [
            kind,
            sum(1 for s in samples if s.kind == kind),
            sum(1 for s in samples if s.kind == kind and s.ok),
            status_counts([s for s in samples if s.kind == kind]),
        ]
        for kind in kinds
    ]
    first_errors = []  # the first failure of each kind and status in each fault's window
    for fault in faults:
        seen = set()
        for sample in sorted(samples, key=lambda s: s.end):
            if (
                not sample.ok
                and in_window(sample, fault)
                and (sample.kind, sample.status) not in seen
            ):
                seen.add((sample.kind, sample.status))
                first_errors.append((fault.name, sample))
    report(
        f"load: {ended:.0f} s; requests: {len(samples)}, of which failed: "
        f"{sum(1 for s in samples if not s.ok)} ({status_counts(samples)})",
        "",
        *markdown(["fault", "down for", "longest unavailability", "errors by status"], rows),
        "",
        "Errors count in the window from a fault to the next one (or the end of the load); "
        "before the first fault: "
        + status_counts([s for s in samples if s.end < faults[0].start])
        + ".",
        "",
        *markdown(["kind", "requests", "answered as expected", "errors by status"], kind_rows),
        "",
        "first failure of each kind and status after each fault (when it was answered: what "
        "it said):",
        *(
            f"- {name}: {s.kind} → {s.status} at {s.end:.1f} s: {gist(s.detail)}"
            for name, s in first_errors
        ),
        "",
        "afterwards:",
        *(f"- {line}" for line in checks),
        *(f"- {text}" for text in surprises),
        *(f"- client died: {c.crash}" for c in clients if c.crash),
        f"logs of gunicorn, the Celery worker and beat: {logs}",
        load_line(),
    )
    report(f"written to {report.save().relative_to(ROOT)}")


if __name__ == "__main__":
    main()
