"""Inspection and quarantine at clearance: goods on the statutory inspection list wait for the
inspection agency, whose officers see them in their own queue and pass or fail them; release waits
for the pass. And what each role sees of it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from eport.accounts.models import Agency
from eport.declarations import access, lifecycle, selectors, services
from eport.declarations.errors import DeclarationError, NotPermitted, TransitionError
from eport.declarations.models import Declaration
from eport.declarations.snapshot import snapshot, state_digest
from eport.reference import codes
from eport.reference.models import GoodsControl, TariffLine
from eport.reference.services import create_goods_control
from ledger.models import Entry
from tests.accounts.factories import make_agency
from tests.banks import factories as bank_factories
from tests.licensing import factories as licences

from . import factories as f

Status = Declaration.Status
Inspection = Declaration.Inspection
BEEF = "0201300000"  # fresh boneless beef: on these tests' statutory inspection list


@pytest.fixture
def inspected(world):
    """The world, with beef on the inspection list, two inspection agencies and their staff."""
    licences.load_subheadings()
    create_goods_control(
        actor="system:test", hs_prefix="0201", measure=GoodsControl.Measure.INSPECTION
    )
    TariffLine.objects.get_or_create(
        hs_prefix="02", defaults={"duty_rate": Decimal("12.00"), "vat_rate": Decimal("9.00")}
    )
    codes.clear_caches()
    # The lowest code inspects at every office (accounts.selectors.inspection_agency_for).
    world.ciq = make_agency(Agency.Kind.INSPECTION, code="SHCIQ")
    world.other_ciq = make_agency(Agency.Kind.INSPECTION, code="ZJCIQ", name="Zhejiang CIQ")
    world.inspector = f.user("inspector", "agency", agency=world.ciq)
    world.other_inspector = f.user("zj_inspector", "agency", agency=world.other_ciq)
    world.licensing = f.user("licensing", "agency", agency=licences.licensing_agency())
    world.bank = f.user("bank", "bank", bank=bank_factories.bank())
    return world


def beef(**overrides) -> dict:
    return f.item(
        hs_code=BEEF,
        description="Beef, boneless, chilled",
        origin_country="AU",
        quantity="500",
        unit="KGM",
        net_mass="500.000",
        gross_mass="520.000",
        **overrides,
    )


def submitted_beef(world, lrn="CIQ-1") -> Declaration:
    return f.submit(f.ready(world.trader, lrn=lrn, items=[beef()]), world.trader)


def paid(declaration: Declaration, officer) -> Declaration:
    declaration = services.take_declaration(
        declaration=declaration, actor=officer, version=declaration.version
    )
    declaration = services.assess_declaration(
        declaration=declaration, actor=officer, version=declaration.version
    )
    return services.record_payment(
        declaration=declaration, actor=officer, version=declaration.version, reference="CT-1"
    )


def pass_inspection(declaration, inspector, certificate="CIQ2026-0001") -> Declaration:
    declaration = f.fresh(declaration)
    return services.pass_inspection(
        declaration=declaration,
        actor=inspector,
        version=declaration.version,
        certificate=certificate,
    )


def fail_inspection(declaration, inspector, reason="Cold chain broken") -> Declaration:
    declaration = f.fresh(declaration)
    return services.fail_inspection(
        declaration=declaration, actor=inspector, version=declaration.version, reason=reason
    )


def release(declaration, officer) -> Declaration:
    declaration = f.fresh(declaration)
    return services.release_declaration(
        declaration=declaration, actor=officer, version=declaration.version
    )


# --- submission -------------------------------------------------------------------------------


def test_goods_on_the_inspection_list_wait_for_the_inspection_agency(inspected):
    declaration = submitted_beef(inspected)

    assert declaration.inspection_status == Inspection.PENDING
    assert declaration.inspection_agency == inspected.ciq
    assert [item.needs_inspection for item in declaration.items.all()] == [True]
    assert (declaration.status, declaration.lane) == (Status.SUBMITTED, "yellow")
    assert selectors.risk_reasons_for(inspected.trader, declaration) == [
        "Inspection and quarantine by SHCIQ"
    ]
    submitted = Entry.objects.get(
        subject=declaration.ledger_subject, action="declaration.submitted"
    )
    assert submitted.data["inspection_agency"] == "SHCIQ"
    state = snapshot(declaration)
    assert (state["inspection_status"], state["inspection_agency"]) == ("pending", "SHCIQ")
    assert state["items"][0]["needs_inspection"] is True


def test_only_the_items_on_the_list_are_marked(inspected):
    items = [f.item(invoice_value="500.00"), beef(invoice_value="500.00")]
    declaration = f.submit(f.ready(inspected.trader, items=items), inspected.trader)

    assert [item.needs_inspection for item in declaration.items.order_by("line")] == [False, True]


def test_without_an_inspection_agency_the_goods_cannot_be_submitted(inspected):
    Agency.objects.filter(kind=Agency.Kind.INSPECTION).update(active=False)
    declaration = f.ready(inspected.trader, items=[beef()])

    with pytest.raises(DeclarationError, match="no inspection and quarantine agency inspects"):
        f.submit(declaration, inspected.trader)

    assert f.fresh(declaration).status == Status.DRAFT


# --- release waits for the result -----------------------------------------------------------


def test_release_waits_for_inspection_and_follows_the_pass(inspected):
    declaration = paid(submitted_beef(inspected), inspected.officer)

    with pytest.raises(
        TransitionError,
        match="The goods wait for inspection and quarantine by Shanghai Inspection",
    ):
        release(declaration, inspected.officer)

    passed = pass_inspection(declaration, inspected.inspector)
    assert (passed.status, passed.inspection_status) == (Status.PAID, Inspection.PASSED)
    assert passed.inspection_certificate == "CIQ2026-0001"
    assert passed.inspected_by == inspected.inspector and passed.inspected_at is not None
    entry = Entry.objects.get(
        subject=declaration.ledger_subject, action="declaration.inspection_passed"
    )
    assert entry.actor == f"user:{inspected.inspector.pk}"
    assert entry.data["agency"] == "SHCIQ" and entry.data["certificate"] == "CIQ2026-0001"

    assert release(declaration, inspected.officer).status == Status.RELEASED


def test_the_inspection_agency_may_pass_the_goods_before_customs_is_done(inspected):
    declaration = submitted_beef(inspected)

    passed = pass_inspection(declaration, inspected.inspector)

    assert passed.status == Status.SUBMITTED  # customs' own step is untouched
    assert release(paid(passed, inspected.officer), inspected.officer).status == Status.RELEASED


def test_goods_that_failed_inspection_are_never_released(inspected):
    declaration = paid(submitted_beef(inspected), inspected.officer)

    failed = fail_inspection(declaration, inspected.inspector)

    assert failed.inspection_status == Inspection.FAILED
    assert failed.inspection_reason == "Cold chain broken"
    assert Entry.objects.get(
        subject=declaration.ledger_subject, action="declaration.inspection_failed"
    ).data["reason"] == ("Cold chain broken")
    with pytest.raises(TransitionError, match="failed inspection and quarantine by Shanghai"):
        release(declaration, inspected.officer)
    assert f.fresh(declaration).status == Status.PAID


def test_a_result_is_recorded_once(inspected):
    declaration = pass_inspection(submitted_beef(inspected), inspected.inspector)

    with pytest.raises(TransitionError, match=r"already passed .*certificate CIQ2026-0001"):
        pass_inspection(declaration, inspected.inspector)
    with pytest.raises(TransitionError, match="already passed"):
        fail_inspection(declaration, inspected.inspector)


def test_goods_that_need_no_inspection_have_nothing_to_pass(inspected):
    declaration = f.submitted(inspected.trader, "yellow")

    # The inspection agency never sees it: to the inspector it does not exist.
    with pytest.raises(Http404):
        selectors.get_declaration_for(inspected.inspector, declaration.uuid)
    with pytest.raises(TransitionError, match="No goods of this declaration wait for inspection"):
        lifecycle.check_move(declaration, inspected.inspector, "pass_inspection")


def test_a_pass_needs_its_certificate_and_a_failure_its_reason(inspected):
    declaration = submitted_beef(inspected)

    with pytest.raises(ValidationError) as missing:
        pass_inspection(declaration, inspected.inspector, certificate="  ")
    with pytest.raises(ValidationError) as too_long:
        pass_inspection(declaration, inspected.inspector, certificate="C" * 41)
    with pytest.raises(ValidationError) as no_reason:
        fail_inspection(declaration, inspected.inspector, reason="")

    assert missing.value.message_dict == {
        "certificate": ["Enter the number of the inspection certificate."]
    }
    assert "40 characters" in too_long.value.message_dict["certificate"][0]
    assert list(no_reason.value.message_dict) == ["reason"]
    assert f.fresh(declaration).inspection_status == Inspection.PENDING


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        ("trader", "Only officers of an inspection and quarantine agency"),
        ("officer", "Only officers of an inspection and quarantine agency"),
        ("licensing", "Only officers of an inspection and quarantine agency"),
        ("bank", "Only officers of an inspection and quarantine agency"),
        ("auditor", "Auditors have read-only access"),
        ("other_inspector", "inspected by another agency"),
    ],
)
def test_only_the_declarations_inspection_agency_records_its_result(inspected, who, refusal):
    declaration = submitted_beef(inspected)

    for move in ("pass_inspection", "fail_inspection"):
        with pytest.raises(NotPermitted, match=refusal):
            lifecycle.check_move(declaration, getattr(inspected, who), move)
    assert f.fresh(declaration).inspection_status == Inspection.PENDING


def test_the_inspector_is_offered_the_inspection_moves_and_nothing_else(inspected):
    declaration = submitted_beef(inspected)

    names = [move.name for move in lifecycle.allowed_moves(declaration, inspected.inspector)]

    assert names == ["pass_inspection", "fail_inspection"]
    assert "pass_inspection" not in [
        move.name for move in lifecycle.allowed_moves(declaration, inspected.officer)
    ]


def test_a_final_declaration_takes_no_inspection_result(inspected):
    declaration = submitted_beef(inspected)
    services.cancel_declaration(
        declaration=declaration, actor=inspected.trader, version=declaration.version
    )

    with pytest.raises(TransitionError, match="cancelled, which is final"):
        pass_inspection(declaration, inspected.inspector)


# --- what each role sees ----------------------------------------------------------------------


def test_each_role_sees_only_the_declarations_that_concern_it(inspected):
    beef_declaration = submitted_beef(inspected)
    plain = f.submitted(inspected.trader, "yellow", lrn="PLAIN")
    draft_beef = f.ready(inspected.trader, lrn="DRAFT-BEEF", items=[beef()])

    def seen(user):
        return set(selectors.declarations_for(user).values_list("lrn", flat=True))

    assert seen(inspected.trader) == {"CIQ-1", "PLAIN", "DRAFT-BEEF"}
    assert seen(inspected.trader2) == set()
    assert seen(inspected.officer) == {"CIQ-1", "PLAIN"}
    assert seen(inspected.beijing_officer) == set()
    assert seen(inspected.inspector) == {"CIQ-1"}
    assert seen(inspected.other_inspector) == set()
    assert seen(inspected.licensing) == set()
    assert seen(inspected.bank) == set()
    assert seen(inspected.auditor) == {"CIQ-1", "PLAIN", "DRAFT-BEEF"}
    for outsider in (inspected.other_inspector, inspected.licensing, inspected.trader2):
        with pytest.raises(Http404):
            selectors.get_declaration_for(outsider, beef_declaration.uuid)
    assert plain.inspection_status == "" and draft_beef.inspection_status == ""


def test_the_inspection_queue_holds_what_waits_for_the_agency(inspected):
    waiting = submitted_beef(inspected, lrn="WAIT")
    done = pass_inspection(submitted_beef(inspected, lrn="DONE"), inspected.inspector)

    assert list(selectors.inspection_queue(inspected.inspector)) == [waiting]
    assert list(selectors.inspection_queue(inspected.inspector, inspection="passed")) == [done]
    assert not selectors.inspection_queue(inspected.other_inspector).exists()
    assert not selectors.inspection_queue(inspected.officer).exists()
    filtered = selectors.declaration_list(
        inspected.officer, selectors.ListFilters(inspection=Inspection.PENDING)
    )
    assert list(filtered) == [waiting]
    none_needed = selectors.declaration_list(
        inspected.officer, selectors.ListFilters(inspection=selectors.NO_INSPECTION)
    )
    assert not none_needed.exists()


def test_the_inspector_reads_customs_routing_only_as_the_trader_does(inspected):
    declaration = submitted_beef(inspected)

    assert selectors.risk_reasons_for(inspected.inspector, declaration) == [
        "Inspection and quarantine by SHCIQ"
    ]
    assert selectors.risk_reasons_for(inspected.officer, declaration)[0].startswith(
        "Agency controls (yellow): item 1: HS 0201300000 on the statutory inspection list"
    )


def test_ledger_entries_are_read_by_those_they_concern(inspected):
    declaration = submitted_beef(inspected)
    other = f.submitted(inspected.trader, "yellow", lrn="PLAIN")
    licence = licences.approved_licence(inspected.trader, officer=inspected.licensing)
    foreign_licence = licences.approved_licence(inspected.trader2, officer=inspected.licensing)

    def entry(subject):
        return Entry.objects.filter(subject=subject).first()

    about_declaration = entry(declaration.ledger_subject)
    about_other = entry(other.ledger_subject)
    about_licence = entry(licence.ledger_subject)
    about_foreign = entry(foreign_licence.ledger_subject)

    def reads(user):
        return [
            access.may_see_entry(user, e)
            for e in (about_declaration, about_other, about_licence, about_foreign)
        ]

    assert reads(inspected.inspector) == [True, False, False, False]
    assert reads(inspected.other_inspector) == [False, False, False, False]
    assert reads(inspected.licensing) == [False, False, True, True]
    assert reads(inspected.trader) == [True, True, True, False]
    assert reads(inspected.trader2) == [False, False, False, True]
    assert reads(inspected.officer) == [True, True, True, True]
    assert reads(inspected.auditor) == [True, True, True, True]
    assert reads(inspected.bank) == [False, False, False, False]


def test_an_amendment_that_adds_goods_on_the_list_makes_the_declaration_wait(inspected):
    declaration = f.submitted(inspected.trader, "yellow")
    declaration = services.take_declaration(
        declaration=declaration, actor=inspected.officer, version=declaration.version
    )
    declaration = services.raise_query(
        declaration=declaration,
        actor=inspected.officer,
        version=declaration.version,
        question="Are these goods beef rather than laptops?",
    )

    amended = services.amend_declaration(
        declaration=declaration,
        actor=inspected.trader,
        header=f.header(),
        items=[beef()],
        answer="Yes, corrected.",
        version=declaration.version,
    )

    assert amended.inspection_status == Inspection.PENDING
    assert amended.inspection_agency == inspected.ciq
    assert [item.needs_inspection for item in amended.items.all()] == [True]
    assert list(selectors.inspection_queue(inspected.inspector)) == [amended]
    entry = Entry.objects.filter(subject=amended.ledger_subject, action="declaration.amended").get()
    assert entry.data["state"] == state_digest(f.fresh(amended))


def test_goods_reclassified_onto_the_list_at_assessment_wait_for_inspection(inspected):
    declaration = f.submitted(inspected.trader, "yellow")
    declaration = services.take_declaration(
        declaration=declaration, actor=inspected.officer, version=declaration.version
    )

    assessed = services.assess_declaration(
        declaration=declaration,
        actor=inspected.officer,
        version=declaration.version,
        corrections=[{"line": 1, "hs_code": BEEF, "reason": "Beef, not laptops"}],
    )

    assert (assessed.status, assessed.inspection_status) == (Status.ASSESSED, Inspection.PENDING)
    assert [item.needs_inspection for item in assessed.items.all()] == [True]
    paid_declaration = services.record_payment(
        declaration=assessed, actor=inspected.officer, version=assessed.version, reference="CT-2"
    )
    with pytest.raises(TransitionError, match="wait for inspection and quarantine"):
        release(paid_declaration, inspected.officer)
