import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connections

from tests.api.conftest import own_throttle_window, world  # noqa: F401
from tests.ledger.notary_support import database_url, ledger_keys  # noqa: F401

from . import servers

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def services():
    """The run's own PostgreSQL and Redis, which these tests stop and start again."""
    folder = servers.services_dir()
    if folder is None:
        if os.environ.get("EPORT_SERVICES_DIR"):
            pytest.fail("EPORT_SERVICES_DIR is set but holds no PostgreSQL data or Redis pid")
        pytest.skip("needs the run's own PostgreSQL and Redis: run through `make test`")
    yield folder
    # Whatever happened in the test, the servers run again and no dead connection is reused.
    servers.start_postgresql(folder)
    servers.start_redis(folder)
    reconnect()


@pytest.fixture
def var_dir(tmp_path, settings):
    """A var folder shared with the worker: uploads land where its reconciliation reads them."""
    var = tmp_path / "var"
    settings.MEDIA_ROOT = var / "test-media"
    settings.MEDIA_ROOT.mkdir(parents=True)
    return var


def reconnect() -> None:
    """Drop this thread's connections to a server that restarted.

    A server drops them at the start of each request (CONN_HEALTH_CHECKS); the test client does
    not run that hygiene, so the test does it here.
    """
    for connection in connections.all():
        connection.close()


class Worker:
    """A real Celery worker on the test database and Redis, in its own process group."""

    def __init__(self, var: Path):
        name = f"faults-{uuid.uuid4().hex[:8]}"
        environment = os.environ | {
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": database_url(),
            "REDIS_URL": django_settings.REDIS_URL,
            "EPORT_VAR_DIR": str(var),
            "EPORT_KEYS_DIR": str(django_settings.EPORT_KEYS_DIR),
            "EPORT_WITNESSES": ",".join(django_settings.EPORT_WITNESSES),
            "EPORT_WITNESS_QUORUM": str(django_settings.EPORT_WITNESS_QUORUM),
        }
        self.log = var / f"{name}.log"
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "eport",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--hostname",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
        ]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=environment, stdout=log, stderr=log, start_new_session=True
            )

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def wait_for(self, condition, *, what: str, timeout: float = 180):
        """Poll ``condition`` until it holds; fail with the worker's log if it never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = condition()
            if result:
                return result
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited while waiting for {what}:\n{self.output()}")
            time.sleep(0.2)
        pytest.fail(f"timed out waiting for {what}:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@pytest.fixture
def worker(var_dir):
    started = []

    def start() -> Worker:
        started.append(Worker(var_dir))
        return started[-1]

    yield start
    for process in started:
        process.stop()
