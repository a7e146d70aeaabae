"""What the reconciliation reports, and the ledger's latest word on a subject.

Shared by the state reconciliation (``reconcile``) and the settlement check (``settlements``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import connection
from django.db.models import Max

from ledger.models import Entry


@dataclass(frozen=True)
class Finding:
    """One subject the reconciliation found wrong (``kind``: one of ``Mismatch.Kind``).

    ``detail`` says in words what is wrong where the kind alone does not (a settlement's amounts).
    """

    kind: str
    subject: str
    number: str = ""
    entry_seq: int | None = None
    ledger_state: str = ""
    live_state: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Latest:
    """A subject's latest ledger entry: its number, action and recorded ``state`` (if any)."""

    seq: int
    action: str
    state: str | None


def latest_entries(subjects: list[str]) -> dict[str, Latest]:
    """The latest entry of each subject, in one indexed query (DISTINCT ON on PostgreSQL)."""
    if not subjects:
        return {}
    entries = Entry.objects.filter(subject__in=subjects)
    if connection.vendor == "postgresql":
        rows = entries.order_by("subject", "-seq").distinct("subject")
    else:
        latest = entries.values("subject").annotate(last=Max("seq")).values("last")
        rows = Entry.objects.filter(seq__in=latest)
    found = {}
    for subject, seq, action, raw in rows.values_list("subject", "seq", "action", "canonical"):
        data = json.loads(bytes(raw)).get("data")
        state = data.get("state") if isinstance(data, dict) else None
        found[subject] = Latest(seq, action, state if isinstance(state, str) else None)
    return found
