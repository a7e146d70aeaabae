"""Who is told what of the other agencies' work: traders of their licences and inspections, the
licensing officers of applications and answers, the inspectors of declarations waiting for them;
nobody of another company or agency. And the e-mail choices each agency officer is offered."""

from decimal import Decimal

import pytest

from eport.accounts.models import Agency
from eport.declarations import services as declarations
from eport.licensing import services as licensing
from eport.licensing.errors import LicenceNotPermitted
from eport.notifications import services
from eport.notifications.kinds import kinds_for
from eport.notifications.models import EmailPreference, Notification
from eport.outbox.models import OutboxMessage
from eport.reference import codes
from eport.reference.models import GoodsControl, TariffLine
from eport.reference.services import create_goods_control
from tests.accounts.factories import make_agency
from tests.declarations import factories as f
from tests.licensing import factories as licences

pytestmark = pytest.mark.django_db

BEEF = "0201300000"  # fresh boneless beef: on these tests' statutory inspection list


@pytest.fixture
def agencies(people):
    """The notifications' world with two licensing and two inspection agencies, each with an
    officer who has an e-mail address, and beef on the inspection list."""
    licences.load_subheadings()
    create_goods_control(
        actor="system:test", hs_prefix="0201", measure=GoodsControl.Measure.INSPECTION
    )
    TariffLine.objects.get_or_create(
        hs_prefix="02", defaults={"duty_rate": Decimal("12.00"), "vat_rate": Decimal("9.00")}
    )
    codes.clear_caches()
    people.shcom = licences.licensing_agency("SHCOM")
    people.bjcom = licences.licensing_agency("BJCOM")
    # The lowest code inspects at every office (accounts.selectors.inspection_agency_for).
    people.ciq = make_agency(Agency.Kind.INSPECTION, code="SHCIQ", name="Shanghai CIQ")
    people.other_ciq = make_agency(Agency.Kind.INSPECTION, code="ZJCIQ", name="Zhejiang CIQ")
    staff = {
        "licensing": people.shcom,
        "licensing2": people.shcom,
        "bj_licensing": people.bjcom,
        "inspector": people.ciq,
        "zj_inspector": people.other_ciq,
    }
    for username, agency in staff.items():
        officer = f.user(username, "agency", agency=agency)
        officer.email = f"{username}@example.com"
        officer.save(update_fields=["email"])
        setattr(people, username, officer)
    return people


def e_mails() -> int:
    return OutboxMessage.objects.filter(task=services.EMAIL_TASK).count()


def told(user, kind=None):
    rows = Notification.objects.filter(recipient=user)
    return list(rows.filter(kind=kind) if kind else rows)


def everyone(world):
    names = (
        "trader",
        "trader_b",
        "trader2",
        "officer",
        "officer2",
        "bank",
        "licensing",
        "licensing2",
        "bj_licensing",
        "inspector",
        "zj_inspector",
    )
    return {name: getattr(world, name) for name in names}


def kinds_told(world) -> dict[str, list[str]]:
    """Each person's notifications' kinds, oldest first; only those who were told."""
    told_now = {}
    for name, user in everyone(world).items():
        kinds = [n.kind for n in reversed(told(user))]
        if kinds:
            told_now[name] = kinds
    return told_now


def application(world, **overrides):
    return licences.apply_licence(world.trader, agency=world.shcom, **overrides)


def beef(**overrides) -> dict:
    values = {
        "hs_code": BEEF,
        "description": "Beef, boneless, chilled",
        "origin_country": "AU",
        "quantity": "500",
        "unit": "KGM",
        "net_mass": "500.000",
        "gross_mass": "520.000",
    }
    return f.item(**{**values, **overrides})


def submitted_beef(world, lrn="CIQ-1"):
    return f.submit(f.ready(world.trader, lrn=lrn, items=[beef()]), world.trader)


# --- licences ---------------------------------------------------------------------------------


def test_an_application_tells_the_licensing_officers_of_the_agency_applied_to(agencies):
    licence = application(agencies)

    assert kinds_told(agencies) == {
        "licensing": ["licence_applied"],
        "licensing2": ["licence_applied"],
    }
    [notification] = told(agencies.licensing)
    assert notification.text() == (
        "Alpha Trading Co., Ltd. applied for an import licence for Crude petroleum oil "
        "(HS 2709000000)."
    )
    assert notification.subject_type == Notification.Subject.LICENCE
    assert notification.subject_uuid == licence.uuid
    assert notification.target() == f"/licences/{licence.uuid}/"
    # Both have an address and keep the default: e-mailed after the commit.
    assert e_mails() == 2


def test_an_export_application_says_so(agencies):
    application(agencies, flow="export")

    [notification] = told(agencies.licensing)
    assert notification.text().startswith(
        "Alpha Trading Co., Ltd. applied for an export licence for"
    )


