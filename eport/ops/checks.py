"""Readiness checks beyond django-health-check's own: the worker's heartbeat and notarization.

Each reads the database on the request's own thread (``sync_to_async(thread_sensitive=True)``),
so the request cycle closes its connection; a database that is down fails the check, never the
page.
"""

from __future__ import annotations

import dataclasses

from asgiref.sync import sync_to_async
from django.db import Error as DatabaseError
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable

from . import selectors


def _read(reader):
    try:
        return reader()
    except DatabaseError as error:
        raise ServiceUnavailable(f"database unavailable ({type(error).__name__})") from error


@dataclasses.dataclass
class WorkerHeartbeat(HealthCheck):
    """A Celery worker ran the scheduled ``ops.heartbeat`` task within ``max_age`` seconds."""

    max_age: float = 60

    async def run(self):
        beat = await sync_to_async(_read, thread_sensitive=True)(selectors.last_heartbeat)
        if beat is None:
            raise ServiceUnavailable(
                "no worker heartbeat yet (is a Celery worker with beat running?)"
            )
        age = selectors.seconds_since(beat)
        if age > self.max_age:
            raise ServiceUnavailable(
                f"last worker heartbeat {age:.0f} s ago (limit {self.max_age:g} s)"
            )


@dataclasses.dataclass
class Notarization(HealthCheck):
    """Entries do not wait for a checkpoint longer than ``max_age`` seconds.

    Fails when entries wait and both the newest notarized checkpoint and the oldest waiting entry
    are older than the limit: an idle ledger's first new entry is not an outage.
    """

    max_age: float = 300

    async def run(self):
        state = await sync_to_async(_read, thread_sensitive=True)(selectors.notarization)
        if not state.waiting or state.oldest_waiting_time is None:
            return
        entry_age = selectors.seconds_since(state.oldest_waiting_time)
        if entry_age <= self.max_age:
            return
        if state.checkpoint_time is None:
            raise ServiceUnavailable(
                f"{state.waiting} entries waiting, the oldest for {entry_age:.0f} s, "
                f"and no notarized checkpoint yet (limit {self.max_age:g} s)"
            )
        checkpoint_age = selectors.seconds_since(state.checkpoint_time)
        if checkpoint_age > self.max_age:
            raise ServiceUnavailable(
                f"{state.waiting} entries waiting; the newest notarized checkpoint is "
                f"{checkpoint_age:.0f} s old (limit {self.max_age:g} s)"
            )
