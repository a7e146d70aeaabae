"""Stop and start the run's real PostgreSQL and Redis (scripts/services.sh's EPORT_SERVICES_DIR).

Local to these tests until a shared tests/faults.py exists.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connections


def services_dir() -> Path:
    folder = os.environ.get("EPORT_SERVICES_DIR")
    if not folder or not Path(folder).is_dir():
        pytest.skip("needs the servers of scripts/services.sh (EPORT_SERVICES_DIR)")
    return Path(folder)


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _pg_ctl() -> str:
    return str(Path(_postmaster_command()[0]).with_name("pg_ctl"))


def _postmaster_command() -> list[str]:
    return shlex.split((services_dir() / "pg" / "data" / "postmaster.opts").read_text())


@contextlib.contextmanager
def postgresql_stopped():
    """PostgreSQL is down inside the block and back, with its options, after it."""
    data = services_dir() / "pg" / "data"
    command = _postmaster_command()
    options = command[1:]
    if "-D" in options:  # pg_ctl passes the data directory itself
        at = options.index("-D")
        del options[at : at + 2]
    connections.close_all()
    subprocess.run(
        _as_postgres([_pg_ctl(), "-D", str(data), "-m", "fast", "-w", "stop"]),
        check=True,
        capture_output=True,
    )
    try:
        yield
    finally:
        connections.close_all()
        subprocess.run(
            _as_postgres(
                [
                    _pg_ctl(),
                    "-D",
                    str(data),
                    "-l",
                    str(services_dir() / "run" / "pg.log"),
                    "-w",
                    "-o",
                    shlex.join(options),
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )


@contextlib.contextmanager
def redis_stopped():
    """Redis is down inside the block and back on the same port after it (empty)."""
    if not settings.REDIS_URL:
        pytest.skip("needs Redis: run through `make test`")
    folder = services_dir()
    pid_file = folder / "redis.pid"
    pid = int(pid_file.read_text())
    os.kill(pid, signal.SIGTERM)
    _wait(lambda: not _alive(pid), "Redis to stop")
    try:
        yield
    finally:
        url = urlparse(settings.REDIS_URL)
        subprocess.run(
            [
                "redis-server",
                "--bind",
                url.hostname,
                "--port",
                str(url.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--pidfile",
                str(pid_file),
                "--logfile",
                str(folder / "redis.log"),
            ],
            check=True,
            capture_output=True,
        )
        port = str(url.port)
        _wait(
            lambda: (
                subprocess.run(
                    ["redis-cli", "-h", url.hostname, "-p", port, "ping"],
                    capture_output=True,
                    check=False,
                ).returncode
                == 0
            ),
            "Redis to start",
        )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait(condition, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)