def test_a_query_tells_the_applying_companys_traders_and_the_answer_the_agencys_officers(
    agencies,
):
    licence = application(agencies)
    Notification.objects.all().delete()

    licence = licensing.raise_licence_query(
        licence=licence,
        actor=agencies.licensing,
        version=licence.version,
        question="Attach the sales contract.",
    )

    assert kinds_told(agencies) == {
        "trader": ["licence_queried"],
        "trader_b": ["licence_queried"],
    }
    [queried] = told(agencies.trader_b)
    assert queried.text() == (
        f"{agencies.shcom.name} raised a query on your licence application for Crude "
        "petroleum oil: Attach the sales contract."
    )
    assert queried.target() == f"/licences/{licence.uuid}/"

    Notification.objects.all().delete()
    licensing.answer_licence_query(
        licence=licence, actor=agencies.trader, version=licence.version, answer="Attached."
    )

    assert kinds_told(agencies) == {
        "licensing": ["licence_answered"],
        "licensing2": ["licence_answered"],
    }
    [notification] = told(agencies.licensing2)
    assert notification.text() == (
        "Alpha Trading Co., Ltd. answered the query on its licence application for Crude "
        "petroleum oil."
    )


def test_an_approval_tells_the_traders_the_number_and_validity(agencies):
    licence = application(agencies)
    Notification.objects.all().delete()

    licence = licensing.approve_licence(
        licence=licence, actor=agencies.licensing, version=licence.version
    )

    assert kinds_told(agencies) == {
        "trader": ["licence_approved"],
        "trader_b": ["licence_approved"],
    }
    [notification] = told(agencies.trader)
    assert licence.number
    assert notification.params["number"] == licence.number
    assert notification.text() == (
        f"{agencies.shcom.name} granted licence {licence.number} for Crude petroleum oil, "
        f"valid from {licence.valid_from.isoformat()} to {licence.valid_until.isoformat()}."
    )
    assert notification.target() == f"/licences/{licence.uuid}/"


def test_a_refusal_tells_the_traders_the_reason(agencies):
    licence = application(agencies)
    Notification.objects.all().delete()

    licensing.refuse_licence(
        licence=licence,
        actor=agencies.licensing,
        version=licence.version,
        reason="The quota for the year is used up.",
    )

    assert kinds_told(agencies) == {
        "trader": ["licence_refused"],
        "trader_b": ["licence_refused"],
    }
    [notification] = told(agencies.trader)
    assert notification.text().endswith(": The quota for the year is used up.")


def test_a_withdrawal_tells_nobody(agencies):
    licence = application(agencies)
    Notification.objects.all().delete()

    licensing.withdraw_licence(licence=licence, actor=agencies.trader, version=licence.version)

    assert kinds_told(agencies) == {}


def test_another_companys_application_tells_only_its_agency(agencies):
    licences.apply_licence(agencies.trader2, agency=agencies.bjcom)

    assert kinds_told(agencies) == {"bj_licensing": ["licence_applied"]}
    [notification] = told(agencies.bj_licensing)
    assert notification.params["company"] == agencies.beta.name


def test_a_move_refused_tells_nobody(agencies):
    licence = application(agencies)
    Notification.objects.all().delete()

    with pytest.raises(LicenceNotPermitted):
        licensing.approve_licence(
            licence=licence, actor=agencies.bj_licensing, version=licence.version
        )

    assert kinds_told(agencies) == {}


# --- inspection and quarantine ----------------------------------------------------------------


def test_a_submission_with_goods_on_the_list_tells_the_inspectors_of_its_agency(agencies):
    declaration = submitted_beef(agencies)

    assert kinds_told(agencies) == {"inspector": ["inspection_waiting"]}
    [notification] = told(agencies.inspector)
    assert notification.text() == (
        f"Declaration {declaration.number} of Alpha Trading Co., Ltd. waits for your "
        "inspection and quarantine."
    )
    assert notification.target() == f"/declarations/{declaration.uuid}/"


def test_a_submission_without_such_goods_tells_no_inspector(agencies):
    f.submitted(agencies.trader, "yellow")

    assert told(agencies.inspector) == [] and told(agencies.zj_inspector) == []


