"""The licence pages: who sees which licences, the application form's problems beside their
fields, and the moves of the detail page (refusals as messages, never a 500)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from eport.accounts.models import Agency, User
from eport.licensing import services
from eport.licensing.models import Licence
from ledger.models import Entry
from tests.accounts.factories import make_agency, make_office, make_user
from tests.banks.factories import bank as bank_factory

from . import factories as lf

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    """A trader of each of two companies, a licensing officer of SHCOM and of another licensing
    agency, a customs officer, an auditor, an inspector and a bank's staff member."""
    lf.load_subheadings()

    class People:
        pass

    p = People()
    p.agency = lf.licensing_agency()
    p.trader = make_user(User.Role.TRADER, username="trader")
    p.trader2 = make_user(User.Role.TRADER, username="trader2")
    p.licensing = lf.licensing_officer(p.agency, username="licensing")
    p.other_licensing = lf.licensing_officer(lf.licensing_agency("BJCOM"), username="bjcom")
    p.officer = make_user(User.Role.OFFICER, username="officer", office=make_office())
    p.auditor = make_user(User.Role.AUDITOR, username="auditor")
    p.inspector = make_user(
        User.Role.AGENCY, username="inspector", agency=make_agency(Agency.Kind.INSPECTION)
    )
    return p


def detail_url(licence: Licence) -> str:
    return reverse("licensing:detail", args=[licence.uuid])


def move_url(licence: Licence, move: str) -> str:
    return reverse("licensing:move", args=[licence.uuid, move])


def application_post(**overrides) -> dict:
    today = timezone.localdate()
    data = {
        "agency": "SHCOM",
        "flow": "import",
        "hs_code": "2709000000",
        "description": "Crude petroleum oil",
        "quantity": "1000",
        "unit": "KGM",
        "value": "100000.00",
        "currency": "USD",
        "counterparty_country": "SA",
        "valid_from": today.isoformat(),
        "valid_until": (today + datetime.timedelta(days=180)).isoformat(),
    }
    data.update(overrides)
    return data


# --- the list -----------------------------------------------------------------------------------


