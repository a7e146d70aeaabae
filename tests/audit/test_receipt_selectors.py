"""The one receipt selector (eport.declarations.selectors.declaration_receipt) and its rules."""

import pytest
from django.http import Http404

from eport.declarations.models import Declaration
from eport.declarations.selectors import declaration_ledger, declaration_receipt
from ledger import keys, notary
from ledger.receipts import ReceiptUnavailable
from ledger.selectors import EntryNotFound
from ledger.verify_receipt import verify_receipt
from tests.declarations import factories as f

pytestmark = pytest.mark.django_db


def test_a_trader_gets_the_receipt_of_its_own_declarations_latest_entry(released, world):
    receipt = declaration_receipt(world.trader, released)

    assert receipt["index"] == declaration_ledger(released).entries[-1].seq
    assert receipt["subject"]["number"] == released.number
    assert verify_receipt(receipt, keys.verifier_keys(), quorum=2).valid


def test_a_trader_never_gets_another_companys_receipt(released, world):
    with pytest.raises(Http404):
        declaration_receipt(world.trader2, released)


def test_an_officer_of_another_office_gets_no_receipt_and_an_auditor_does(released, world):
    with pytest.raises(Http404):
        declaration_receipt(world.beijing_officer, released)

    assert declaration_receipt(world.auditor, released)["index"] >= 0


def test_an_older_entry_gets_a_receipt_without_the_snapshot(released, world):
    first = declaration_ledger(released).entries[0]

    receipt = declaration_receipt(world.trader, released, first.seq)

    assert receipt["index"] == first.seq
    assert "subject" not in receipt


def test_no_receipt_carries_the_snapshot_once_the_declaration_no_longer_matches_its_latest_entry(
    released, world
):
    # Changed behind the services' back: the live row is no longer what the ledger recorded.
    Declaration.objects.filter(pk=released.pk).update(lrn="CHANGED-OUTSIDE")
    released.refresh_from_db()

    ledger = declaration_ledger(released)
    receipt = declaration_receipt(world.trader, released)

    assert ledger.snapshot is None
    assert all(ledger.subject_for(entry) is None for entry in ledger.entries)
    assert "subject" not in receipt


def test_an_entry_of_another_subject_is_not_found(released, world):
    other = f.submitted(world.trader, lane="green", lrn="LRN-OTHER")
    notary.notarize_pending(cosign="inline")
    others_entry = declaration_ledger(other).entries[0]

    with pytest.raises(EntryNotFound, match="not about this declaration"):
        declaration_receipt(world.trader, released, others_entry.seq)


def test_an_entry_not_yet_notarized_is_unavailable_rather_than_missing(world, ledger_keys):
    submitted = f.submitted(world.trader, lane="green")

    with pytest.raises(ReceiptUnavailable):
        declaration_receipt(world.trader, submitted)
