"""Notarization: checkpoints made from the database's state, once per size, never skipping."""

import base64
import hashlib
import random
import re
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.db.utils import IntegrityError

from ledger import keys, merkle, notary, proofs
from ledger.models import AppendOnlyError, Checkpoint, Cosignature, Node
from ledger.notes import open_note, parse_checkpoint
from ledger.services import ensure_genesis

from .notary_support import WITNESSES, append, leaf_hashes, ledger_keys, tamper  # noqa: F401

pytestmark = pytest.mark.usefixtures("ledger_keys")


@pytest.mark.django_db
def test_an_empty_ledger_gets_no_checkpoint():
    assert notary.notarize() is None
    assert not Checkpoint.objects.exists()


@pytest.mark.smoke
@pytest.mark.django_db
def test_a_checkpoint_commits_to_every_entry_with_exact_c2sp_bytes():
    append(6)  # genesis + 6

    checkpoint = notary.notarize()

    root = merkle.root_from_leaves(leaf_hashes())
    body = f"eport.localhost/ledger\n7\n{base64.b64encode(root).decode()}\n"
    assert checkpoint.size == 7
    assert bytes(checkpoint.root) == root
    note = notary.signed_note(checkpoint)
    assert note.startswith(body + "\n— eport.localhost/ledger ")
    opened = open_note(note, keys.verifier_keys())
    assert opened.text == body
    # the ledger first, then the witnesses in the order their cosignatures arrived
    assert opened.signed_by[0] == "eport.localhost/ledger"
    assert sorted(opened.signed_by[1:]) == sorted(WITNESSES)
    assert parse_checkpoint(opened.text) == ("eport.localhost/ledger", 7, root)
    assert notary.is_notarized(checkpoint)


@pytest.mark.django_db
def test_the_genesis_entry_alone_makes_a_checkpoint_of_size_one():
    ensure_genesis()
    assert notary.notarize().size == 1


@pytest.mark.django_db
def test_nothing_new_means_no_new_checkpoint():
    append(3)
    first = notary.notarize()

    assert notary.notarize() is None
    assert list(Checkpoint.objects.values_list("size", flat=True)) == [first.size]


@pytest.mark.django_db
def test_later_checkpoints_extend_the_stored_tree_without_rereading_old_entries(
    django_assert_max_num_queries,
):
    append(5)
    notary.notarize()
    append(9)

    checkpoint = notary.notarize(cosign="none")

    leaves = leaf_hashes()
    assert checkpoint.size == 15
    assert bytes(checkpoint.root) == merkle.root_from_leaves(leaves)
    # Every aligned perfect subtree is stored: 2n - popcount(n) nodes for n leaves.
    assert Node.objects.count() == 2 * 15 - (15).bit_count()
    assert Node.objects.filter(level=0).count() == 15


@pytest.mark.django_db
def test_a_limit_splits_a_backlog_into_consecutive_checkpoints():
    append(9)  # 10 entries

    made = [notary.notarize(limit=4, cosign="none") for _ in range(4)]

    assert [c.size if c else None for c in made] == [4, 8, 10, None]
    leaves = leaf_hashes()
    for checkpoint in Checkpoint.objects.all():
        assert bytes(checkpoint.root) == merkle.root_from_leaves(leaves[: checkpoint.size])


@pytest.mark.django_db
def test_checkpoints_are_notarized_only_with_the_witness_quorum(settings):
    append(2)
    checkpoint = notary.notarize(cosign="none")
    assert not notary.is_notarized(checkpoint)
    assert notary.latest_notarized() is None

    from ledger import witness

    witness.cosign("customs.witness", checkpoint)
    assert not notary.is_notarized(checkpoint)
    witness.cosign("bank.witness", checkpoint)
    assert notary.is_notarized(checkpoint)
    assert notary.latest_notarized() == checkpoint

    settings.EPORT_WITNESS_QUORUM = 3
    assert notary.latest_notarized() is None


@pytest.mark.django_db
def test_a_lost_cosignature_request_is_made_good_by_the_next_run():
    append(2)
    checkpoint = notary.notarize(cosign="none")
    assert notary.pending_witnesses() == WITNESSES

    assert notary.notarize() is None  # nothing new, but witnesses catch up

    assert notary.pending_witnesses() == []
    assert set(checkpoint.cosignatures.values_list("witness", flat=True)) == set(WITNESSES)


