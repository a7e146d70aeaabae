"""The run's real PostgreSQL and Redis stopped inside a block (tests/faults/servers.py does it)."""

from __future__ import annotations

import contextlib
import os

import pytest
from django.db import connections

from tests.faults import servers


def services_folder():
    folder = servers.services_dir()
    if folder is None:
        if os.environ.get("EPORT_SERVICES_DIR"):
            pytest.fail("EPORT_SERVICES_DIR is set but holds no PostgreSQL data or Redis pid")
        pytest.skip("needs the run's own PostgreSQL and Redis: run through `make test`")
    return folder


@contextlib.contextmanager
def postgresql_stopped():
    """PostgreSQL is down inside the block and back after it; no dead connection is reused."""
    folder = services_folder()
    connections.close_all()
    try:
        with servers.postgresql_stopped(folder):
            yield
    finally:
        connections.close_all()


@contextlib.contextmanager
def redis_stopped():
    """Redis is down inside the block and back on the same port (empty) after it."""
    with servers.redis_stopped(services_folder()):
        yield
