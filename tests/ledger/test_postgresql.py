"""What only the database can guarantee: serialized appends and append-only tables."""

import hashlib
import json
import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
import rfc8785
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.db.utils import IntegrityError

from ledger.models import Entry
from ledger.services import record
from ledger.verify import verify_chain

from .factories import append

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def database_url() -> str:
    settings = connection.settings_dict
    return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


def test_eight_concurrent_processes_make_one_gap_free_chain(postgresql):
    workers, per_worker = 8, 60
    env = os.environ | {"DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "tests.settings"}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.ledger.append_worker", str(n), str(per_worker)],
            cwd=ROOT,
            env=env,
        )
        for n in range(workers)
    ]
    assert [process.wait(timeout=120) for process in processes] == [0] * workers

    seqs = list(Entry.objects.values_list("seq", flat=True))
    assert seqs == list(range(workers * per_worker + 1))
    report = verify_chain()
    assert report.ok, report.failure
    per_actor = Counter(Entry.objects.exclude(seq=0).values_list("actor", flat=True))
    assert per_actor == {f"system:worker{n}": per_worker for n in range(workers)}


def test_the_database_refuses_update_delete_and_truncate(postgresql):
    append(2)
    statements = [
        "UPDATE ledger_entry SET actor = 'system:forger' WHERE seq = 1",
        "DELETE FROM ledger_entry WHERE seq = 1",
        # The test settings allow TRUNCATE for flushing; production sessions never do.
        "SET LOCAL eport.allow_truncate = 'off'; TRUNCATE ledger_entry",
    ]
    for statement in statements:
        with (
            pytest.raises(IntegrityError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert Entry.objects.count() == 3
    assert verify_chain().ok


def tamper(sql: str, params=()) -> None:
    """Change the ledger behind the application's back, as a superuser can."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


def test_verify_ledger_names_an_entry_altered_with_triggers_bypassed(postgresql, capsys):
    append(5)
    raw = bytes(Entry.objects.get(seq=3).canonical)
    tamper(
        "UPDATE ledger_entry SET canonical = %s WHERE seq = 3", [raw.replace(b'"n":2', b'"n":7')]
    )

    with pytest.raises(CommandError, match="ledger BROKEN at entry 3") as error:
        call_command("verify_ledger")

    assert error.value.returncode == 1
    assert "entry 3: the stored hash column does not match the entry's bytes" in (
        capsys.readouterr().err
    )


def test_a_rewritten_entry_with_a_fixed_hash_breaks_the_next_link(postgresql):
    append(5)
    raw = bytes(Entry.objects.get(seq=2).canonical).replace(b'"n":1', b'"n":9')

    tamper(
        "UPDATE ledger_entry SET canonical = %s, hash = %s WHERE seq = 2",
        [raw, hashlib.sha256(raw).digest()],
    )

    report = verify_chain()
    assert report.failure.seq == 3
    assert "prev does not match the hash of entry 2" in report.failure.problem
    assert report.failure.expected == hashlib.sha256(raw).hexdigest()


def test_a_deleted_entry_is_reported_as_a_gap(postgresql):
    append(4)
    tamper("DELETE FROM ledger_entry WHERE seq = 2")
    report = verify_chain()
    assert (report.failure.seq, report.failure.problem) == (
        2,
        "entry is missing: the sequence has a gap",
    )


def test_a_changed_index_column_is_reported(postgresql):
    append(3)
    tamper("UPDATE ledger_entry SET actor = 'system:someone_else' WHERE seq = 2")
    report = verify_chain()
    assert report.failure.seq == 2
    assert "actor column" in report.failure.problem


def test_appends_wait_for_each_other_instead_of_forking(postgresql):
    """A second writer blocks on the advisory lock until the first commits, then follows it."""
    append(1)
    first_has_lock = threading.Event()
    release_first = threading.Event()
    results = {}

    def first():
        with transaction.atomic():
            results["first"] = record(
                actor="system:a", action="thing.touched", subject="thing:1", data={}
            ).seq
            first_has_lock.set()
            release_first.wait(10)
        connections.close_all()

    def second():
        first_has_lock.wait(10)
        with transaction.atomic():
            results["second"] = record(
                actor="system:b", action="thing.touched", subject="thing:1", data={}
            ).seq
        connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_has_lock.wait(10)
    threads[1].join(0.5)
    assert threads[1].is_alive(), "the second writer should be waiting for the lock"
    release_first.set()
    for thread in threads:
        thread.join(10)
    assert results == {"first": 2, "second": 3}
    assert verify_chain().ok


def test_entries_finished_by_the_database_are_exactly_rfc8785(postgresql):
    """The append query completes prev, seq and time in SQL; the bytes must still be canonical."""
    tricky = [
        ('thing:a"quote', {"text": 'línea\n\t"quoted" \\ back', "n": -(2**53 - 1)}),
        ("thing:back\\slash", {"\U0001f600": "astral key", "\ufb33": 1, "nested": [None, True]}),
        ("thing:~!#$%&'()*+,-./", {"empty": {}, "list": [], "zero": 0, "unicode": "\u2028€"}),
    ]
    for subject, data in tricky:
        entry = record(actor="system:test", action="thing.touched", subject=subject, data=data)
        stored = bytes(Entry.objects.get(seq=entry.seq).canonical)
        assert stored == bytes(entry.canonical)
        assert stored == rfc8785.dumps(json.loads(stored))
        assert json.loads(stored)["data"] == data
        assert json.loads(stored)["subject"] == subject
        assert bytes(entry.hash) == hashlib.sha256(stored).digest()
    report = verify_chain()
    assert report.ok, report.failure


def test_entry_times_never_run_backwards(postgresql):
    entries = append(20)
    times = [entry.content["time"] for entry in entries]
    assert times == sorted(times)
    assert all(moment.endswith("Z") and len(moment) == 27 for moment in times)
