"""Stop and start the run's own PostgreSQL and Redis, the servers scripts/services.sh started.

Only a run through `make test` (or `start_services`) has them: EPORT_SERVICES_DIR names their
folder, PostgreSQL's data is in ``pg/data`` there and Redis's pid in ``redis.pid``. A server is
started again with the arguments it was first started with, on the same port.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis as redis_client
from django.conf import settings

STARTUP_TIMEOUT = 60.0


def services_dir() -> Path | None:
    """The folder of the run's own servers, if this run has them."""
    folder = os.environ.get("EPORT_SERVICES_DIR", "")
    if folder and (Path(folder) / "pg" / "data").is_dir() and settings.REDIS_URL:
        return Path(folder)
    return None


def required_services_dir() -> Path:
    """The folder of the run's own servers; skip the test without them (fail if it is broken)."""
    folder = services_dir()
    if folder is None:
        if os.environ.get("EPORT_SERVICES_DIR"):
            pytest.fail("EPORT_SERVICES_DIR is set but holds no PostgreSQL data or Redis pid")
        pytest.skip("needs the run's own PostgreSQL and Redis: run through `make test`")
    return folder


# --- Redis -------------------------------------------------------------------------------------


def _redis_pid(folder: Path) -> int | None:
    try:
        return int((folder / "redis.pid").read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def redis_answers() -> bool:
    try:
        return bool(redis_client.Redis.from_url(settings.REDIS_URL, socket_timeout=1).ping())
    except redis_client.RedisError:
        return False


def stop_redis(folder: Path) -> None:
    pid = _redis_pid(folder)
    if pid is None:
        raise RuntimeError(f"no Redis pid in {folder / 'redis.pid'}")
    os.kill(pid, signal.SIGTERM)
    _wait(lambda: not _alive(pid), "Redis to stop")


def start_redis(folder: Path) -> None:
    """Start Redis again as scripts/services.sh does (no persistence, same port and files)."""
    if redis_answers():
        return
    port = str(urlsplit(settings.REDIS_URL).port)
    subprocess.run(
        [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            port,
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "yes",
            "--pidfile",
            str(folder / "redis.pid"),
            "--logfile",
            str(folder / "redis.log"),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    _wait(redis_answers, "Redis to answer")


@contextlib.contextmanager
def redis_stopped(folder: Path):
    """Redis is down inside the block, and always started again after it."""
    stop_redis(folder)
    try:
        yield
    finally:
        start_redis(folder)


# --- PostgreSQL --------------------------------------------------------------------------------


def _pg_bindir() -> str:
    # The same search as scripts/services.sh's pg_bindir.
    found = shutil.which("initdb")
    if found:
        return os.path.dirname(os.path.realpath(found))
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda path: [int(part) for part in path.split("/")[4].split(".") if part.isdigit()],
    )
    return versions[-1] if versions else "/usr/lib/postgresql/15/bin"


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _pg_ctl(folder: Path, *arguments: str) -> None:
    command = [f"{_pg_bindir()}/pg_ctl", "-D", str(folder / "pg" / "data"), *arguments]
    subprocess.run(_as_postgres(command), check=True, stdout=subprocess.DEVNULL)


def stop_postgresql(folder: Path) -> None:
    """A fast shutdown: open sessions are ended, as in a restart by an operator."""
    _pg_ctl(folder, "-m", "fast", "-w", "stop")


def start_postgresql(folder: Path) -> None:
    """Start PostgreSQL again with the options it last ran with (postmaster.opts)."""
    data = folder / "pg" / "data"
    if (data / "postmaster.pid").exists():
        return
    options = shlex.split((data / "postmaster.opts").read_text())[1:]  # less the program itself
    if "-D" in options:
        at = options.index("-D")
        del options[at : at + 2]
    _pg_ctl(folder, "-l", str(folder / "run" / "pg.log"), "-w", "-o", shlex.join(options), "start")


@contextlib.contextmanager
def postgresql_stopped(folder: Path):
    """PostgreSQL is down inside the block, and always started again after it."""
    stop_postgresql(folder)
    try:
        yield
    finally:
        start_postgresql(folder)


def _wait(condition, what: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)
