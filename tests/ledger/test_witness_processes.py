"""The notary and three witness servers run as separate processes, over loopback HTTP.

Each witness is ``python -m ledger.witness_server serve`` with only its own key; the notary knows
each by its verifier key and URL (EPORT_WITNESSES), quorum 2, EPORT_WITNESS_TIMEOUT 1 s. A witness
that is stopped or frozen costs at most the timeout; one that answers with a cosignature that does
not verify is a failure, never stored; a rewritten history is refused by every member.
"""

import logging
import time

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from ledger import notary, witness
from ledger.models import Cosignature, Entry, WitnessRefusal, WitnessState

from .notary_support import WITNESSES, append, ledger_keys, rewrite_history, tamper  # noqa: F401
from .witness_processes import WITNESS_TIMEOUT, WitnessProcess, members_fixture  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("members")]

# A behaviour bound, not a speed figure: the call waits the timeout, then a little bookkeeping.
BOUND = WITNESS_TIMEOUT + 2.0


def results(outcomes) -> dict[str, str]:
    return {name: outcome.result for name, outcome in outcomes.items()}


def timed_notarize():
    started = time.monotonic()
    checkpoint = notary.notarize(cosign="inline")
    return checkpoint, time.monotonic() - started


def test_three_witnesses_cosign_and_each_shows_what_it_cosigned(members):
    append(3)

    checkpoint = notary.notarize(cosign="inline")

    assert notary.is_notarized(checkpoint)
    assert set(checkpoint.cosignatures.values_list("witness", flat=True)) == set(WITNESSES)
    for member in members:
        shown = member.get()
        line = Cosignature.objects.get(checkpoint=checkpoint, witness=member.name).line
        assert shown.startswith(checkpoint.note)
        assert line in shown
        assert f"\n{checkpoint.size}\n" in shown
    assert not WitnessRefusal.objects.exists()


def test_a_stopped_witness_delays_nothing_beyond_the_timeout(members):
    append(2)
    notary.notarize(cosign="inline")
    stopped = members["bank.witness"]
    stopped.stop()
    append(2)

    checkpoint, elapsed = timed_notarize()

    assert elapsed < BOUND
    assert notary.is_notarized(checkpoint)
    assert set(checkpoint.cosignatures.values_list("witness", flat=True)) == {
        "customs.witness",
        "commerce.witness",
    }
    outcomes = witness.catch_up()
    assert results(outcomes) == {"bank.witness": "failed"}
    assert "unreachable" in outcomes["bank.witness"].detail
    assert not WitnessRefusal.objects.exists()


def test_a_frozen_witness_delays_nothing_beyond_the_timeout(members, caplog):
    append(2)
    notary.notarize(cosign="inline")
    frozen = members["customs.witness"]
    frozen.freeze()
    append(2)

    asked = timezone.now()
    with caplog.at_level(logging.WARNING, logger="ledger.witness"):
        checkpoint, elapsed = timed_notarize()

    assert elapsed < BOUND  # the frozen one costs at most the timeout
    assert notary.is_notarized(checkpoint)
    # the quorum's cosignatures were stored as they came, not when the frozen one timed out
    stored = checkpoint.cosignatures.values_list("created", flat=True)
    assert all((created - asked).total_seconds() < WITNESS_TIMEOUT for created in stored)
    assert set(checkpoint.cosignatures.values_list("witness", flat=True)) == {
        "commerce.witness",
        "bank.witness",
    }
    assert any("customs.witness is unreachable" in r.getMessage() for r in caplog.records)
    started = time.monotonic()
    outcomes = witness.catch_up()
    assert time.monotonic() - started < BOUND
    assert results(outcomes) == {"customs.witness": "failed"}
    assert not WitnessRefusal.objects.exists()
    # Thawed, it catches up with the latest in one step.
    frozen.thaw()
    assert results(witness.catch_up()) == {"customs.witness": "cosigned"}
    assert WitnessState.objects.get(witness="customs.witness").size == checkpoint.size


