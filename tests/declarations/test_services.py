"""Each move through the services: its effect, its ledger entry, and its refusals."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from eport.declarations import services
from eport.declarations.errors import StaleError, TransitionError
from eport.declarations.models import Declaration
from eport.declarations.snapshot import (
    ASSESSED_ITEM_FIELDS,
    ASSESSED_TOTAL_FIELDS,
    digest_of,
    snapshot,
    state_digest,
)
from ledger.models import Entry

from . import factories as f

Status = Declaration.Status


def entries(declaration):
    return list(Entry.objects.filter(subject=declaration.ledger_subject).order_by("seq"))


def last_entry(declaration):
    return entries(declaration)[-1]


def assert_recorded(declaration, action, actor):
    """The newest entry about the declaration is this action, and its state is the live one."""
    declaration.refresh_from_db()
    entry = last_entry(declaration)
    assert (entry.action, entry.actor) == (action, actor)
    assert entry.data["state"] == state_digest(declaration)
    return entry


def user_ref(user):
    return f"user:{user.pk}"


@pytest.mark.smoke
def test_a_green_declaration_goes_from_draft_to_released(world):
    # given a ready draft with no risk rule matching
    declaration = f.ready(world.trader)
    # when the trader submits it
    declaration = f.submit(declaration, world.trader)
    # then it is numbered, routed green and assessed by the system at once
    assert declaration.status == Status.ASSESSED
    assert declaration.lane == "green"
    assert declaration.number.startswith("2201") and declaration.number[8] == "1"
    actions = [(e.action, e.actor) for e in entries(declaration)][-3:]
    assert actions == [
        ("declaration.submitted", user_ref(world.trader)),
        ("declaration.risk_assessed", "system:risk"),
        ("declaration.assessed", "system:assessment"),
    ]
    assert declaration.duty_total is not None
    # when the payment is recorded, the system releases it in the same step
    declaration = services.record_payment(
        declaration=declaration, actor=world.officer, version=declaration.version, reference="P1"
    )
    assert declaration.status == Status.RELEASED
    assert_recorded(declaration, "declaration.released", "system:clearance")
    call_command("verify_ledger")


def test_a_red_declaration_is_worked_by_an_officer_until_released(world):
    declaration = f.submitted(world.trader, "red")
    assert (declaration.status, declaration.lane) == (Status.SUBMITTED, "red")
    me = user_ref(world.officer)

    declaration = services.take_declaration(
        declaration=declaration, actor=world.officer, version=declaration.version
    )
    entry = assert_recorded(declaration, "declaration.taken", me)
    assert entry.data["officer"] == me
    assert declaration.assigned_officer == world.officer

    declaration = services.order_inspection(
        declaration=declaration,
        actor=world.officer,
        version=declaration.version,
        instructions="Open container 1",
    )
    assert declaration.status == Status.INSPECTION
    assert_recorded(declaration, "declaration.inspection_ordered", me)

    declaration = services.record_inspection_findings(
        declaration=declaration, actor=world.officer, version=declaration.version, findings="OK"
    )
    assert declaration.status == Status.UNDER_REVIEW
    assert_recorded(declaration, "declaration.inspection_recorded", me)

    declaration = services.raise_query(
        declaration=declaration,
        actor=world.officer,
        version=declaration.version,
        question="Send the certificate of origin.",
    )
    assert declaration.status == Status.QUERY
    assert_recorded(declaration, "declaration.queried", me)

    f.attach(declaration, world.trader, "861", content=f.PDF + b"co")
    assert_recorded(declaration, "declaration.document_added", user_ref(world.trader))
    declaration.refresh_from_db()
    declaration = services.amend_declaration(
        declaration=declaration,
        actor=world.trader,
        header=f.header(),
        items=[f.item(origin_country="KP", description="Laptop computers, 14 inch")],
        answer="Attached.",
        version=declaration.version,
    )
    assert declaration.status == Status.UNDER_REVIEW
    assert_recorded(declaration, "declaration.amended", user_ref(world.trader))

    declaration = services.assess_declaration(
        declaration=declaration,
        actor=world.officer,
        version=declaration.version,
        corrections=[{"line": 1, "hs_code": "8517120000", "reason": "Phones, not laptops"}],
    )
    assert declaration.status == Status.ASSESSED
    corrected, _assessed = entries(declaration)[-2:]
    assert corrected.action == "declaration.corrected"
    assert corrected.data["changes"] == [
        {"field": "hs_code", "old": "8471300000", "new": "8517120000"}
    ]
    assert corrected.data["reason"] == "Phones, not laptops"
    assert_recorded(declaration, "declaration.assessed", me)
    assert declaration.items.get().duty_rate == Decimal("8.00")  # chapter 85 rate

    declaration = services.record_payment(
        declaration=declaration, actor=world.officer2, version=declaration.version, reference="B1"
    )
    assert declaration.status == Status.PAID  # red lane waits for an officer
    assert_recorded(declaration, "declaration.paid", user_ref(world.officer2))

    declaration = services.release_declaration(
        declaration=declaration, actor=world.officer2, version=declaration.version, note="Done"
    )
    assert declaration.status == Status.RELEASED
    assert declaration.released_at is not None
    assert_recorded(declaration, "declaration.released", user_ref(world.officer2))
    call_command("verify_ledger")


def test_every_entry_of_a_declaration_carries_the_state_of_its_moment(world):
    declaration = f.draft(world.trader)
    digests = [state_digest(declaration)]
    f.attach(declaration, world.trader, "380")
    digests.append(state_digest(f.fresh(declaration)))
    f.attach(declaration, world.trader, "705", content=f.PDF + b"bl")
    digests.append(state_digest(f.fresh(declaration)))
    assert [e.data["state"] for e in entries(declaration)] == digests


def test_a_green_submission_records_the_state_after_each_of_its_three_steps(world):
    items = [f.item(invoice_value="500.00"), f.item(hs_code="6109100000", invoice_value="500.00")]
    declaration = f.submitted(world.trader, "green", items=items)
    assessed = snapshot(f.fresh(declaration))
    routed = {
        **assessed,
        "status": Status.SUBMITTED,
        **dict.fromkeys(ASSESSED_TOTAL_FIELDS),
        "items": [{**item, **dict.fromkeys(ASSESSED_ITEM_FIELDS)} for item in assessed["items"]],
    }
    numbered = {**routed, "lane": None}

    submitted, risk_assessed, auto_assessed = entries(declaration)[-3:]

    assert [entry.action for entry in (submitted, risk_assessed, auto_assessed)] == [
        "declaration.submitted",
        "declaration.risk_assessed",
        "declaration.assessed",
    ]
    assert submitted.data["state"] == digest_of(numbered)
    assert risk_assessed.data["state"] == digest_of(routed)
    assert auto_assessed.data["state"] == digest_of(assessed)
    assert assessed["status"] == Status.ASSESSED and assessed["duty_total"] is not None


def test_a_refused_move_changes_nothing(world):
    declaration = f.submitted(world.trader, "yellow")
    before = (declaration.status, declaration.version, Entry.objects.count())
    with pytest.raises(TransitionError, match="cannot be released"):
        services.release_declaration(
            declaration=declaration, actor=world.officer, version=declaration.version
        )
    declaration.refresh_from_db()
    assert (declaration.status, declaration.version, Entry.objects.count()) == before


def test_acting_on_an_old_version_is_refused_as_stale(world):
    declaration = f.draft(world.trader)
    old_version = declaration.version
    f.attach(declaration, world.trader, "380")
    with pytest.raises(StaleError, match="reload it"):
        services.cancel_declaration(
            declaration=declaration, actor=world.trader, version=old_version
        )
    assert f.fresh(declaration).status == Status.DRAFT


def test_a_second_officer_cannot_take_a_declaration_already_taken(world):
    declaration = f.submitted(world.trader, "yellow")
    version = declaration.version
    services.take_declaration(declaration=declaration, actor=world.officer, version=version)
    with pytest.raises(TransitionError, match="already under review by another officer"):
        services.take_declaration(declaration=declaration, actor=world.officer2, version=version)
    assert f.fresh(declaration).assigned_officer == world.officer


def test_an_officer_of_another_office_cannot_take(world):
    declaration = f.submitted(world.trader, "yellow")
    with pytest.raises(TransitionError, match="lodged at customs office 2201"):
        services.take_declaration(
            declaration=declaration, actor=world.beijing_officer, version=declaration.version
        )


def test_another_company_cannot_touch_a_draft(world):
    declaration = f.draft(world.trader)
    with pytest.raises(TransitionError, match="another company"):
        services.cancel_declaration(
            declaration=declaration, actor=world.trader2, version=declaration.version
        )


def test_auditors_and_officers_cannot_file(world):
    for person in (world.auditor, world.officer):
        with pytest.raises(TransitionError):
            services.create_draft(actor=person, header=f.header(), items=[f.item()])
    assert not Declaration.objects.exists()


def test_an_lrn_is_used_once_per_company(world):
    f.draft(world.trader, lrn="SAME")
    with pytest.raises(ValidationError) as error:
        f.draft(world.trader, lrn="SAME")
    assert "already used the LRN 'SAME'" in error.value.message_dict["lrn"][0]
    f.draft(world.trader2, lrn="SAME")  # another company may use it


def test_editing_a_draft_records_what_changed(world):
    declaration = f.draft(world.trader)
    declaration = services.update_draft(
        declaration=declaration,
        actor=world.trader,
        header=f.header(invoice_total="1200.00"),
        items=[f.item(), f.item(invoice_value="200.00", hs_code="6109100000")],
        version=declaration.version,
    )
    entry = assert_recorded(declaration, "declaration.updated", user_ref(world.trader))
    changes = entry.data["changes"]
    assert {"field": "invoice_total", "old": "1000.00", "new": "1200.00"} in changes
    added = [change for change in changes if change["field"] == "item"]
    assert added[0]["line"] == 2 and added[0]["old"] is None
    assert declaration.version == 2


def test_saving_an_unchanged_draft_records_nothing(world):
    declaration = f.draft(world.trader)
    count = Entry.objects.count()
    services.update_draft(
        declaration=declaration,
        actor=world.trader,
        header=f.header(),
        items=[f.item()],
        version=declaration.version,
    )
    assert Entry.objects.count() == count
    assert f.fresh(declaration).version == 1


def test_cancelling_keeps_the_reason(world):
    declaration = f.submitted(world.trader, "yellow")
    declaration = services.cancel_declaration(
        declaration=declaration, actor=world.trader, version=declaration.version, reason="Dup"
    )
    assert declaration.status == Status.CANCELLED
    entry = assert_recorded(declaration, "declaration.cancelled", user_ref(world.trader))
    assert entry.data["reason"] == "Dup"


def test_rejecting_needs_a_reason(world):
    declaration = f.submitted(world.trader, "yellow")
    declaration = services.take_declaration(
        declaration=declaration, actor=world.officer, version=declaration.version
    )
    with pytest.raises(ValidationError) as error:
        services.reject_declaration(
            declaration=declaration, actor=world.officer, version=declaration.version, reason=" "
        )
    assert error.value.message_dict == {
        "reason": ["Give the reason for rejecting the declaration."]
    }
    declaration = services.reject_declaration(
        declaration=declaration,
        actor=world.officer,
        version=declaration.version,
        reason="Goods prohibited",
    )
    assert declaration.status == Status.REJECTED
    entry = assert_recorded(declaration, "declaration.rejected", user_ref(world.officer))
    assert entry.data["reason"] == "Goods prohibited"


def test_a_correction_without_a_reason_is_refused_and_nothing_changes(world):
    declaration = f.submitted(world.trader, "yellow")
    declaration = services.take_declaration(
        declaration=declaration, actor=world.officer, version=declaration.version
    )
    with pytest.raises(ValidationError) as error:
        services.assess_declaration(
            declaration=declaration,
            actor=world.officer,
            version=declaration.version,
            corrections=[{"line": 1, "invoice_value": "900.00"}],
        )
    assert error.value.message_dict == {
        "corrections.0.reason": ["Give the reason for correcting item 1."]
    }
    assert declaration.items.get().invoice_value == Decimal("1000.00")


def test_a_correction_to_an_unknown_subheading_is_refused(world):
    declaration = f.submitted(world.trader, "yellow")
    declaration = services.take_declaration(
        declaration=declaration, actor=world.officer, version=declaration.version
    )
    with pytest.raises(ValidationError) as error:
        services.assess_declaration(
            declaration=declaration,
            actor=world.officer,
            version=declaration.version,
            corrections=[{"line": 1, "hs_code": "9999990000"}],
            reason="Reclassified",
        )
    assert (
        "999999 is not a subheading of HS 2022"
        in (error.value.message_dict["corrections.0.hs_code"][0])
    )


def test_each_correction_is_its_own_entry_before_the_assessment(world):
    declaration = f.submitted(
        world.trader,
        "yellow",
        invoice_total="1500.00",
        items=[f.item(origin_country="VN"), f.item(invoice_value="500.00")],
    )
    declaration = services.take_declaration(
        declaration=declaration, actor=world.officer, version=declaration.version
    )
    services.assess_declaration(
        declaration=declaration,
        actor=world.officer,
        version=declaration.version,
        corrections=[
            {"line": 1, "invoice_value": Decimal("1100.00"), "reason": "Price list"},
            {"line": 2, "hs_code": "8517120000"},
        ],
        reason="Reclassified after inspection",
    )
    actions = [(e.action, e.data.get("line"), e.data.get("reason")) for e in entries(declaration)]
    assert actions[-3:] == [
        ("declaration.corrected", 1, "Price list"),
        ("declaration.corrected", 2, "Reclassified after inspection"),
        ("declaration.assessed", None, "Reclassified after inspection"),
    ]


def test_assessing_without_a_tariff_line_tells_the_officer_to_add_one(world):
    declaration = f.submitted(world.trader, "yellow")
    declaration = services.take_declaration(
        declaration=declaration, actor=world.officer, version=declaration.version
    )
    with pytest.raises(Exception, match="No tariff line covers item 1: HS 0501000000"):
        services.assess_declaration(
            declaration=declaration,
            actor=world.officer,
            version=declaration.version,
            corrections=[{"line": 1, "hs_code": "0501000000", "reason": "Human hair"}],
        )
    declaration.refresh_from_db()
    assert declaration.status == Status.UNDER_REVIEW
    assert declaration.items.get().hs_code == "8471300000"  # the correction rolled back too


def test_a_green_declaration_without_tariff_line_goes_to_an_officer(world):
    declaration = f.ready(world.trader, items=[f.item(hs_code="0501000000")])
    declaration = f.submit(declaration, world.trader)
    assert (declaration.status, declaration.lane) == (Status.SUBMITTED, "yellow")
    assert declaration.risk_reasons[0]["name"] == "No tariff line for an item"
    assert last_entry(declaration).data["rules"] == ["No tariff line for an item"]
