"""Licences at clearance: an item whose goods need a licence cites an approved licence of its own
company, checked at submission with a message per item; release writes the items off the licence
in its own transaction, and a declaration that is never released writes nothing off."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from eport.declarations import services, validation
from eport.declarations.errors import DeclarationError, TransitionError
from eport.declarations.goods_import import read_goods_lines
from eport.declarations.models import Declaration
from eport.declarations.selectors import risk_reasons_for
from eport.declarations.snapshot import snapshot
from eport.licensing.models import Licence, LicenceUsage
from eport.licensing.selectors import usages_for
from eport.reference import codes
from eport.reference.models import GoodsControl, TariffLine
from eport.reference.services import create_goods_control
from ledger.models import Entry
from tests.licensing import factories as licences

from . import factories as f

Status = Declaration.Status
CRUDE = "2709000000"  # crude petroleum: an import licence on these tests' controls list


@pytest.fixture
def controlled(world):
    """The world, with crude petroleum under import licence control and a tariff line for it."""
    licences.load_subheadings()
    create_goods_control(
        actor="system:test", hs_prefix="2709", measure=GoodsControl.Measure.IMPORT_LICENCE
    )
    TariffLine.objects.get_or_create(
        hs_prefix="27", defaults={"duty_rate": Decimal("0.00"), "vat_rate": Decimal("13.00")}
    )
    codes.clear_caches()
    return world


def crude(licence: Licence | None = None, quantity="400", value="40000.00", **overrides) -> dict:
    """A goods item of crude oil in KGM, citing ``licence`` (none: no citation)."""
    data = f.item(
        hs_code=CRUDE,
        description="Crude petroleum oil",
        origin_country="SA",
        quantity=quantity,
        unit="KGM",
        net_mass=quantity,
        gross_mass=str(Decimal(quantity) + 10),
        invoice_value=value,
        licence_number=licence.number if licence else "",
    )
    data.update(overrides)
    return data


def filed(trader, items: list[dict], lrn: str = "LIC-1", **header) -> Declaration:
    """A draft in USD (the licences' currency) with its documents, ready to submit."""
    total = sum((Decimal(item["invoice_value"]) for item in items), Decimal(0))
    header = {"invoice_currency": "USD", "invoice_total": f"{total:.2f}", **header}
    return f.ready(trader, lrn=lrn, items=items, **header)


def refusals(declaration: Declaration, trader) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        f.submit(declaration, trader)
    return caught.value.message_dict


def paid(declaration: Declaration, officer) -> Declaration:
    """Take, assess and record the payment of a submitted yellow-lane declaration."""
    declaration = services.take_declaration(
        declaration=declaration, actor=officer, version=declaration.version
    )
    declaration = services.assess_declaration(
        declaration=declaration, actor=officer, version=declaration.version
    )
    return services.record_payment(
        declaration=declaration, actor=officer, version=declaration.version, reference="CT-1"
    )


def release(declaration: Declaration, officer) -> Declaration:
    declaration = f.fresh(declaration)
    return services.release_declaration(
        declaration=declaration, actor=officer, version=declaration.version
    )


# --- submission -------------------------------------------------------------------------------


def test_goods_that_need_a_licence_cannot_be_submitted_without_one(controlled):
    declaration = filed(controlled.trader, [crude()])
    entries_before = Entry.objects.count()

    problems = refusals(declaration, controlled.trader)

    assert problems == {
        "items.0.licence_number": [
            "Item 1: goods of HS code 2709000000 need an import licence; cite the number of "
            "your company's approved licence for them."
        ]
    }
    assert f.fresh(declaration).status == Status.DRAFT
    assert Entry.objects.count() == entries_before


def test_a_valid_citation_is_submitted_and_routed_to_an_officer(controlled):
    licence = licences.approved_licence(controlled.trader)
    declaration = filed(controlled.trader, [crude(licence)])

    declaration = f.submit(declaration, controlled.trader)

    assert (declaration.status, declaration.lane) == (Status.SUBMITTED, "yellow")
    (reason,) = declaration.risk_reasons
    assert reason["name"] == "Agency controls"
    assert f"HS {CRUDE} under licence {licence.number}" in reason["reason"]
    assert risk_reasons_for(controlled.trader, declaration) == ["Licence check"]
    routed = Entry.objects.filter(
        subject=declaration.ledger_subject, action="declaration.risk_assessed"
    ).get()
    assert routed.data["lane"] == "yellow" and routed.data["rules"] == ["Agency controls"]
    assert snapshot(declaration)["items"][0]["licence_number"] == licence.number


def test_goods_under_no_control_submit_as_before_and_their_state_names_no_licence(controlled):
    declaration = f.submitted(controlled.trader, "green")

    assert declaration.lane == "green" and declaration.risk_reasons == []
    state = snapshot(declaration)
    assert "licence_number" not in state["items"][0]
    assert "needs_inspection" not in state["items"][0]
    assert "inspection_status" not in state


def _expired(trader, other):
    licence = licences.approved_licence(trader)
    today = timezone.localdate()
    # As if the licence's validity had run out since it was approved.
    Licence.objects.filter(pk=licence.pk).update(
        valid_from=today - datetime.timedelta(days=90), valid_until=today - datetime.timedelta(1)
    )
    return licence, "expired on"


def _foreign(trader, other):
    return licences.approved_licence(other), "your company has no approved licence numbered"


def _wrong_flow(trader, other):
    licence = licences.approved_licence(trader, flow=Licence.Flow.EXPORT)
    return licence, "is an export licence; this declaration needs an import licence"


def _exhausted(trader, other):
    licence = licences.approved_licence(trader, quantity=Decimal("300.000"))
    return licence, "has 300 KGM and USD 100,000.00 left; this declaration draws 400 KGM"


def _not_approved(trader, other):
    licence = licences.apply_licence(trader)
    # An application has no number until it is approved; the trader typed one of its own.
    Licence.objects.filter(pk=licence.pk).update(number="SHCOM2026TYPED")
    licence.number = "SHCOM2026TYPED"
    return licence, "licence SHCOM2026TYPED is not approved"


@pytest.mark.parametrize(
    "cited", [_expired, _foreign, _wrong_flow, _exhausted, _not_approved], ids=lambda c: c.__name__
)
def test_a_licence_that_does_not_cover_the_item_is_refused_with_its_reason(controlled, cited):
    licence, reason = cited(controlled.trader, controlled.trader2)
    declaration = filed(controlled.trader, [crude(licence)])

    problems = refusals(declaration, controlled.trader)

    assert list(problems) == ["items.0.licence_number"]
    assert any(reason in message for message in problems["items.0.licence_number"]), problems
    assert f.fresh(declaration).status == Status.DRAFT


def test_each_item_is_told_its_own_licence_problem(controlled):
    own = licences.approved_licence(controlled.trader)
    foreign = licences.approved_licence(controlled.trader2)
    items = [
        f.item(invoice_value="100.00"),  # laptops: no licence needed
        crude(),
        crude(foreign),
        crude(own, quantity="100", value="100.00"),
    ]

    problems = refusals(filed(controlled.trader, items), controlled.trader)

    assert set(problems) == {"items.1.licence_number", "items.2.licence_number"}
    assert "Item 2: goods of HS code" in problems["items.1.licence_number"][0]
    assert "Item 3: your company has no approved licence" in problems["items.2.licence_number"][0]


def test_items_citing_one_licence_are_refused_together_when_they_draw_more_than_is_left(
    controlled,
):
    licence = licences.approved_licence(controlled.trader)
    items = [crude(licence, quantity="600", value="100.00"), crude(licence, quantity="600")]

    problems = refusals(filed(controlled.trader, items), controlled.trader)

    assert set(problems) == {"items.0.licence_number", "items.1.licence_number"}
    assert "items 1, 2 draw 1,200 KGM" in problems["items.0.licence_number"][0]


def test_the_licence_number_is_cleaned_like_every_declared_code(world):
    values, problems = validation.item_problems(f.item(licence_number="  shcom20260001 "), 0)
    assert values["licence_number"] == "SHCOM20260001" and not problems.errors

    values, problems = validation.item_problems(f.item(), 0)
    assert values["licence_number"] == "" and not problems.errors

    _values, problems = validation.item_problems(f.item(licence_number="X" * 21), 0)
    assert problems.errors == {
        "items.0.licence_number": ["The licence number has at most 20 characters."]
    }


def test_a_goods_file_may_give_each_line_its_licence(controlled):
    header = "hs_code,description,origin_country,quantity,unit,net_mass,gross_mass,invoice_value"
    content = (
        f"{header},licence_number\r\n"
        f"{CRUDE},Crude oil,SA,100,KGM,100,110,1000.00,shcom2026000001\r\n"
        "8471300000,Laptops,CN,10,PCE,20,25,400.00,\r\n"
    ).encode()

    result = read_goods_lines(content)

    assert result.ok, result.problems
    assert [item["licence_number"] for item in result.items] == ["SHCOM2026000001", ""]


# --- release ----------------------------------------------------------------------------------


def test_release_writes_each_item_off_its_licence_and_leaves_the_balance(controlled):
    licence = licences.approved_licence(controlled.trader)
    items = [crude(licence), crude(licence, quantity="100", value="5000.00")]
    declaration = paid(
        f.submit(filed(controlled.trader, items), controlled.trader), controlled.officer
    )

    declaration = release(declaration, controlled.officer)

    assert declaration.status == Status.RELEASED
    licence.refresh_from_db()
    assert licence.remaining_quantity == Decimal("500.000")
    assert licence.remaining_value == Decimal("55000.00")
    assert [(u.reference, u.quantity, u.value) for u in usages_for(licence)] == [
        (f"{declaration.number}/1", Decimal("400.000"), Decimal("40000.00")),
        (f"{declaration.number}/2", Decimal("100.000"), Decimal("5000.00")),
    ]
    written_off = Entry.objects.get(subject=licence.ledger_subject, action="licence.written_off")
    assert written_off.actor == f"user:{controlled.officer.pk}"
    assert written_off.data["reference"] == declaration.number
    assert (written_off.data["remaining_quantity"], written_off.data["remaining_value"]) == (
        "500.000",
        "55000.00",
    )
    assert Entry.objects.filter(
        subject=declaration.ledger_subject, action="declaration.released"
    ).exists()


def test_a_release_that_would_overdraw_the_licence_is_refused_and_changes_nothing(controlled):
    licence = licences.approved_licence(controlled.trader)
    first, second = (
        paid(
            f.submit(
                filed(controlled.trader, [crude(licence, quantity="600")], lrn=lrn),
                controlled.trader,
            ),
            controlled.officer,
        )
        for lrn in ("LIC-A", "LIC-B")
    )
    release(first, controlled.officer)
    second = f.fresh(second)
    before = (second.status, second.version, Entry.objects.count())

    with pytest.raises(TransitionError, match=r"has 400 KGM and USD 60,000\.00 left"):
        release(second, controlled.officer)

    second.refresh_from_db()
    assert (second.status, second.version, Entry.objects.count()) == before
    licence.refresh_from_db()
    assert licence.remaining_quantity == Decimal("400.000")
    assert LicenceUsage.objects.filter(licence=licence).count() == 1


def test_a_cancelled_or_rejected_declaration_writes_nothing_off(controlled):
    licence = licences.approved_licence(controlled.trader)
    cancelled = f.submit(filed(controlled.trader, [crude(licence)], lrn="LIC-C"), controlled.trader)
    services.cancel_declaration(
        declaration=cancelled, actor=controlled.trader, version=cancelled.version
    )
    rejected = f.submit(filed(controlled.trader, [crude(licence)], lrn="LIC-R"), controlled.trader)
    rejected = services.take_declaration(
        declaration=rejected, actor=controlled.officer, version=rejected.version
    )
    services.reject_declaration(
        declaration=rejected,
        actor=controlled.officer,
        version=rejected.version,
        reason="The licence does not match the contract.",
    )

    licence.refresh_from_db()
    assert (licence.remaining_quantity, licence.remaining_value) == (
        Decimal("1000.000"),
        Decimal("100000.00"),
    )
    assert not LicenceUsage.objects.filter(licence=licence).exists()
    assert not Entry.objects.filter(
        subject=licence.ledger_subject, action="licence.written_off"
    ).exists()


def test_an_amendment_is_held_to_the_same_licence_rules(controlled):
    declaration = f.submitted(controlled.trader, "yellow", invoice_currency="USD")
    declaration = services.take_declaration(
        declaration=declaration, actor=controlled.officer, version=declaration.version
    )
    declaration = services.raise_query(
        declaration=declaration,
        actor=controlled.officer,
        version=declaration.version,
        question="Is this crude oil?",
    )

    with pytest.raises(ValidationError) as caught:
        services.amend_declaration(
            declaration=declaration,
            actor=controlled.trader,
            header=f.header(invoice_currency="USD", invoice_total="40000.00"),
            items=[crude()],
            answer="Yes.",
            version=declaration.version,
        )

    assert list(caught.value.message_dict) == ["items.0.licence_number"]
    assert f.fresh(declaration).status == Status.QUERY


def test_a_correction_onto_licensed_goods_is_refused_until_the_trader_cites_a_licence(
    controlled,
):
    declaration = f.submitted(controlled.trader, "yellow", invoice_currency="USD")
    declaration = services.take_declaration(
        declaration=declaration, actor=controlled.officer, version=declaration.version
    )
    before = (declaration.version, Entry.objects.count())

    with pytest.raises(DeclarationError, match="Raise a query so that the trader can cite"):
        services.assess_declaration(
            declaration=declaration,
            actor=controlled.officer,
            version=declaration.version,
            corrections=[{"line": 1, "hs_code": CRUDE, "reason": "Crude oil, not laptops"}],
        )

    declaration.refresh_from_db()
    assert (declaration.version, Entry.objects.count()) == before
    assert declaration.status == Status.UNDER_REVIEW
    assert declaration.items.get().hs_code == "8471300000"