def test_the_inspection_result_tells_the_declaring_companys_traders(agencies):
    passed = submitted_beef(agencies, lrn="CIQ-1")
    failed = submitted_beef(agencies, lrn="CIQ-2")
    Notification.objects.all().delete()

    declarations.pass_inspection(
        declaration=passed,
        actor=agencies.inspector,
        version=passed.version,
        certificate="CIQ2026-0001",
    )
    declarations.fail_inspection(
        declaration=failed,
        actor=agencies.inspector,
        version=failed.version,
        reason="Cold chain broken.",
    )

    assert kinds_told(agencies) == {
        "trader": ["inspection_passed", "inspection_failed"],
        "trader_b": ["inspection_passed", "inspection_failed"],
    }
    [ok] = told(agencies.trader, "inspection_passed")
    assert ok.text() == (
        f"Shanghai CIQ passed the goods of declaration {passed.number} at inspection and "
        "quarantine: certificate CIQ2026-0001."
    )
    assert ok.subject_uuid == passed.uuid
    [bad] = told(agencies.trader, "inspection_failed")
    assert bad.text() == (
        f"Shanghai CIQ failed the goods of declaration {failed.number} at inspection and "
        "quarantine: Cold chain broken."
    )


def queried(world, declaration):
    declaration = declarations.take_declaration(
        declaration=declaration, actor=world.officer, version=declaration.version
    )
    return declarations.raise_query(
        declaration=declaration,
        actor=world.officer,
        version=declaration.version,
        question="Are these goods beef?",
    )


def test_an_amendment_that_puts_goods_on_the_list_tells_the_inspectors(agencies):
    declaration = queried(agencies, f.submitted(agencies.trader, "yellow"))

    declarations.amend_declaration(
        declaration=declaration,
        actor=agencies.trader,
        header=f.header(),
        items=[beef()],
        answer="Yes, corrected.",
        version=declaration.version,
    )

    [notification] = told(agencies.inspector)
    assert (notification.kind, notification.subject_uuid) == (
        "inspection_waiting",
        declaration.uuid,
    )
    assert told(agencies.zj_inspector) == []


def test_an_amendment_of_goods_already_waiting_does_not_tell_the_inspectors_again(agencies):
    declaration = queried(agencies, submitted_beef(agencies))

    declarations.amend_declaration(
        declaration=declaration,
        actor=agencies.trader,
        header=f.header(),
        items=[beef(description="Beef, boneless, chilled, grass-fed")],
        answer="Described better.",
        version=declaration.version,
    )

    assert [n.kind for n in told(agencies.inspector)] == ["inspection_waiting"]


def test_a_reclassification_onto_the_list_at_assessment_tells_the_inspectors(agencies):
    declaration = f.submitted(agencies.trader, "yellow")
    declaration = declarations.take_declaration(
        declaration=declaration, actor=agencies.officer, version=declaration.version
    )

    declarations.assess_declaration(
        declaration=declaration,
        actor=agencies.officer,
        version=declaration.version,
        corrections=[{"line": 1, "hs_code": BEEF, "reason": "Beef, not laptops"}],
    )

    [notification] = told(agencies.inspector)
    assert notification.kind == "inspection_waiting"


# --- the e-mail choices -----------------------------------------------------------------------


def test_each_role_is_offered_its_own_kinds(agencies):
    assert kinds_for(agencies.licensing) == ["licence_applied", "licence_answered"]
    assert kinds_for(agencies.inspector) == ["inspection_waiting"]
    trader_kinds = kinds_for(agencies.trader)
    for kind in (
        "licence_queried",
        "licence_approved",
        "licence_refused",
        "inspection_passed",
        "inspection_failed",
    ):
        assert kind in trader_kinds
    for user in (agencies.officer, agencies.bank):
        assert not {"licence_applied", "inspection_waiting", "licence_approved"} & set(
            kinds_for(user)
        )


def test_the_preferences_page_lists_an_agency_officers_kinds(agencies, client):
    client.force_login(agencies.licensing)
    page = client.get("/notifications/preferences/").content.decode()
    assert "A new licence application to your agency" in page
    assert "An applicant&#x27;s answer to your agency&#x27;s query" in page
    assert "inspection" not in page.split("<fieldset", 1)[1].split("</fieldset>", 1)[0]

    client.force_login(agencies.inspector)
    page = client.get("/notifications/preferences/").content.decode()
    assert "A declaration waiting for your agency&#x27;s inspection" in page
    assert "licence application" not in page


def test_an_agency_officer_who_turns_the_e_mail_off_is_told_in_the_app_only(agencies, client):
    client.force_login(agencies.licensing)
    response = client.post("/notifications/preferences/", {"licence_answered": "on"})
    assert response.status_code == 302
    preference = EmailPreference.objects.get(user=agencies.licensing)
    assert preference.email == {"licence_applied": False, "licence_answered": True}

    application(agencies)

    assert [n.kind for n in told(agencies.licensing)] == ["licence_applied"]
    # Only the other officer of the agency is e-mailed.
    assert e_mails() == 1


def test_an_agency_officer_cannot_choose_kinds_of_another_role(agencies):
    services.save_email_preferences(
        actor=agencies.inspector, email={"licence_applied": True, "inspection_waiting": False}
    )

    preference = EmailPreference.objects.get(user=agencies.inspector)
    assert preference.email == {"inspection_waiting": False}
