"""ledger.selectors: the entries about one subject, and the state each recorded."""

import pytest

from ledger.selectors import entries_about, recorded_state
from ledger.services import record

pytestmark = pytest.mark.django_db


def test_entries_about_a_subject_are_only_its_own_oldest_first():
    first = record(actor="system:test", action="thing.made", subject="thing:1", data={})
    record(actor="system:test", action="thing.made", subject="thing:2", data={})
    second = record(actor="system:test", action="thing.changed", subject="thing:1", data={})

    assert [entry.seq for entry in entries_about("thing:1")] == [first.seq, second.seq]


def test_a_subject_with_no_entries_has_none():
    assert list(entries_about("thing:nothing")) == []


def test_recorded_state_is_the_entrys_data_state_or_none():
    with_state = record(
        actor="system:test", action="thing.made", subject="thing:1", data={"state": "ab" * 32}
    )
    without = record(actor="system:test", action="thing.noted", subject="thing:1", data={})
    odd = record(actor="system:test", action="thing.noted", subject="thing:1", data={"state": 1})

    assert recorded_state(with_state) == "ab" * 32
    assert recorded_state(without) is None
    assert recorded_state(odd) is None
