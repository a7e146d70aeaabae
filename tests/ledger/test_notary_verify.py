"""verify_ledger recomputes every checkpoint's root from the entries and checks its signatures."""

import hashlib
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ledger import notary
from ledger.canonical import canonical_bytes
from ledger.models import Entry
from ledger.verify_checkpoints import verify_checkpoints

from .notary_support import append, ledger_keys, tamper  # noqa: F401

pytestmark = [pytest.mark.usefixtures("ledger_keys"), pytest.mark.django_db]


def rewrite_from(seq: int, change) -> None:
    """Rewrite entry ``seq`` and re-link every later entry, so the hash chain still verifies."""
    prev = Entry.objects.get(seq=seq - 1).entry_hash
    for entry in Entry.objects.filter(seq__gte=seq).order_by("seq"):
        content = json.loads(bytes(entry.canonical))
        if entry.seq == seq:
            change(content)
        content["prev"] = prev
        raw = canonical_bytes(content)
        tamper(
            "UPDATE ledger_entry SET canonical = %s, hash = %s WHERE seq = %s",
            [raw, hashlib.sha256(raw).digest(), entry.seq],
        )
        prev = hashlib.sha256(raw).hexdigest()


@pytest.mark.smoke
def test_an_intact_notarized_ledger_verifies_chain_and_checkpoints(capsys):
    append(4)
    notary.notarize()
    append(6)
    notary.notarize()

    call_command("verify_ledger")

    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("ledger intact: 11 entries")
    assert out[1].startswith(
        "checkpoints intact: 2 roots recomputed from 11 entries and their signatures verified, "
        "2 notarized (ledger key + 2 witnesses)"
    )


def test_an_entry_rewritten_after_notarization_is_caught_by_the_root(capsys):
    # Given two notarized checkpoints (sizes 4 and 11)
    append(3)
    notary.notarize()
    append(7)
    notary.notarize()
    # when entry 6 is changed and every later entry re-linked, so the chain itself verifies
    rewrite_from(6, lambda content: content["data"].update(n=99))

    with pytest.raises(CommandError, match="checkpoints BROKEN") as error:
        call_command("verify_ledger")

    # then the chain passes, but the checkpoint of size 11 names the changed entry
    captured = capsys.readouterr()
    assert captured.out.startswith("ledger intact: 11 entries")
    assert error.value.returncode == 1
    assert "checkpoint 11: the root recomputed from entries 0–10 is " in captured.err
    assert "entry 6's bytes no longer match the leaf hash stored when it was notarized" in (
        captured.err
    )
    assert "changed entries lie in seq 6–6" in captured.err
    assert "checkpoint 4" not in captured.err


def test_without_stored_leaves_the_range_since_the_last_good_checkpoint_is_named():
    append(3)
    notary.notarize()
    append(7)
    notary.notarize()
    rewrite_from(8, lambda content: content["data"].update(n=42))
    tamper('DELETE FROM ledger_node WHERE level = 0 AND "index" = 8')

    report = verify_checkpoints()

    (problem,) = report.problems
    assert (problem.size, problem.first_entry, problem.last_entry) == (11, 4, 10)
    assert "changed entries lie in seq 4–10" in str(problem)


def test_a_forged_signature_is_reported_by_size():
    append(2)
    notary.notarize()
    tamper(
        "UPDATE ledger_cosignature SET line = %s WHERE witness = 'bank.witness'",
        ["— bank.witness " + "A" * 92 + "==\n"],
    )

    (problem,) = verify_checkpoints().problems

    assert problem.size == 3
    assert "signed note does not verify" in problem.problem


def test_a_checkpoint_row_that_disagrees_with_its_signed_body_is_reported():
    append(2)
    notary.notarize()
    tamper("UPDATE ledger_checkpoint SET root = %s", [bytes(32)])

    problems = verify_checkpoints().problems

    assert problems[0].size == 3
    assert "the checkpoint says AAAA" in problems[0].problem


def test_missing_keys_are_reported_not_crashed(settings, tmp_path):
    append(1)
    notary.notarize()
    settings.EPORT_KEYS_DIR = tmp_path / "none"

    (problem,) = verify_checkpoints().problems

    assert "cannot check signatures: no verifier key for 'eport.localhost/ledger'" in str(problem)


def test_a_range_run_leaves_checkpoints_alone(capsys):
    append(3)
    notary.notarize()
    call_command("verify_ledger", "--from", "1", "--to", "2")
    assert "checkpoints" not in capsys.readouterr().out
