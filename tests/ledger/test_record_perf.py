"""record() on PostgreSQL: one round trip per entry; the entry it returns is the row it wrote."""

import hashlib

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ledger.models import Entry
from ledger.services import ensure_genesis, record

pytestmark = pytest.mark.django_db


def assert_returned_is_stored(entry: Entry) -> None:
    stored = Entry.objects.get(seq=entry.seq)
    assert bytes(entry.canonical) == bytes(stored.canonical)
    assert bytes(entry.hash) == bytes(stored.hash)
    assert bytes(entry.hash) == hashlib.sha256(bytes(entry.canonical)).digest()
    assert entry.time == stored.time
    assert entry.content["time"] == stored.content["time"]
    assert entry.content["seq"] == entry.seq
    assert (entry.actor, entry.action, entry.subject) == (
        stored.actor,
        stored.action,
        stored.subject,
    )


def test_each_record_is_one_statement_in_the_callers_transaction(postgresql):
    ensure_genesis()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        for n in range(3):
            record(actor="system:test", action="thing.created", subject=f"thing:{n}", data={})
    assert len(queries) == 3
    assert all("ledger_append_entry" in query["sql"] for query in queries)


def test_an_empty_ledger_costs_the_genesis_entry_and_one_retry(postgresql):
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        entry = record(actor="system:test", action="thing.created", subject="thing:1", data={})
    assert entry.seq == 1
    assert len(queries) == 3  # the append that finds no head, the genesis INSERT, the append
    assert_returned_is_stored(entry)


def test_the_returned_entry_is_the_stored_row_across_digit_counts_and_escapes(postgresql):
    ensure_genesis()
    # A subject with characters JSON escapes, data beyond ASCII, and seq from one to two digits.
    for n in range(12):
        entry = record(
            actor="user:7",
            action="thing.renamed",
            subject=f'thing:a"b\\c,{n}',
            data={"name": "Präzision 精密 🚢", "n": n, "nested": {"list": [1, "2", None]}},
        )
        assert entry.seq == n + 1
        assert_returned_is_stored(entry)
