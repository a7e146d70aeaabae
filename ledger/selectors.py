"""Reads of the ledger by subject: the one place that says which entries are about something."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Entry


class EntryNotFound(LookupError):
    """No entry about this subject (with that seq); the message says which."""


def entries_about(subject: str) -> QuerySet[Entry]:
    """Every entry whose subject is ``subject`` (a ``<type>:<id>`` string), oldest first."""
    return Entry.objects.filter(subject=subject).order_by("seq")


def recorded_state(entry: Entry) -> str | None:
    """The state digest the entry recorded (its ``data.state``), or None if it recorded none."""
    data = entry.data
    state = data.get("state") if isinstance(data, dict) else None
    return state if isinstance(state, str) else None