def test_a_trader_lists_only_the_companys_own_licences(client, people):
    own = lf.apply_licence(people.trader, description="Crude oil for the Ningbo refinery")
    lf.apply_licence(people.trader2, description="Crude oil of another company")
    client.force_login(people.trader)

    response = client.get(reverse("licensing:list"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Crude oil for the Ningbo refinery" in page
    assert "Crude oil of another company" not in page
    assert detail_url(own) in page
    assert "Apply for a licence" in page


def test_the_licensing_officer_sees_the_agencys_applications_and_not_another_agencys(
    client, people
):
    lf.apply_licence(people.trader, description="For SHCOM")
    lf.apply_licence(
        people.trader2, description="For BJCOM", agency=Agency.objects.get(code="BJCOM")
    )
    client.force_login(people.licensing)

    response = client.get(reverse("licensing:list"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "For SHCOM" in page
    assert "For BJCOM" not in page
    assert "1</strong> application waiting for a decision" in page
    assert "Apply for a licence" not in page


def test_the_list_filters_by_status(client, people):
    approved = lf.approved_licence(people.trader, people.licensing, description="Approved oil")
    lf.apply_licence(people.trader, description="Waiting oil")
    client.force_login(people.trader)

    page = client.get(reverse("licensing:list"), {"status": "approved"}).content.decode()

    assert "Approved oil" in page
    assert "Waiting oil" not in page
    assert approved.number in page


def test_a_bad_status_filter_is_named_and_ignored(client, people):
    lf.apply_licence(people.trader, description="Waiting oil")
    client.force_login(people.trader)

    response = client.get(reverse("licensing:list"), {"status": "nonsense"})

    assert response.status_code == 200
    assert "Waiting oil" in response.content.decode()
    assert "Select a valid choice" in response.content.decode()


def test_customs_officers_see_approved_licences_only(client, people):
    lf.approved_licence(people.trader, people.licensing, description="Approved oil")
    lf.apply_licence(people.trader, description="Waiting oil")
    client.force_login(people.officer)

    page = client.get(reverse("licensing:list")).content.decode()

    assert "Approved oil" in page
    assert "Waiting oil" not in page


@pytest.mark.parametrize("who", ["inspector", "bank"])
def test_people_whose_work_has_no_licences_are_told_so(client, people, who):
    user = people.inspector if who == "inspector" else _bank_user()
    client.force_login(user)

    response = client.get(reverse("licensing:list"))

    assert response.status_code == 403
    assert "Licences are for traders" in response.content.decode()


def _bank_user() -> User:
    return make_user(User.Role.BANK, username="banker", bank=bank_factory())


def test_anonymous_visitors_are_sent_to_sign_in(client, people):
    response = client.get(reverse("licensing:list"))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- the application form -----------------------------------------------------------------------


def test_only_traders_may_apply(client, people):
    client.force_login(people.licensing)

    response = client.get(reverse("licensing:apply"))

    assert response.status_code == 403
    assert "traders can apply for a licence." in response.content.decode()


def test_a_trader_applies_and_lands_on_the_application(client, people):
    client.force_login(people.trader)
    assert client.get(reverse("licensing:apply")).status_code == 200

    response = client.post(reverse("licensing:apply"), application_post(), follow=True)

    licence = Licence.objects.get(company=people.trader.company)
    assert response.redirect_chain[-1][0] == detail_url(licence)
    assert licence.status == Licence.Status.SUBMITTED
    assert licence.quantity == Decimal("1000.000")
    page = response.content.decode()
    assert "Your application was sent to" in page
    assert "Licence applied for" in page  # the timeline, from the ledger
    assert Entry.objects.filter(action="licence.applied", subject=licence.ledger_subject).exists()


def test_every_problem_of_an_application_is_named_beside_its_field_and_nothing_is_saved(
    client, people
):
    client.force_login(people.trader)

    response = client.post(
        reverse("licensing:apply"),
        application_post(hs_code="27AB", quantity="lots", currency="", description=""),
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) >= {"hs_code", "quantity", "currency", "description"}
    page = response.content.decode()
    assert "problems to fix" in page
    assert 'id="id_hs_code_error"' in page
    assert not Licence.objects.exists()


# --- the detail page and its moves --------------------------------------------------------------


def test_another_companys_licence_does_not_exist(client, people):
    licence = lf.approved_licence(people.trader, people.licensing)
    for user in (people.trader2, people.other_licensing, people.inspector):
        client.force_login(user)
        assert client.get(detail_url(licence)).status_code == 404
        assert client.post(move_url(licence, "withdraw"), {"version": 1}).status_code == 404


def test_a_customs_officer_does_not_see_an_application_not_yet_approved(client, people):
    licence = lf.apply_licence(people.trader)
    client.force_login(people.officer)

    assert client.get(detail_url(licence)).status_code == 404


def test_the_licensing_officer_is_offered_the_agencys_moves_and_the_trader_withdrawal(
    client, people
):
    licence = lf.apply_licence(people.trader)

    client.force_login(people.licensing)
    officer_moves = {move["move"].name for move in client.get(detail_url(licence)).context["moves"]}
    client.force_login(people.trader)
    trader_moves = {move["move"].name for move in client.get(detail_url(licence)).context["moves"]}
    client.force_login(people.auditor)
    auditor_page = client.get(detail_url(licence))

    assert officer_moves == {"query", "approve", "refuse"}
    assert trader_moves == {"withdraw"}
    assert auditor_page.context["moves"] == []
    assert "Read-only: auditors see everything" in auditor_page.content.decode()


def test_approving_from_the_page_numbers_the_licence_and_shows_its_balance(client, people):
    licence = lf.apply_licence(people.trader)
    client.force_login(people.licensing)
    page = client.get(detail_url(licence)).content.decode()
    assert f'action="{move_url(licence, "approve")}"' in page
    assert f'name="version" value="{licence.version}"' in page

    response = client.post(
        move_url(licence, "approve"), {"version": licence.version, "note": "Granted."}, follow=True
    )

    licence.refresh_from_db()
    assert licence.status == Licence.Status.APPROVED
    assert licence.number
    page = response.content.decode()
    assert f"Licence {licence.number} approved." in page
    remaining = page.split('data-testid="remaining-quantity"', 1)[1][:80]
    assert "1,000 KGM" in remaining
    assert "Licence approved" in page  # the timeline


def test_a_query_and_its_answer_go_through_the_page(client, people):
    licence = lf.apply_licence(people.trader)
    client.force_login(people.licensing)
    client.post(
        move_url(licence, "query"),
        {"version": licence.version, "question": "Which refinery is it for?"},
    )
    licence.refresh_from_db()
    assert licence.status == Licence.Status.QUERY

    client.force_login(people.trader)
    page = client.get(detail_url(licence)).content.decode()
    assert "Which refinery is it for?" in page
    response = client.post(
        move_url(licence, "answer"),
        {"version": licence.version, "answer": "Ningbo."},
        follow=True,
    )

    licence.refresh_from_db()
    assert licence.status == Licence.Status.SUBMITTED
    assert "Licence query answered" in response.content.decode()


def test_a_refusal_without_a_reason_is_a_message_and_changes_nothing(client, people):
    licence = lf.apply_licence(people.trader)
    client.force_login(people.licensing)

    response = client.post(move_url(licence, "refuse"), {"version": licence.version}, follow=True)

    assert response.status_code == 200
    assert "Please fill in “Reason” before you continue." in response.content.decode()
    licence.refresh_from_db()
    assert licence.status == Licence.Status.SUBMITTED


def test_a_move_at_an_old_version_is_refused_in_words(client, people):
    licence = lf.apply_licence(people.trader)
    seen = licence.version
    licence = services.raise_licence_query(
        licence=licence, actor=people.licensing, version=licence.version, question="Which?"
    )
    services.answer_licence_query(
        licence=licence, actor=people.trader, version=licence.version, answer="Ningbo."
    )
    client.force_login(people.licensing)

    response = client.post(move_url(licence, "approve"), {"version": seen}, follow=True)

    assert "This licence changed after you opened it" in response.content.decode()
    licence.refresh_from_db()
    assert licence.status == Licence.Status.SUBMITTED


def test_a_move_the_person_may_not_make_is_refused_in_words(client, people):
    licence = lf.apply_licence(people.trader)
    client.force_login(people.trader)

    response = client.post(move_url(licence, "approve"), {"version": licence.version}, follow=True)

    assert response.status_code == 200
    assert "Only licensing officers" in response.content.decode()
    licence.refresh_from_db()
    assert licence.status == Licence.Status.SUBMITTED


def test_an_unknown_move_or_a_missing_version_is_never_a_500(client, people):
    licence = lf.apply_licence(people.trader)
    client.force_login(people.licensing)

    assert client.post(move_url(licence, "teleport"), {"version": 1}).status_code == 404
    response = client.post(move_url(licence, "approve"), {}, follow=True)
    assert "The form was incomplete" in response.content.decode()


def test_a_date_that_is_not_a_date_is_named_in_the_message(client, people):
    licence = lf.apply_licence(people.trader)
    client.force_login(people.licensing)

    response = client.post(
        move_url(licence, "approve"),
        {"version": licence.version, "valid_until": "next spring"},
        follow=True,
    )

    assert "Valid until: enter a date as year-month-day" in response.content.decode()
    licence.refresh_from_db()
    assert licence.status == Licence.Status.SUBMITTED


def test_an_approval_with_dates_outside_the_application_is_refused_in_words(client, people):
    licence = lf.apply_licence(people.trader)
    client.force_login(people.licensing)
    later = licence.valid_until + datetime.timedelta(days=30)

    response = client.post(
        move_url(licence, "approve"),
        {"version": licence.version, "valid_until": later.isoformat()},
        follow=True,
    )

    assert response.status_code == 200
    assert [str(message) for message in response.context["messages"]]
    licence.refresh_from_db()
    assert licence.status == Licence.Status.SUBMITTED


# --- navigation and home ------------------------------------------------------------------------


def test_each_agency_officer_starts_at_their_queue(client, people):
    client.force_login(people.licensing)
    assert client.get("/")["Location"] == reverse("licensing:list")
    labels = [link["label"] for link in client.get(reverse("licensing:list")).context["nav_links"]]
    assert labels == ["Licence queue", "API tokens"]

    client.force_login(people.inspector)
    assert client.get("/")["Location"] == reverse("declarations:inspection_queue")


def test_traders_have_a_licences_link(client, people):
    client.force_login(people.trader)

    labels = [link["label"] for link in client.get(reverse("licensing:list")).context["nav_links"]]

    assert "Licences" in labels
