"""ledger.services.record: what an entry holds, and what is refused before anything is written."""

import hashlib
import json

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction

from ledger.models import AppendOnlyError, Entry
from ledger.services import GENESIS_PREV, LedgerError, record


@pytest.mark.smoke
@pytest.mark.django_db
def test_first_record_writes_genesis_then_the_entry(settings):
    entry = record(
        actor="system:test",
        action="thing.created",
        subject="thing:1",
        data={"name": "crate", "weight": "12.50"},
    )

    genesis = Entry.objects.get(seq=0)
    assert json.loads(bytes(genesis.canonical)) == {
        "v": 1,
        "seq": 0,
        "time": genesis.content["time"],
        "actor": "system:ledger",
        "action": "ledger.genesis",
        "subject": f"ledger:{settings.EPORT_LEDGER_ORIGIN}",
        "data": {"origin": settings.EPORT_LEDGER_ORIGIN},
        "prev": GENESIS_PREV,
    }
    assert entry.seq == 1
    assert entry.content["prev"] == hashlib.sha256(bytes(genesis.canonical)).hexdigest()
    assert entry.data == {"name": "crate", "weight": "12.50"}
    assert bytes(entry.hash) == hashlib.sha256(bytes(entry.canonical)).digest()


@pytest.mark.django_db
def test_entry_time_is_rfc3339_utc_with_microseconds():
    entry = record(actor="system:test", action="thing.created", subject="thing:1", data={})
    assert entry.content["time"].endswith("Z")
    assert len(entry.content["time"]) == len("2026-11-27T20:22:59.123456Z")


@pytest.mark.django_db
def test_a_user_actor_is_recorded_by_id():
    user = get_user_model().objects.create_user("ann", password="x-very-long-password")
    entry = record(actor=user, action="thing.created", subject="thing:1", data={})
    assert entry.actor == f"user:{user.pk}"


@pytest.mark.django_db
def test_entries_are_append_only_in_python():
    entry = record(actor="system:test", action="thing.created", subject="thing:1", data={})
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"data": {"rate": 0.13}}, "float"),
        ({"data": {"n": 2**60}}, "outside"),
        ({"data": {"when": object()}}, "not a JSON value"),
        ({"data": ["not", "an", "object"]}, "must be an object"),
        ({"actor": "bob"}, "actor 'bob' is malformed"),
        ({"actor": "user:abc"}, "malformed"),
        ({"actor": "system:"}, "malformed"),
        ({"subject": "declaration"}, "subject 'declaration' is malformed"),
        ({"subject": "declaration:has space"}, "malformed"),
        ({"subject": "Declaration:1"}, "malformed"),
        ({"action": "submitted"}, "action 'submitted' is malformed"),
        ({"action": "Declaration.Submitted"}, "malformed"),
    ],
)
@pytest.mark.django_db
def test_bad_arguments_are_refused_before_anything_is_written(kwargs, message):
    arguments = {
        "actor": "system:test",
        "action": "thing.created",
        "subject": "thing:1",
        "data": {},
    } | kwargs
    with pytest.raises(LedgerError, match=message):
        record(**arguments)
    assert not Entry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_no_entry():
    record(actor="system:test", action="thing.created", subject="thing:1", data={})

    with pytest.raises(RuntimeError), transaction.atomic():
        record(actor="system:test", action="thing.updated", subject="thing:1", data={})
        raise RuntimeError("the state change failed")

    assert list(Entry.objects.values_list("seq", flat=True)) == [0, 1]
    after = record(actor="system:test", action="thing.updated", subject="thing:1", data={})
    assert after.seq == 2
