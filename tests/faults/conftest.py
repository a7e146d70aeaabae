import uuid
from pathlib import Path

import pytest
from django.db import connections

from tests.api.conftest import own_throttle_window, world  # noqa: F401
from tests.celery_worker import CeleryWorker
from tests.ledger.notary_support import database_url, ledger_keys  # noqa: F401

from . import servers

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def services():
    """The run's own PostgreSQL and Redis, which these tests stop and start again."""
    folder = servers.required_services_dir()
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


@pytest.fixture
def worker(var_dir):
    started = []

    def start() -> CeleryWorker:
        started.append(CeleryWorker(var_dir, name=f"faults-{uuid.uuid4().hex[:8]}"))
        return started[-1]

    yield start
    for process in started:
        process.stop()
