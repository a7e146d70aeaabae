"""The run's real PostgreSQL and Redis stopped inside a block (tests/faults/servers.py does it)."""

from __future__ import annotations

import contextlib

from django.db import connections

from tests.faults import servers


@contextlib.contextmanager
def postgresql_stopped():
    """PostgreSQL is down inside the block and back after it; no dead connection is reused."""
    folder = servers.required_services_dir()
    connections.close_all()
    try:
        with servers.postgresql_stopped(folder):
            yield
    finally:
        connections.close_all()


@contextlib.contextmanager
def redis_stopped():
    """Redis is down inside the block and back on the same port (empty) after it."""
    with servers.redis_stopped(servers.required_services_dir()):
        yield
