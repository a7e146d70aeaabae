"""Witnesses cosign only checkpoints that consistently extend what they signed before.

These use development witnesses: the witness program itself (``ledger.witness_server.Witness``)
run in the test process, reached through the same protocol as a member's server over HTTP.
"""

import logging

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from ledger import keys, merkle, notary, witness
from ledger.models import Checkpoint, Cosignature, WitnessRefusal, WitnessState
from ledger.notes import Signer, checkpoint_body, generate_signer, sign_note

from .notary_support import WITNESSES, append, leaf_hashes, ledger_keys, rewrite_history, tamper  # noqa: F401

pytestmark = [pytest.mark.usefixtures("ledger_keys"), pytest.mark.django_db]


def make_checkpoint(count: int) -> Checkpoint:
    append(count)
    return notary.notarize(cosign="none")


def test_a_first_signature_needs_no_proof_and_is_remembered():
    checkpoint = make_checkpoint(3)

    cosignature = witness.cosign("customs.witness", checkpoint)

    assert cosignature.line.startswith("— customs.witness ")
    state = WitnessState.objects.get(witness="customs.witness")
    assert (state.size, bytes(state.root)) == (4, bytes(checkpoint.root))


def test_a_witness_signs_a_consistent_extension_and_moves_on():
    first = make_checkpoint(3)
    witness.cosign("customs.witness", first)
    second = make_checkpoint(10)

    assert witness.cosign("customs.witness", second) is not None

    assert WitnessState.objects.get(witness="customs.witness").size == 14
    assert not WitnessRefusal.objects.exists()


def test_cosigning_twice_returns_the_same_signature():
    checkpoint = make_checkpoint(2)
    once = witness.cosign("bank.witness", checkpoint)
    again = witness.cosign("bank.witness", checkpoint)
    assert once.pk == again.pk
    assert Cosignature.objects.filter(witness="bank.witness").count() == 1


def test_catch_up_asks_every_witness_behind_for_the_latest_checkpoint_only():
    first = make_checkpoint(2)
    witness.cosign("commerce.witness", first)
    make_checkpoint(3)
    latest = make_checkpoint(4)

    outcomes = witness.catch_up()

    assert {name: o.result for name, o in outcomes.items()} == dict.fromkeys(WITNESSES, "cosigned")
    assert set(latest.cosignatures.values_list("witness", flat=True)) == set(WITNESSES)
    # commerce proved 3 -> 10 in one step; the checkpoint between stays unsigned
    assert WitnessState.objects.get(witness="commerce.witness").size == latest.size
    assert notary.is_notarized(latest)
    assert witness.catch_up() == {}


def test_a_size_that_went_backwards_is_refused_recorded_and_alarmed(caplog):
    older = make_checkpoint(2)
    newer = make_checkpoint(2)
    witness.cosign("customs.witness", newer)

    with caplog.at_level(logging.ERROR, logger="ledger.witness"):
        assert witness.cosign("customs.witness", older) is None

    refusal = WitnessRefusal.objects.get()
    assert (refusal.witness, refusal.size, refusal.signed_size) == ("customs.witness", 3, 5)
    assert "it already cosigned size 5" in refusal.reason
    assert any(
        record.levelno == logging.ERROR and "WITNESS REFUSAL" in record.getMessage()
        for record in caplog.records
    )
    assert not Cosignature.objects.filter(checkpoint=older, witness="customs.witness").exists()


def test_a_rewritten_history_is_refused_by_every_witness(caplog):
    # Given a notarized ledger whose witnesses all signed size 6
    honest = make_checkpoint(5)
    for name in keys.witness_names():
        witness.cosign(name, honest)
    # when the operator rewrites entry 2 and rebuilds the tree and checkpoints from scratch
    forged = rewrite_history()
    assert forged.size == 9

    # then no witness cosigns it, each refusal is stored and logged at ERROR
    with caplog.at_level(logging.ERROR, logger="ledger.witness"):
        notary.request_cosignatures("inline")

    assert not notary.is_notarized(forged)
    assert not forged.cosignatures.exists()
    refusals = WitnessRefusal.objects.order_by("witness")
    assert [r.witness for r in refusals] == sorted(keys.witness_names())
    assert all(r.size == 9 and r.signed_size == 6 for r in refusals)
    assert all(
        "422 (the proof fails): consistency proof 6 to 9 fails" in r.reason for r in refusals
    )
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 3
    assert notary.latest_notarized() is None  # nothing newer is served


