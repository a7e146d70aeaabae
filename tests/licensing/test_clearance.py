"""Licences at clearance: every problem a citing item can have, and what release writes off."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from eport.licensing.clearance import Citation, citation_problems, write_off
from eport.licensing.errors import LicenceError
from eport.licensing.models import Licence, LicenceUsage
from eport.licensing.snapshot import licence_state
from eport.reference import services as reference
from eport.reference.models import GoodsControl
from ledger.models import Entry

from . import factories as f

TODAY = timezone.localdate
CRUDE, COMPUTER = "2709000000", "8471300000"


@pytest.fixture
def controls(world):
    reference.create_goods_control(
        actor="system:test", hs_prefix="2709", measure=GoodsControl.Measure.IMPORT_LICENCE
    )
    reference.create_goods_control(
        actor="system:test", hs_prefix="2709", measure=GoodsControl.Measure.EXPORT_LICENCE
    )


@pytest.fixture
def licence(world, controls):
    """1,000 KGM and USD 100,000.00 of crude oil, import, valid from today for 180 days."""
    return f.approved_licence(world.trader, officer=world.officer)


def item(line=1, hs_code=CRUDE, quantity="100", unit="KGM", value="10000.00", number=""):
    return Citation(line, hs_code, Decimal(quantity), unit, Decimal(value), number)


def problems(world, *citations, flow="import", currency="USD", on=None, company=None):
    return citation_problems(
        company_id=(company or world.alpha).pk,
        flow=flow,
        currency=currency,
        citations=citations,
        on=on or TODAY(),
    )


def test_a_good_citation_has_no_problem(world, licence):
    assert problems(world, item(number=licence.number), item(2, COMPUTER)) == {}


def test_goods_that_need_a_licence_must_cite_one(world, controls):
    assert problems(world, item(1, COMPUTER), item(2)) == {
        2: [
            "Item 2: goods of HS code 2709000000 need an import licence; cite the number of your "
            "company's approved licence for them."
        ]
    }
    assert problems(world, item(1), flow="export") == {
        1: [
            "Item 1: goods of HS code 2709000000 need an export licence; cite the number of your "
            "company's approved licence for them."
        ]
    }


def test_an_unknown_and_another_companys_licence_read_the_same(world, licence):
    unknown = problems(world, item(number="26-SHCOM-999999"))
    foreign = problems(world, item(number=licence.number), company=world.beta)
    assert unknown == {
        1: [
            "Item 1: your company has no approved licence numbered 26-SHCOM-999999; check the "
            "number on the licence."
        ]
    }
    assert foreign == {1: [unknown[1][0].replace("26-SHCOM-999999", licence.number)]}


def test_a_licence_of_the_other_flow_is_refused(world, licence):
    export = f.approved_licence(world.trader, officer=world.officer, flow="export")
    assert problems(world, item(number=export.number)) == {
        1: [
            f"Item 1: licence {export.number} is an export licence; this declaration needs an "
            "import licence."
        ]
    }


def test_a_licence_covers_only_its_hs_code(world, licence):
    assert problems(world, item(hs_code=COMPUTER, number=licence.number)) == {
        1: [
            f"Item 1: licence {licence.number} covers HS code 2709000000; the item's HS code "
            "8471300000 is not covered by it."
        ]
    }


def test_a_licence_for_a_shorter_hs_code_covers_every_code_under_it(world, controls):
    broad = f.approved_licence(world.trader, officer=world.officer, hs_code="270900")
    assert problems(world, item(hs_code="2709001000", number=broad.number)) == {}


def test_a_licence_is_valid_only_within_its_dates(world, licence):
    before = licence.valid_from - datetime.timedelta(days=1)
    after = licence.valid_until + datetime.timedelta(days=1)
    assert problems(world, item(number=licence.number), on=before) == {
        1: [
            f"Item 1: licence {licence.number} is valid from {licence.valid_from.isoformat()}; "
            "it cannot be used before then."
        ]
    }
    assert problems(world, item(number=licence.number), on=after) == {
        1: [
            f"Item 1: licence {licence.number} expired on {licence.valid_until.isoformat()}; "
            "apply for a new licence."
        ]
    }
    assert problems(world, item(number=licence.number), on=licence.valid_until) == {}


def test_the_unit_and_currency_must_be_the_licences(world, licence):
    assert problems(world, item(unit="TNE", number=licence.number), currency="CNY") == {
        1: [
            f"Item 1: licence {licence.number} counts its quantity in KGM; declare the item's "
            "quantity in KGM too.",
            f"Item 1: licence {licence.number} is in USD, and this declaration is invoiced in "
            "CNY; only a declaration in USD can draw on it.",
        ]
    }


def test_an_item_drawing_more_than_is_left_is_told_how_much_is_left(world, licence):
    assert problems(world, item(quantity="1200.5", number=licence.number)) == {
        1: [
            f"Item 1: licence {licence.number} has 1,000 KGM and USD 100,000.00 left; this "
            "declaration draws 1,200.5 KGM and USD 10,000.00. Declare less, or cite another "
            "licence for the rest."
        ]
    }


def test_every_item_citing_a_licence_counts_against_what_is_left(world, licence):
    one = item(1, quantity="600", number=licence.number)
    # Written as a person might type it: the number is read in capitals.
    two = item(2, quantity="600", value="95000.00", number=licence.number.lower())
    found = problems(world, one, item(3, COMPUTER), two)
    assert set(found) == {1, 2}
    assert found[2] == [
        f"Item 2: licence {licence.number} has 1,000 KGM and USD 100,000.00 left; this "
        "declaration's items 1, 2 draw 1,200 KGM and USD 105,000.00 in all. Declare less, or "
        "cite another licence for the rest."
    ]
    assert problems(world, item(1, quantity="600", number=licence.number)) == {}


# --- write-off --------------------------------------------------------------------------------


def test_release_writes_the_items_off_their_licence(world, licence):
    citations = [
        item(1, quantity="300", value="30000.00", number=licence.number),
        item(2, COMPUTER),
        item(3, quantity="200.5", value="20000.50", number=licence.number),
    ]
    with transaction.atomic():
        write_off(
            company_id=world.alpha.pk,
            citations=citations,
            reference_prefix="220120261000000001",
            actor=world.customs,
        )

    licence.refresh_from_db()
    assert licence.remaining_quantity == Decimal("499.500")
    assert licence.remaining_value == Decimal("49999.50")
    assert [(u.reference, u.quantity, u.value) for u in licence.usages.all()] == [
        ("220120261000000001/1", Decimal("300.000"), Decimal("30000.00")),
        ("220120261000000001/3", Decimal("200.500"), Decimal("20000.50")),
    ]
    entry = Entry.objects.filter(subject=licence.ledger_subject).order_by("seq").last()
    assert entry.action == "licence.written_off"
    assert entry.actor == f"user:{world.customs.pk}"
    assert entry.data["reference"] == "220120261000000001"
    assert entry.data["quantity"] == "500.500"
    assert entry.data["remaining_value"] == "49999.50"
    assert [i["line"] for i in entry.data["items"]] == [1, 3]
    assert entry.data["state"] == licence_state(licence)


def test_a_release_citing_no_licence_writes_nothing(world, licence):
    write_off(
        company_id=world.alpha.pk,
        citations=[item(1, COMPUTER)],
        reference_prefix="X",
        actor="system:test",
    )
    assert not LicenceUsage.objects.exists()


def test_a_write_off_beyond_what_is_left_is_refused_whole(world, licence):
    other = f.approved_licence(world.trader, officer=world.officer)
    citations = [
        item(1, quantity="10", number=other.number),
        item(2, quantity="1000.001", number=licence.number),
    ]
    with pytest.raises(LicenceError) as refused, transaction.atomic():
        write_off(
            company_id=world.alpha.pk,
            citations=citations,
            reference_prefix="DECL-1",
            actor=world.customs,
        )
    assert str(refused.value) == (
        f"Licence {licence.number} has 1,000 KGM and USD 100,000.00 left; releasing DECL-1 would "
        "draw 1,000.001 KGM and USD 10,000.00. Nothing was written off."
    )
    assert not LicenceUsage.objects.exists()
    other.refresh_from_db()
    assert other.remaining_quantity == Decimal("1000.000")


def test_a_licence_that_is_not_approved_is_not_written_off(world, licence):
    with pytest.raises(LicenceError) as refused:
        write_off(
            company_id=world.alpha.pk,
            citations=[item(4, number="26-SHCOM-999999")],
            reference_prefix="D",
            actor="system:x",
        )
    assert str(refused.value) == (
        "Licence 26-SHCOM-999999 cited by item 4 is not an approved licence; nothing was "
        "written off."
    )


def test_the_same_items_are_not_written_off_twice(world, licence):
    citations = [item(1, number=licence.number)]
    once = {"company_id": world.alpha.pk, "reference_prefix": "DECL-1", "actor": world.customs}
    write_off(citations=citations, **once)
    with pytest.raises(LicenceError) as refused:
        write_off(citations=citations, **once)
    assert str(refused.value) == "DECL-1 was already written off its licences."
    assert Licence.objects.get(pk=licence.pk).remaining_quantity == Decimal("900.000")


def test_another_companys_licence_is_not_written_off(world, licence):
    # Submission already refuses it; the write-off itself also looks only at the declaring
    # company's licences, with the words it has for a licence that does not exist.
    with pytest.raises(LicenceError) as refused, transaction.atomic():
        write_off(
            company_id=world.beta.pk,
            citations=[item(2, number=licence.number)],
            reference_prefix="D-2",
            actor=world.customs,
        )
    assert str(refused.value) == (
        f"Licence {licence.number} cited by item 2 is not an approved licence; nothing was "
        "written off."
    )
    licence.refresh_from_db()
    assert licence.remaining_quantity == licence.quantity
    assert not LicenceUsage.objects.exists()