@pytest.mark.django_db
def test_the_notarize_command_signs_and_reports(capsys):
    append(4)

    call_command("notarize")
    out = capsys.readouterr().out
    assert "checkpoint 5: root " in out
    signers = out.split("notarized, signed by ", 1)[1].strip().split(", ")
    assert signers[0] == "eport.localhost/ledger"
    assert sorted(signers[1:]) == sorted(WITNESSES)

    call_command("notarize")
    assert "no new entries since the last checkpoint" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_notarize_command_names_a_missing_key(settings, tmp_path):
    append(1)
    settings.EPORT_KEYS_DIR = tmp_path / "empty"
    with pytest.raises(CommandError, match=re.escape("no signer key for 'eport.localhost/ledger'")):
        call_command("notarize")
    assert not Checkpoint.objects.exists()


@pytest.mark.django_db
def test_a_tree_that_disagrees_with_the_checkpoints_is_refused_loudly():
    append(3)
    notary.notarize()
    tamper('DELETE FROM ledger_node WHERE level = 0 AND "index" = 3')
    append(1)

    with pytest.raises(
        notary.NotaryError, match="stored tree has 3 leaves but the last checkpoint"
    ):
        notary.notarize()


@pytest.mark.django_db(transaction=True)
def test_concurrent_notarizations_make_one_checkpoint_per_size(postgresql):
    append(300)
    barrier = threading.Barrier(6)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(notary.notarize(cosign="none"))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    made = [checkpoint.size for checkpoint in results if checkpoint is not None]
    assert made == [301]
    assert list(Checkpoint.objects.values_list("size", flat=True)) == [301]
    assert Node.objects.count() == 2 * 301 - (301).bit_count()


@pytest.mark.django_db(transaction=True)
def test_notarizing_while_entries_are_appended_never_skips_one(postgresql):
    append(50)
    stop = threading.Event()

    def writer():
        try:
            while not stop.is_set():
                append(5, subject="thing:busy")
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for _ in range(15):
            notary.notarize(cosign="none")
    finally:
        stop.set()
        thread.join()
    notary.notarize(cosign="none")

    sizes = list(Checkpoint.objects.values_list("size", flat=True))
    assert sizes == sorted(set(sizes))
    leaves = leaf_hashes()
    assert sizes[-1] == len(leaves)
    for checkpoint in Checkpoint.objects.all():
        assert bytes(checkpoint.root) == merkle.root_from_leaves(leaves[: checkpoint.size])
    assert proofs.stored_tree_size() == len(leaves)


@pytest.mark.django_db
def test_checkpoints_and_nodes_are_append_only_in_python():
    append(1)
    checkpoint = notary.notarize()

    with pytest.raises(AppendOnlyError):
        checkpoint.save()
    with pytest.raises(AppendOnlyError):
        Cosignature.objects.first().delete()


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_to_change_checkpoints(postgresql):
    append(1)
    notary.notarize()

    for sql in (
        "UPDATE ledger_checkpoint SET note = 'forged'",
        "DELETE FROM ledger_checkpoint",
        "DELETE FROM ledger_cosignature",
        "UPDATE ledger_node SET hash = hash",
        "SET LOCAL eport.allow_truncate = 'off'; TRUNCATE ledger_cosignature",
    ):
        with (
            pytest.raises(IntegrityError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert Cosignature.objects.count() == 3


def test_the_batched_frontier_extension_equals_appending_leaf_by_leaf():
    rng = random.Random(2)
    for _ in range(300):
        size, count = rng.randrange(0, 300), rng.randrange(1, 300)
        leaves = [hashlib.sha256(str(n).encode()).digest() for n in range(size + count)]
        old = merkle.Frontier()
        old.extend(leaves[:size])
        reference = old.copy()
        completed = reference.extend(leaves[size:])

        extended, batch = notary.extend_frontier(old, leaves[size:])

        assert (extended.size, extended.hashes) == (reference.size, reference.hashes)
        assert sorted(batch) == sorted(tuple(subtree) for subtree in completed)