def test_a_tree_whose_stored_subtree_was_altered_is_refused():
    first = make_checkpoint(7)  # 8 leaves: one perfect subtree (3, 0)
    witness.cosign("customs.witness", first)
    tamper('UPDATE ledger_node SET hash = %s WHERE level = 3 AND "index" = 0', [bytes(32)])
    second = make_checkpoint(2)

    assert witness.cosign("customs.witness", second) is None
    assert "consistency proof" in WitnessRefusal.objects.get().reason


def test_two_roots_for_one_size_are_refused():
    checkpoint = make_checkpoint(2)
    witness.cosign("customs.witness", checkpoint)
    other_root = bytes(31) + b"\x01"
    body = checkpoint_body("eport.localhost/ledger", checkpoint.size, other_root)
    forged = Checkpoint(
        size=checkpoint.size,
        root=other_root,
        note=sign_note(body, [keys.ledger_signer()]),
        created=timezone.now(),
    )
    # The stored cosignature for this size belongs to the honest checkpoint; drop it so the
    # witness has to compare roots.
    tamper("DELETE FROM ledger_cosignature")
    assert witness.cosign("customs.witness", forged) is None
    assert "different root for size 3" in WitnessRefusal.objects.get().reason


def test_a_checkpoint_not_signed_by_the_ledger_key_is_refused():
    checkpoint = make_checkpoint(2)
    impostor = Signer.from_string(generate_signer("eport.localhost/ledger")[0])
    body = checkpoint_body("eport.localhost/ledger", checkpoint.size, bytes(checkpoint.root))
    forged = Checkpoint(
        size=checkpoint.size,
        root=checkpoint.root,
        note=sign_note(body, [impostor]),
        created=timezone.now(),
    )

    assert witness.cosign("bank.witness", forged) is None
    assert "403 (not the ledger's signature)" in WitnessRefusal.objects.get().reason


def test_a_refusal_is_stored_once_but_alarmed_every_time(caplog):
    older = make_checkpoint(1)
    newer = make_checkpoint(1)
    witness.cosign("customs.witness", newer)
    with caplog.at_level(logging.ERROR, logger="ledger.witness"):
        witness.cosign("customs.witness", older)
        witness.cosign("customs.witness", older)
    assert WitnessRefusal.objects.count() == 1
    assert len([r for r in caplog.records if r.levelno == logging.ERROR]) == 2


def test_refusals_are_visible_to_auditors_in_the_admin(client):
    older = make_checkpoint(1)
    newer = make_checkpoint(1)
    witness.cosign("customs.witness", newer)
    witness.cosign("customs.witness", older)
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)

    page = client.get("/admin/ledger/witnessrefusal/")

    assert page.status_code == 200
    assert "it already cosigned size 3" in page.content.decode()


def test_an_unknown_witness_cannot_cosign():
    checkpoint = make_checkpoint(1)
    with pytest.raises(ValueError, match="not a configured witness"):
        witness.cosign("stranger.witness", checkpoint)


def test_the_served_note_carries_cosignatures_in_signing_order():
    checkpoint = make_checkpoint(1)
    witness.cosign("bank.witness", checkpoint)
    witness.cosign("customs.witness", checkpoint)

    lines = notary.signed_note(checkpoint).split("\n\n", 1)[1].splitlines()

    assert [line.split()[1] for line in lines] == [
        "eport.localhost/ledger",
        "bank.witness",
        "customs.witness",
    ]
    assert merkle.root_from_leaves(leaf_hashes()) == bytes(checkpoint.root)
