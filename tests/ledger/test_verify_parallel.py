"""verify_chain in parallel ranges: the same report as one pass, wherever the chain breaks."""

import hashlib
import json
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import verify
from ledger.models import Entry
from ledger.verify import Progress, verify_chain

from .factories import append

pytestmark = pytest.mark.django_db(transaction=True)

SIZE = 40  # entries 0–39: four ranges of ten with workers=4


@pytest.fixture(autouse=True)
def small_ranges(monkeypatch):
    """Ranges of a few entries, so a small ledger is split the way a large one is."""
    monkeypatch.setattr(verify, "MIN_RANGE", 1)


@pytest.fixture
def ledger(postgresql):
    append(SIZE - 1)
    assert Entry.objects.count() == SIZE


def tamper(sql: str, params=()) -> None:
    """Change the ledger behind the application's back, as a superuser can."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


def rewrite(seq: int, *, fix_hash: bool = False) -> None:
    raw = bytes(Entry.objects.get(seq=seq).canonical).replace(b'"data":{"n":', b'"data":{"n":1')
    if fix_hash:
        tamper(
            "UPDATE ledger_entry SET canonical = %s, hash = %s WHERE seq = %s",
            [raw, hashlib.sha256(raw).digest(), seq],
        )
    else:
        tamper("UPDATE ledger_entry SET canonical = %s WHERE seq = %s", [raw, seq])


def fields(report):
    return (
        report.first_seq,
        report.checked,
        report.head_seq,
        report.head_hash,
        report.failure,
    )


def assert_same_as_one_pass(workers: int = 4, **bounds):
    one_pass = verify_chain(workers=1, **bounds)
    parallel = verify_chain(workers=workers, **bounds)
    assert fields(parallel) == fields(one_pass)
    return parallel


def test_the_ledger_is_cut_into_consecutive_ranges():
    assert verify._ranges(0, 39, 4) == [(0, 9), (10, 19), (20, 29), (30, 39)]
    assert verify._ranges(5, 15, 3) == [(5, 8), (9, 12), (13, 15)]
    assert verify._ranges(0, 2, 8) == [(0, 0), (1, 1), (2, 2)]


def test_an_intact_ledger_gives_the_one_pass_report(ledger, caplog):
    with caplog.at_level("INFO", logger="ledger.verify"):
        report = assert_same_as_one_pass()

    assert report.ok
    assert (report.checked, report.head_seq) == (SIZE, SIZE - 1)
    assert "verifying entries 0–39 in 4 processes" in caplog.text


@pytest.mark.parametrize("seq", [3, 9, 10, 22, 29, 30, 39], ids=lambda seq: f"entry{seq}")
def test_a_changed_entry_is_named_in_any_range(ledger, seq):
    rewrite(seq)

    report = assert_same_as_one_pass()

    assert report.failure.seq == seq
    assert report.checked == seq
    assert "stored hash column" in report.failure.problem


@pytest.mark.parametrize("seq", [9, 19, 29], ids=lambda seq: f"entry{seq}")
def test_a_rewritten_last_entry_of_a_range_breaks_the_next_ranges_first_link(ledger, seq):
    # The range after it is anchored on these stored bytes: the seam is checked there.
    rewrite(seq, fix_hash=True)

    report = assert_same_as_one_pass()

    assert report.failure.seq == seq + 1
    assert f"prev does not match the hash of entry {seq}" in report.failure.problem


@pytest.mark.parametrize(
    "missing",
    [[10], [9], [9, 10], [8, 9, 10, 11], [19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30], [38]],
    ids=str,
)
def test_a_gap_at_a_seam_is_reported_as_one_pass_reports_it(ledger, missing):
    tamper("DELETE FROM ledger_entry WHERE seq = ANY(%s)", [missing])

    report = assert_same_as_one_pass()

    assert report.failure.seq == missing[0]
    assert report.failure.problem == "entry is missing: the sequence has a gap"
    assert report.failure.found == str(missing[-1] + 1)


def test_entries_missing_at_the_end_of_a_bounded_range(ledger):
    tamper("DELETE FROM ledger_entry WHERE seq IN (28, 29)")

    report = assert_same_as_one_pass(from_seq=5, to_seq=29)

    assert (report.failure.seq, report.failure.problem) == (
        28,
        "entry is missing at the end of the range",
    )


def test_the_first_of_several_breaks_wins(ledger):
    rewrite(33)
    rewrite(14, fix_hash=True)
    tamper("DELETE FROM ledger_entry WHERE seq = 25")

    report = assert_same_as_one_pass()

    assert report.failure.seq == 15


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    data=st.data(),
    workers=st.integers(min_value=2, max_value=5),
)
def test_any_range_and_worker_count_gives_the_one_pass_report(broken_ledger, data, workers):
    from_seq = data.draw(st.integers(min_value=0, max_value=SIZE + 2), label="from")
    to_seq = data.draw(
        st.one_of(st.none(), st.integers(min_value=from_seq, max_value=SIZE + 5)), label="to"
    )

    assert_same_as_one_pass(workers, from_seq=from_seq, to_seq=to_seq)


@pytest.fixture
def broken_ledger(ledger):
    # Breaks of each kind, so a random range starts, ends or splits near one of them.
    rewrite(7)
    rewrite(16, fix_hash=True)
    tamper("DELETE FROM ledger_entry WHERE seq IN (24, 25)")
    tamper("UPDATE ledger_entry SET actor = 'system:someone_else' WHERE seq = 33")


def test_progress_adds_up_the_ranges(ledger):
    seen: list[Progress] = []

    report = verify_chain(workers=4, on_progress=seen.append, progress_every=0)

    assert report.ok
    assert seen[-1].checked == seen[-1].total == SIZE
    assert [p.checked for p in seen] == sorted(p.checked for p in seen)


def test_inside_a_transaction_the_chain_is_checked_in_one_pass(ledger, caplog):
    # Child processes could not see what the transaction wrote.
    with transaction.atomic(), caplog.at_level("INFO", logger="ledger.verify"):
        append(1)
        report = verify_chain(workers=4)

    assert report.ok and report.checked == SIZE + 1
    assert "processes" not in caplog.text


def test_the_command_reports_the_same_with_any_worker_count(ledger, capsys):
    rewrite(23)
    messages = []
    for workers in ("1", "3"):
        with pytest.raises(CommandError) as error:
            call_command("verify_ledger", "--workers", workers)
        messages.append((str(error.value).split(", last good hash")[0], capsys.readouterr().err))

    assert messages[0] == messages[1]
    assert messages[0][0] == "ledger BROKEN at entry 23: 23 entries before it verified"


def test_the_command_refuses_no_workers(db):
    with pytest.raises(CommandError, match="--workers must be 1 or more"):
        call_command("verify_ledger", "--workers", "0")


@pytest.mark.django_db(transaction=True)
def test_any_database_gives_the_one_pass_report_with_workers():
    # On SQLite the chain is checked in one pass whatever the worker count.
    append(12)
    tamper_free = verify_chain(workers=1)

    assert fields(verify_chain(workers=3)) == fields(tamper_free)
    assert tamper_free.ok and tamper_free.checked == 13


@pytest.mark.parametrize("workers", [1, 4])
@pytest.mark.parametrize("seq", [3, 10, 39])
def test_a_time_column_moved_by_a_microsecond_is_named(ledger, workers, seq):
    """The time column is compared with the entry's bytes to the microsecond, in every range."""
    written = json.loads(bytes(Entry.objects.get(seq=seq).canonical))["time"]
    tamper("UPDATE ledger_entry SET time = time + interval '1 microsecond' WHERE seq = %s", [seq])

    report = verify_chain(workers=workers)

    moved = datetime.fromisoformat(written) + timedelta(microseconds=1)
    assert report.failure == verify.Failure(
        seq=seq,
        problem="the time column does not match the entry's bytes",
        expected=written,
        found=moved.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    )
    assert report.checked == seq
