"""Applying for a licence and every move on it: what is checked, stored and ledgered."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from eport.accounts.models import Agency
from eport.licensing import services
from eport.licensing.errors import LicenceNotPermitted, LicenceTransitionError, StaleLicence
from eport.licensing.models import Licence
from eport.licensing.snapshot import licence_state
from ledger.models import Entry

from . import factories as f

Status = Licence.Status
TODAY = timezone.localdate


def entries(licence):
    return list(Entry.objects.filter(subject=licence.ledger_subject).order_by("seq"))


def close(*agencies):
    # Closed directly: the service would first want their officers deactivated.
    Agency.objects.filter(pk__in=[agency.pk for agency in agencies]).update(active=False)


def refused_fields(trader, **overrides) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        services.apply_for_licence(
            actor=trader, **f.application(**{"agency": "SHCOM", **overrides})
        )
    return refused.value.message_dict


# --- the application --------------------------------------------------------------------------


def test_an_application_is_stored_and_ledgered(world):
    licence = f.apply_licence(world.trader, quantity="1,000.5", value="2500.5", unit="kgm")

    assert licence.status == Status.SUBMITTED
    assert licence.number is None
    assert licence.company == world.alpha and licence.agency == world.shcom
    assert licence.quantity == Decimal("1000.500") and licence.unit == "KGM"
    assert licence.value == Decimal("2500.50")
    assert licence.remaining_quantity is None
    [entry] = entries(licence)
    assert entry.action == "licence.applied"
    assert entry.actor == f"user:{world.trader.pk}"
    assert entry.data["hs_code"] == "2709000000"
    assert entry.data["quantity"] == "1000.500"
    assert entry.data["state"] == licence_state(Licence.objects.get(pk=licence.pk))


def test_every_problem_of_an_application_is_named_at_once(world):
    problems = refused_fields(
        world.trader,
        flow="transit",
        hs_code="27A9",
        description="",
        quantity="0",
        unit="BARRELS",
        value="abc",
        currency="XYZ",
        counterparty_country="XX",
        valid_from="tomorrow",
        valid_until="",
        agency="NOPE",
    )
    assert problems == {
        "flow": ["Choose the flow: import or export."],
        "hs_code": [
            "'27A9' is not an HS code for a licence: it has 6 to 10 digits only, e.g. 270900 or "
            "2709000000."
        ],
        "description": ["Describe the goods the licence is for."],
        "quantity": ["The quantity must be more than zero."],
        "unit": ["'BARRELS' is not a unit code we accept; use UN/ECE Rec. 20, e.g. KGM, PCE, LTR."],
        "value": ["Enter the amount as a number such as 125000.00."],
        "currency": ["'XYZ' is not a currency code; use ISO 4217, e.g. USD, EUR, CNY."],
        "counterparty_country": [
            "'XX' is not a country code; use the ISO 3166-1 two-letter code, e.g. SA, DE, US."
        ],
        "valid_from": ["Enter the first day of validity, e.g. 2026-12-01."],
        "valid_until": ["Enter the last day of validity, e.g. 2027-05-31."],
        "agency": ["'NOPE' is not an active licensing agency; choose one of BJCOM, SHCOM."],
    }
    assert not Licence.objects.exists()
    assert not Entry.objects.filter(action="licence.applied").exists()


def test_the_hs_code_must_start_with_a_subheading(world):
    assert refused_fields(world.trader, hs_code="9999990000")["hs_code"] == [
        "999999 is not a subheading of HS 2022; check the first 6 digits of 9999990000 against "
        "the nomenclature."
    ]


def test_a_six_digit_hs_code_covers_a_subheading(world):
    assert f.apply_licence(world.trader, hs_code="2709.00").hs_code == "270900"


def test_the_validity_cannot_start_in_the_past(world):
    yesterday = TODAY() - datetime.timedelta(days=1)
    assert refused_fields(world.trader, valid_from=yesterday)["valid_from"] == [
        f"The validity cannot start in the past; start it on {TODAY().isoformat()} or later."
    ]


def test_the_validity_cannot_end_before_it_starts(world):
    start = TODAY() + datetime.timedelta(days=10)
    problems = refused_fields(world.trader, valid_from=start, valid_until=start.replace(day=1))
    assert problems["valid_until"] == ["The validity ends before it starts."]


def test_a_licence_is_valid_for_at_most_one_year(world):
    start = datetime.date(TODAY().year + 1, 6, 1)
    assert refused_fields(
        world.trader, valid_from=start, valid_until=start.replace(year=start.year + 1)
    )["valid_until"] == [
        "A licence is valid for at most one year (the usual validity of a Chinese import "
        f"licence); end it on {start.year + 1}-05-31 or earlier."
    ]
    one_year = datetime.date(start.year + 1, 5, 31)
    licence = f.apply_licence(world.trader, valid_from=start, valid_until=one_year.isoformat())
    assert licence.valid_until == one_year


def test_a_year_from_a_leap_day_ends_on_the_28th_of_february(world):
    leap_day = next(
        datetime.date(year, 2, 29)
        for year in range(TODAY().year + 1, TODAY().year + 9)
        if year % 4 == 0
    )
    problems = refused_fields(
        world.trader,
        valid_from=leap_day,
        valid_until=leap_day.replace(year=leap_day.year + 1, day=28) + datetime.timedelta(days=1),
    )
    assert problems["valid_until"][0].endswith(f"end it on {leap_day.year + 1}-02-28 or earlier.")


@pytest.mark.parametrize("quantity", ["abc", "NaN", "Infinity", "", None])
def test_a_quantity_must_be_a_number(world, quantity):
    assert refused_fields(world.trader, quantity=quantity)["quantity"] == [
        "Enter the quantity as a number such as 1000 or 12.5."
    ]


def test_a_quantity_has_at_most_three_decimals(world):
    assert refused_fields(world.trader, quantity="1.0005")["quantity"] == [
        "The quantity has at most 3 decimal places."
    ]


def test_the_agency_must_be_chosen_when_there_are_several(world):
    with pytest.raises(ValidationError) as refused:
        services.apply_for_licence(actor=world.trader, **f.application())
    assert refused.value.message_dict == {
        "agency": ["Choose the licensing agency to apply to: BJCOM, SHCOM."]
    }


def test_the_only_active_licensing_agency_is_the_one_applied_to(world):
    close(world.bjcom)
    licence = services.apply_for_licence(actor=world.trader, **f.application())
    assert licence.agency == world.shcom


def test_no_application_without_an_active_licensing_agency(world):
    close(world.shcom, world.bjcom)
    with pytest.raises(ValidationError) as refused:
        services.apply_for_licence(actor=world.trader, **f.application())
    assert refused.value.message_dict == {
        "agency": ["No licensing agency takes applications in the single window yet; try later."]
    }


def test_an_inspection_agency_takes_no_applications(world):
    problems = refused_fields(world.trader, agency=world.ciq)
    assert problems["agency"] == [
        "'SHCIQ' is not an active licensing agency; choose one of BJCOM, SHCOM."
    ]


@pytest.mark.parametrize("who", ["officer", "customs", "inspector", "auditor"])
def test_only_traders_apply(world, who):
    with pytest.raises(LicenceNotPermitted):
        services.apply_for_licence(actor=getattr(world, who), **f.application(agency="SHCOM"))


# --- the moves --------------------------------------------------------------------------------


def test_approval_numbers_the_licence_and_opens_its_balance(world):
    licence = f.apply_licence(world.trader)
    approved = services.approve_licence(
        licence=licence, actor=world.officer, version=licence.version, note="Quota 2026"
    )

    year = TODAY().year % 100
    assert approved.number == f"{year:02d}-SHCOM-000001"
    assert approved.status == Status.APPROVED
    assert approved.remaining_quantity == Decimal("1000.000")
    assert approved.remaining_value == Decimal("100000.00")
    assert approved.decided_by == world.officer and approved.decided_at is not None
    assert approved.version == 2
    applied, approval = entries(approved)
    assert approval.action == "licence.approved"
    assert approval.data["number"] == approved.number
    assert approval.data["note"] == "Quota 2026"
    assert approval.data["state"] == licence_state(Licence.objects.get(pk=licence.pk))
    assert approval.data["state"] != applied.data["state"]


def test_numbers_run_per_agency_and_never_repeat(world):
    first = f.approved_licence(world.trader, officer=world.officer)
    second = f.approved_licence(world.trader2, officer=world.officer)
    beijing = f.approved_licence(world.trader, agency=world.bjcom, officer=world.bj_officer)
    year = f"{TODAY().year % 100:02d}"
    assert [first.number, second.number, beijing.number] == [
        f"{year}-SHCOM-000001",
        f"{year}-SHCOM-000002",
        f"{year}-BJCOM-000001",
    ]


def test_refused_and_withdrawn_applications_take_no_number(world):
    refused = f.apply_licence(world.trader)
    services.refuse_licence(licence=refused, actor=world.officer, version=1, reason="No quota")
    approved = f.approved_licence(world.trader)
    assert Licence.objects.get(pk=refused.pk).number is None
    assert approved.number.endswith("-SHCOM-000001")


def test_approval_may_shorten_the_validity_but_not_extend_it(world):
    licence = f.apply_licence(world.trader)
    too_long = licence.valid_until + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.approve_licence(
            licence=licence, actor=world.officer, version=1, valid_until=too_long
        )
    assert refused.value.message_dict == {
        "valid_until": [
            f"The applicant asked for a licence valid until {licence.valid_until.isoformat()}; "
            "grant no later."
        ]
    }
    assert Licence.objects.get(pk=licence.pk).status == Status.SUBMITTED

    shorter = licence.valid_from + datetime.timedelta(days=90)
    approved = services.approve_licence(
        licence=licence, actor=world.officer, version=1, valid_until=shorter.isoformat()
    )
    assert approved.valid_until == shorter
    assert entries(approved)[-1].data["valid_until"] == shorter.isoformat()


def test_an_application_whose_validity_has_passed_cannot_be_approved(world):
    licence = f.apply_licence(world.trader)
    past = TODAY() - datetime.timedelta(days=1)
    Licence.objects.filter(pk=licence.pk).update(
        valid_from=past - datetime.timedelta(days=30), valid_until=past
    )
    with pytest.raises(ValidationError) as refused:
        services.approve_licence(licence=licence, actor=world.officer, version=1)
    assert refused.value.message_dict == {
        "valid_until": [
            f"A licence valid until {past.isoformat()} would have expired already; refuse the "
            "application, and the applicant can apply again."
        ]
    }
    assert Licence.objects.get(pk=licence.pk).number is None


def test_a_query_and_its_answer_go_back_and_forth(world):
    licence = f.apply_licence(world.trader)
    queried = services.raise_licence_query(
        licence=licence, actor=world.officer, version=1, question="Which refinery?"
    )
    assert queried.status == Status.QUERY and queried.query == "Which refinery?"
    answered = services.answer_licence_query(
        licence=queried, actor=world.trader, version=2, answer="Zhenhai."
    )
    assert answered.status == Status.SUBMITTED
    assert [(e.action, e.data.get("question") or e.data.get("answer")) for e in entries(licence)][
        1:
    ] == [("licence.queried", "Which refinery?"), ("licence.answered", "Zhenhai.")]


def test_a_query_needs_a_question_and_a_refusal_a_reason(world):
    licence = f.apply_licence(world.trader)
    with pytest.raises(ValidationError) as refused:
        services.raise_licence_query(licence=licence, actor=world.officer, version=1, question=" ")
    assert refused.value.message_dict == {
        "question": ["Write the question the applicant must answer."]
    }
    with pytest.raises(ValidationError) as refused:
        services.refuse_licence(licence=licence, actor=world.officer, version=1, reason="")
    assert refused.value.message_dict == {"reason": ["Give the reason for refusing the licence."]}
    assert len(entries(licence)) == 1


def test_a_refusal_is_final_and_ledgered(world):
    licence = f.apply_licence(world.trader)
    refused = services.refuse_licence(
        licence=licence, actor=world.officer, version=1, reason="No quota left"
    )
    assert refused.status == Status.REFUSED and refused.decision_reason == "No quota left"
    assert entries(licence)[-1].action == "licence.refused"
    with pytest.raises(LicenceTransitionError):
        services.approve_licence(licence=licence, actor=world.officer, version=2)


def test_the_applicant_may_withdraw_an_undecided_application(world):
    licence = f.apply_licence(world.trader)
    withdrawn = services.withdraw_licence(licence=licence, actor=world.trader, version=1)
    assert withdrawn.status == Status.WITHDRAWN
    [_, entry] = entries(licence)
    assert entry.action == "licence.withdrawn" and "reason" not in entry.data


def test_a_stale_version_is_refused(world):
    licence = f.apply_licence(world.trader)
    services.raise_licence_query(licence=licence, actor=world.officer, version=1, question="?")
    with pytest.raises(StaleLicence) as refused:
        services.refuse_licence(licence=licence, actor=world.officer, version=1, reason="x")
    assert str(refused.value) == (
        "This licence changed after you opened it (you saw version 1, it is now version 2); "
        "reload it to see its current state."
    )
    with pytest.raises(StaleLicence):
        services.refuse_licence(licence=licence, actor=world.officer, version="", reason="x")


def test_another_agency_cannot_approve(world):
    licence = f.apply_licence(world.trader)
    with pytest.raises(LicenceNotPermitted):
        services.approve_licence(licence=licence, actor=world.bj_officer, version=1)
    assert Licence.objects.get(pk=licence.pk).status == Status.SUBMITTED


def test_make_licence_move_goes_through_the_registry(world):
    licence = f.apply_licence(world.trader)
    approved = services.make_licence_move(
        "approve", licence=licence, actor=world.officer, version=1
    )
    assert approved.status == Status.APPROVED
    with pytest.raises(LicenceTransitionError):
        services.make_licence_move("grant", licence=licence, actor=world.officer, version=2)
