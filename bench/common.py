"""What every benchmark script shares: a fresh database, Django set up on it, and the output.

Call ``setup(database)`` before importing anything that needs Django. The database named by
``DATABASE_URL`` is never touched: each run drops and recreates its own database (default
``eport_bench``) on the same server, then migrates it with ``bench.settings``.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SETTINGS = "bench.settings"


def server_url(database: str) -> str:
    """``DATABASE_URL`` with its database name replaced; refuses anything but PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "").strip()
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        sys.exit(
            "the benchmarks need PostgreSQL: set DATABASE_URL=postgres://user@host:port/any "
            "(make bench starts a throwaway server)"
        )
    return urlunsplit(parts._replace(path=f"/{database}"))


def positive(text: str) -> int:
    """An argparse type: an integer of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def recreate_database(database: str) -> None:
    import psycopg2

    if not database.replace("_", "").isalnum():
        sys.exit(f"database name {database!r} must be letters, digits and underscores")
    connection = psycopg2.connect(server_url("postgres"))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{database}"')
    connection.close()


def database_exists(database: str) -> bool:
    import psycopg2

    connection = psycopg2.connect(server_url("postgres"))
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
            return cursor.fetchone() is not None
    finally:
        connection.close()


def setup(database: str, *, recreate: bool = True) -> None:
    """Recreate ``database`` (or keep it, if ``recreate`` is false and it exists), point this
    process (and its children) at it, migrate it."""
    sys.path.insert(0, str(ROOT))
    if recreate or not database_exists(database):
        recreate_database(database)
    os.environ["DATABASE_URL"] = server_url(database)
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ.setdefault("EPORT_VAR_DIR", str(ROOT / "var" / "bench"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def child_env() -> dict:
    """The environment for a benchmark's subprocesses: same database, same settings."""
    return os.environ | {"DJANGO_SETTINGS_MODULE": SETTINGS, "PYTHONPATH": str(ROOT)}


def start_gunicorn(
    port: int, workers: int, env: dict, *options: str, output=None
) -> subprocess.Popen:
    """gunicorn serving eport on 127.0.0.1:``port`` with ``workers`` sync workers, in a process
    group of its own (stop it with ``os.killpg``); its output goes to ``output`` (an open file)
    when given, else to this process's."""
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "eport.wsgi:application",
            "--workers",
            str(workers),
            *options,
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT if output is not None else None,
        start_new_session=True,
    )


def wait_ready(port: int, server: subprocess.Popen, path: str, timeout: float = 30) -> None:
    """Return once the server answers ``GET path`` with 200; exit the benchmark if it dies or
    does not within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with {server.returncode}; see its output above")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"gunicorn did not serve {path} within {timeout:.0f} s")


def gunicorn_workers(master_pid: int) -> list[int]:
    """The pids of the worker processes whose parent is gunicorn's master ``master_pid``."""
    workers = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _proc_stat(int(entry.name))
            if fields and int(fields[1]) == master_pid:
                workers.append(int(entry.name))
    return workers


def environment_lines() -> list[str]:
    """Machine, Python and PostgreSQL facts that the figures depend on."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        settings = []
        for name in ("fsync", "synchronous_commit", "full_page_writes", "shared_buffers"):
            cursor.execute(f"SHOW {name}")
            settings.append(f"{name}={cursor.fetchone()[0]}")
    return [
        f"date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}",
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        f"PostgreSQL {version} on loopback TCP, {', '.join(settings)}",
        "(the same server and settings for every variant)",
        load_line(),
    ]


def load_line() -> str:
    """The machine's load: other work on the same CPUs moves every figure."""
    one, five, _ = os.getloadavg()
    return f"load average: {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def table(headers: list[str], rows: list[list], align: str | None = None) -> list[str]:
    """A plain-text table; ``align`` gives 'l' or 'r' per column (default: first left)."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    align = align or "l" + "r" * (len(headers) - 1)

    def line(row):
        return "  ".join(
            c.ljust(w) if a == "l" else c.rjust(w)
            for c, w, a in zip(row, widths, align, strict=True)
        ).rstrip()

    return [line(cells[0]), "  ".join("-" * w for w in widths)] + [line(r) for r in cells[1:]]


class Report:
    """Lines printed as they come and written to ``bench/results/<name>.txt`` at the end."""

    def __init__(self, name: str):
        self.name = name
        self.lines: list[str] = []

    def __call__(self, *lines: str) -> None:
        for text in lines:
            print(text, flush=True)
            self.lines.append(text)

    def save(self) -> Path:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{self.name}.txt"
        path.write_text("\n".join(self.lines) + "\n", encoding="utf-8")
        return path


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of ``values`` (``share`` 0.95 for p95); 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# --- CPU accounting -------------------------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()  # fields from the 3rd (state) on


class CpuMeter:
    """CPU time spent by the server's processes, this database's PostgreSQL backends, the
    clients (this process) and the whole machine, read from /proc: on a shared machine these
    say what a page costs, whatever else was running."""

    def __init__(self, server_pid: int, database: str):
        self.server_pid = server_pid
        self.database = database

    def _server_pids(self) -> list[int]:
        pids = [self.server_pid]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                fields = _proc_stat(int(entry.name))
                if fields and int(fields[1]) == self.server_pid:
                    pids.append(int(entry.name))
        return pids

    def _backend_pids(self) -> list[int]:
        import psycopg2

        connection = psycopg2.connect(server_url(self.database))
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> "
                    "pg_backend_pid()",
                    [self.database],
                )
                return [row[0] for row in cursor.fetchall()]
        finally:
            connection.close()

    @staticmethod
    def _cpu(pids) -> dict[int, float]:
        seconds = {}
        for pid in pids:
            fields = _proc_stat(pid)
            if fields:
                seconds[pid] = (int(fields[11]) + int(fields[12])) / TICKS
        return seconds

    def snapshot(self) -> dict:
        with open("/proc/stat") as stat:
            ticks = [int(value) for value in stat.readline().split()[1:]]
        idle = ticks[3] + ticks[4]
        return {
            "server": self._cpu(self._server_pids()),
            "database": self._cpu(self._backend_pids()),
            "clients": time.process_time(),
            "busy": (sum(ticks[:8]) - idle) / TICKS,
        }

    @staticmethod
    def spent(before: dict, after: dict) -> dict:
        def by_pid(key):
            # A process that ended inside the window is lost; one that began counts from zero.
            return sum(after[key][pid] - before[key].get(pid, 0.0) for pid in after[key])

        return {
            "server": by_pid("server"),
            "database": by_pid("database"),
            "clients": after["clients"] - before["clients"],
            "machine": after["busy"] - before["busy"],
        }