def test_with_every_witness_down_entries_are_kept_and_notarization_catches_up(
    members,
):
    append(2)
    first = notary.notarize(cosign="inline")
    assert notary.is_notarized(first)
    members.stop()

    signed = []
    for _ in range(3):
        append(2)
        checkpoint, elapsed = timed_notarize()
        assert elapsed < BOUND
        signed.append(checkpoint)
    assert Entry.objects.count() == signed[-1].size
    assert [c.size for c in signed] == [first.size + 2, first.size + 4, first.size + 6]
    assert not any(notary.is_notarized(c) for c in signed)
    assert notary.latest_notarized().size == first.size
    assert set(results(witness.catch_up()).values()) == {"failed"}
    assert not WitnessRefusal.objects.exists()

    # The same servers return on their own key and state files, on new ports.
    members.start()
    for member in members:
        assert member.get().startswith(first.note)  # what it cosigned survived the restart

    outcomes = witness.catch_up()

    assert results(outcomes) == dict.fromkeys(WITNESSES, "cosigned")
    latest = signed[-1]
    assert notary.is_notarized(latest)
    assert notary.latest_notarized().size == latest.size
    for member in members:
        assert member.get().startswith(latest.note)
        # each extended its kept state, no resync needed (a refusal logs "refused <origin>: 409")
        assert ": 409 " not in member.log()
    assert not WitnessRefusal.objects.exists()


def test_a_witness_the_log_forgot_answers_409_and_the_log_follows(members):
    append(3)
    first = notary.notarize(cosign="inline")
    assert set(first.cosignatures.values_list("witness", flat=True)) == set(WITNESSES)
    WitnessState.objects.all().delete()  # the log lost what it knew of its witnesses
    append(4)

    checkpoint = notary.notarize(cosign="inline")

    assert set(checkpoint.cosignatures.values_list("witness", flat=True)) == set(WITNESSES)
    assert notary.is_notarized(checkpoint)
    for member in members:
        # the log first sent old 0; the witness named the size it holds and the log proved from it
        assert f"old size 0 is not the latest cosigned size {first.size}" in member.log()
        assert member.get().startswith(checkpoint.note)
    assert set(WitnessState.objects.values_list("witness", "size")) == {
        (name, checkpoint.size) for name in WITNESSES
    }
    assert not WitnessRefusal.objects.exists()


def test_a_rewritten_history_is_refused_by_every_member_and_shown_to_auditors(
    members, client, caplog
):
    # Given a ledger of 6 entries that all three members cosigned
    append(5)
    honest = notary.notarize(cosign="inline")
    assert honest.size == 6
    assert honest.cosignatures.count() == 3
    # when the operator rewrites entry 2 and rebuilds the tree and checkpoints from scratch
    forged = rewrite_history()
    assert forged.size == 9

    # then every member's process refuses it (422), each refusal is stored and logged at ERROR
    with caplog.at_level(logging.ERROR, logger="ledger.witness"):
        outcomes = witness.catch_up()

    assert results(outcomes) == dict.fromkeys(WITNESSES, "refused")
    assert not notary.is_notarized(forged)
    assert not forged.cosignatures.exists()
    refusals = list(WitnessRefusal.objects.order_by("witness"))
    assert [r.witness for r in refusals] == sorted(WITNESSES)
    for refusal in refusals:
        assert (refusal.size, refusal.signed_size) == (9, 6)
        assert "422 (the proof fails): consistency proof 6 to 9 fails" in refusal.reason
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 3
    assert all("WITNESS REFUSAL" in r.getMessage() for r in errors)
    for member in members:
        assert member.get().startswith(honest.note)  # each still holds the honest history
        assert "refused eport.localhost/ledger: 422" in member.log()

    # and the refusals reach the auditor's checkpoints page
    auditor = get_user_model().objects.create_user("audra", role="auditor")
    client.force_login(auditor)
    page = client.get("/audit/checkpoints/")
    assert page.status_code == 200
    html = page.content.decode()
    for name in WITNESSES:
        assert name in html
    assert html.count("consistency proof 6 to 9 fails") >= 3


def test_a_witness_configured_with_the_wrong_key_is_a_failure_and_nothing_is_stored(
    members, settings, tmp_path
):
    bank = members["bank.witness"]
    impostor_key = WitnessProcess("bank.witness", tmp_path / "other", bank.log_key).verifier_key
    settings.EPORT_WITNESSES = [
        member.setting if member is not bank else f"{impostor_key} {bank.url}" for member in members
    ]
    append(2)

    checkpoint = notary.notarize(cosign="inline")

    assert notary.is_notarized(checkpoint)  # the other two make the quorum
    outcomes = witness.catch_up()
    assert results(outcomes) == {"bank.witness": "failed"}
    assert "no valid cosignature" in outcomes["bank.witness"].detail
    assert not Cosignature.objects.filter(witness="bank.witness").exists()
    assert not WitnessState.objects.filter(witness="bank.witness").exists()
    assert not WitnessRefusal.objects.exists()
