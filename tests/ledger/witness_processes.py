"""Witness servers as separate processes, reached over loopback HTTP, for the notary's tests.

Each witness is ``python -m ledger.witness_server serve`` with only its own key (made with
``keygen``), trusting the ledger's verifier key, its state in a SQLite file; its stderr goes to a
log file beside its key, so a test can read what the witness said.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ledger import keys

from .notary_support import WITNESSES

ROOT_DIR = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0
WITNESS_TIMEOUT = 1.0


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def keygen(name: str, key_path: Path) -> str:
    """Run the witness program's ``keygen``; return the verifier key it printed."""
    command = [sys.executable, "-m", "ledger.witness_server", "keygen"]
    done = subprocess.run(
        [*command, "--name", name, "--key", str(key_path)],
        cwd=ROOT_DIR,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
        check=True,
    )
    return done.stdout.strip()


class WitnessProcess:
    """One member's witness server: its key, state and log files, and the running process."""

    def __init__(self, name: str, folder: Path, log_key: str):
        folder.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.key_path = folder / f"{name}.key"
        self.state_path = folder / f"{name}.state.sqlite3"
        self.log_path = folder / f"{name}.log"
        self.log_key = log_key
        self.verifier_key = keygen(name, self.key_path)
        self.process: subprocess.Popen | None = None
        self.port: int | None = None
        self.frozen = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def setting(self) -> str:
        """Its EPORT_WITNESSES item: ``<verifier key> <URL>``."""
        return f"{self.verifier_key} {self.url}"

    def start(self) -> WitnessProcess:
        """Start the server on a free port and wait until it answers ``GET /``."""
        assert self.process is None, f"{self.name} is already running"
        self.port = free_port()
        command = [
            *(sys.executable, "-m", "ledger.witness_server", "serve"),
            *("--name", self.name, "--key", str(self.key_path)),
            *("--log-key", self.log_key, "--state", str(self.state_path)),
            *("--listen", f"127.0.0.1:{self.port}"),
        ]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT_DIR, stdout=log, stderr=log, env={**os.environ}
            )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                self.get()
                return self
            except OSError as error:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited: {self.log()}") from error
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} did not answer: {self.log()}") from error
                time.sleep(0.05)

    def get(self, timeout: float = 5.0) -> str:
        """What ``GET /`` answers: the latest checkpoint the witness cosigned."""
        with urllib.request.urlopen(self.url + "/", timeout=timeout) as response:
            return response.read().decode("utf-8")

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def freeze(self) -> None:
        """SIGSTOP: the port still accepts connections, nothing answers."""
        self.process.send_signal(signal.SIGSTOP)
        self.frozen = True

    def thaw(self) -> None:
        if self.process is not None and self.frozen:
            self.process.send_signal(signal.SIGCONT)
        self.frozen = False

    def stop(self) -> None:
        """Terminate the server (thawed first) and wait for it."""
        if self.process is None:
            return
        self.thaw()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None


class Witnesses:
    """Three witness processes and the notary's configuration pointing at them."""

    def __init__(self, settings, folder: Path):
        self.settings = settings
        ledger_key = str(keys.ledger_verifier())
        self.all = [WitnessProcess(name, folder, ledger_key) for name in WITNESSES]

    def __iter__(self):
        return iter(self.all)

    def __getitem__(self, name: str) -> WitnessProcess:
        return next(witness for witness in self.all if witness.name == name)

    def configure(self) -> None:
        """Point EPORT_WITNESSES at the servers' current ports."""
        self.settings.EPORT_WITNESSES = [witness.setting for witness in self.all]
        keys.clear_cache()

    def start(self) -> Witnesses:
        for witness in self.all:
            if witness.process is None:
                witness.start()
        self.configure()
        return self

    def stop(self) -> None:
        for witness in self.all:
            witness.stop()


@pytest.fixture(name="members")
def members_fixture(ledger_keys, settings, tmp_path):
    """Three witness servers on loopback, configured as the notary's witnesses, quorum 2."""
    settings.EPORT_WITNESS_QUORUM = 2
    settings.EPORT_WITNESS_TIMEOUT = WITNESS_TIMEOUT
    witnesses = Witnesses(settings, tmp_path / "members")
    try:
        yield witnesses.start()
    finally:
        witnesses.stop()
        keys.clear_cache()
