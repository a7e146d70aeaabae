"""Ledger entries as a page's timeline shows them: who (by name), what, when, and the link."""

from django.urls import reverse

from eport.accounts.selectors import actor_names


def timeline_rows(entries) -> list[dict]:
    """One row per entry, with people's and components' names read in one query."""
    people = actor_names(entry.actor for entry in entries)
    # One reverse() for every row: each entry's public page differs only by its number.
    entry_url = reverse("ledger:entry", args=["0"])[:-1]
    return [
        {
            "seq": entry.seq,
            "url": f"{entry_url}{entry.seq}",
            "time": entry.time,
            "actor": people.get(entry.actor, entry.actor),
            "action": entry.action,
            "hash": bytes(entry.hash).hex(),
            "data": entry.data if isinstance(entry.data, dict) else {},
        }
        for entry in entries
    ]
