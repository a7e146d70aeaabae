"""Several gunicorn workers: /metrics adds up what every worker counted, dead ones included."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

from tests.ledger.notary_support import database_url

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = 20


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn(tmp_path, postgresql):
    port = free_port()
    environment = os.environ | {
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "EPORT_VAR_DIR": str(tmp_path),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
    }
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "-c",
            "python:eport.ops.gunicorn",
            "--workers",
            "2",
            # Each worker answers at most 5 requests and is replaced: 20 requests pass through
            # at least four processes, most of them gone by the time of the scrape.
            "--max-requests",
            "5",
            "--bind",
            f"127.0.0.1:{port}",
            "eport.wsgi:application",
        ],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(base + "/metrics", timeout=60).read()  # counted too
            break
        except OSError:  # not listening yet
            if server.poll() is not None or time.monotonic() > deadline:
                log.close()
                pytest.fail((tmp_path / "gunicorn.log").read_text()[-4000:])
            time.sleep(0.2)
    yield base
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)
    log.close()


def counted(base: str, view: str) -> float:
    body = urllib.request.urlopen(base + "/metrics", timeout=60).read().decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
        if sample.name == "django_http_requests_total_by_view_transport_method_total"
        and sample.labels.get("view") == view
    )


@pytest.mark.django_db(transaction=True)
def test_a_scrape_counts_the_requests_of_every_worker(gunicorn):
    for _ in range(REQUESTS):
        urllib.request.urlopen(gunicorn + "/healthz", timeout=60).read()

    assert counted(gunicorn, "ops:healthz") == REQUESTS
