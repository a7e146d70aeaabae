"""A real Celery worker for tests: on the test database and Redis, in its own process group."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from django.conf import settings

from tests.ledger.notary_support import database_url

ROOT = Path(__file__).resolve().parents[1]
CELERY = ("celery", "-A", "eport", "worker")


class CeleryWorker:
    """``python -m <program>`` started at once; ``stop`` or ``kill`` ends the whole group."""

    def __init__(
        self,
        var: Path,
        *,
        name: str,
        program: Sequence[str] = CELERY,
        pool: str = "solo",
        concurrency: int | None = None,
        loglevel: str = "INFO",
        beat: bool = False,
        env: Mapping[str, object] | None = None,
    ):
        var.mkdir(parents=True, exist_ok=True)
        environment = os.environ | {
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "EPORT_VAR_DIR": str(var),
            "EPORT_KEYS_DIR": str(settings.EPORT_KEYS_DIR),
            "EPORT_WITNESSES": ",".join(settings.EPORT_WITNESSES),
            "EPORT_WITNESS_QUORUM": str(settings.EPORT_WITNESS_QUORUM),
            **{key: str(value) for key, value in (env or {}).items()},
        }
        command = [sys.executable, "-m", *program, "--pool", pool]
        if concurrency is not None:
            command += ["--concurrency", str(concurrency)]
        command += ["--loglevel", loglevel, "--hostname", f"{name}@%h"]
        command += ["--without-gossip", "--without-mingle"]
        if beat:
            command.append("--beat")
        self.log = var / f"{name}.log"
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=environment, stdout=log, stderr=log, start_new_session=True
            )

    def kill(self, sig: int = signal.SIGKILL, timeout: float = 30) -> None:
        """Send ``sig`` to the worker's group and wait; SIGKILL if it outlives ``timeout``."""
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=timeout)

    def stop(self) -> None:
        """A warm shutdown, if it still runs."""
        if self.process.poll() is None:
            self.kill(signal.SIGTERM)

    def output(self, tail: int | None = 4000) -> str:
        """The end of the worker's log (all of it with ``tail=None``)."""
        text = self.log.read_text(errors="replace")
        return text if tail is None else text[-tail:]

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
