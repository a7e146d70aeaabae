"""Cheap reads the probes and the metrics share: the ledger's progress, the worker's heartbeat."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from django.db.models import Max
from django.utils import timezone

from ledger.models import Entry
from ledger.notarized import latest_notarized

from .models import Heartbeat
from .services import WORKER


@dataclasses.dataclass(frozen=True)
class Notarization:
    """How far notarization has come: entries in the ledger, in the newest notarized checkpoint."""

    size: int
    notarized_size: int
    checkpoint_time: datetime | None
    oldest_waiting_time: datetime | None

    @property
    def waiting(self) -> int:
        return max(0, self.size - self.notarized_size)


def notarization() -> Notarization:
    """The ledger's size, its newest notarized checkpoint and its oldest entry not yet in one."""
    last_seq = Entry.objects.aggregate(last=Max("seq"))["last"]
    size = 0 if last_seq is None else last_seq + 1
    checkpoint = latest_notarized()
    notarized_size = checkpoint.size if checkpoint else 0
    oldest_waiting = None
    if size > notarized_size:
        oldest_waiting = (
            Entry.objects.filter(seq=notarized_size).values_list("time", flat=True).first()
        )
    return Notarization(
        size=size,
        notarized_size=notarized_size,
        checkpoint_time=checkpoint.created if checkpoint else None,
        oldest_waiting_time=oldest_waiting,
    )


def last_heartbeat(source: str = WORKER) -> datetime | None:
    """When the source last wrote its heartbeat, or None if it never has."""
    return Heartbeat.objects.filter(source=source).values_list("time", flat=True).first()


def seconds_since(moment: datetime) -> float:
    return max(0.0, (timezone.now() - moment).total_seconds())
