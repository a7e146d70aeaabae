"""Agencies of the single window and their officers: the agency services and ledger entries, the
role rule for agency officers, the selectors other apps ask, and the agency admin."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from eport.accounts import selectors, services
from eport.accounts.models import Agency, User
from ledger.models import Entry

from .factories import make_agency, make_company, make_office, make_superuser, make_user

pytestmark = pytest.mark.django_db

ACTOR = "system:test"
LICENSING = Agency.Kind.LICENSING
INSPECTION = Agency.Kind.INSPECTION


def entries_about(subject: str) -> list[Entry]:
    return list(Entry.objects.filter(subject=subject).order_by("seq"))


def messages(error: ValidationError, field: str) -> list[str]:
    return error.message_dict[field]


# --- create_agency and update_agency ------------------------------------------------------------


def test_creating_an_agency_records_agency_created_with_its_details():
    agency = services.create_agency(
        actor=ACTOR,
        code=" shcom ",
        name="Shanghai Municipal Commission of Commerce",
        kind=LICENSING,
    )

    assert agency.code == "SHCOM" and agency.is_licensing and not agency.is_inspection
    [entry] = entries_about("agency:SHCOM")
    assert (entry.actor, entry.action) == (ACTOR, "agency.created")
    assert entry.data["changed"] == {
        "code": "SHCOM",
        "name": "Shanghai Municipal Commission of Commerce",
        "kind": "licensing",
        "active": True,
    }


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"code": "SH-COM"}, "code", "An agency code is 2 to 10 capital letters or digits."),
        ({"code": "S"}, "code", "An agency code is 2 to 10 capital letters or digits."),
        ({"name": "  "}, "name", "Enter the agency name."),
        ({"kind": "customs"}, "kind", "Value 'customs' is not a valid choice."),
    ],
)
def test_an_agency_with_a_bad_detail_is_refused_beside_that_field_and_nothing_is_kept(
    fields, field, message
):
    values = {"code": "SHCIQ", "name": "Shanghai Inspection and Quarantine", "kind": INSPECTION}

    with pytest.raises(ValidationError) as refused:
        services.create_agency(actor=ACTOR, **(values | fields))

    assert message in messages(refused.value, field)
    assert not Agency.objects.exists()
    assert not Entry.objects.filter(action="agency.created").exists()


def test_an_agency_code_already_taken_is_refused():
    make_agency(LICENSING, code="SHCOM")

    with pytest.raises(ValidationError) as refused:
        services.create_agency(actor=ACTOR, code="shcom", name="Another", kind=INSPECTION)

    assert messages(refused.value, "code") == ["Agency SHCOM already exists."]
    assert Agency.objects.count() == 1


def test_updating_an_agency_records_only_what_changed():
    agency = make_agency(INSPECTION, code="SHCIQ")

    services.update_agency(
        agency=agency, actor=ACTOR, name="Shanghai Customs Inspection", active=True
    )

    _created, updated = entries_about(agency.ledger_subject)
    assert updated.action == "agency.updated"
    assert updated.data["changed"] == {"name": "Shanghai Customs Inspection"}


def test_an_agency_with_active_officers_cannot_be_deactivated_until_they_are():
    agency = make_agency(LICENSING)
    officer = make_user(User.Role.AGENCY, agency=agency)

    with pytest.raises(ValidationError) as refused:
        services.update_agency(agency=agency, actor=ACTOR, active=False)

    assert messages(refused.value, "active") == [
        "Agency SHCOM still has active officers; deactivate them first."
    ]
    agency.refresh_from_db()
    assert agency.active

    services.deactivate_user(user=officer, actor=ACTOR)
    services.update_agency(agency=agency, actor=ACTOR, active=False)
    agency.refresh_from_db()
    assert not agency.active
    assert entries_about(agency.ledger_subject)[-1].data["changed"] == {"active": False}


# --- agency officers ----------------------------------------------------------------------------


def test_an_agency_officer_belongs_to_the_agency_and_the_ledger_names_it_by_code():
    inspection = make_agency(INSPECTION)

    inspector = make_user(User.Role.AGENCY, username="inspector", agency=inspection)
    licensing_officer = make_user(User.Role.AGENCY, username="licensing")

    assert inspector.is_agency and inspector.is_inspector and not inspector.is_licensing_officer
    assert licensing_officer.is_licensing_officer and licensing_officer.agency.code == "SHCOM"
    [entry] = entries_about(inspector.ledger_subject)
    assert entry.action == "user.created"
    assert entry.data["changed"]["role"] == "agency"
    assert entry.data["changed"]["agency"] == "agency:SHCIQ"


@pytest.mark.parametrize(
    ("role", "organisation", "field", "message"),
    [
        ("agency", set(), "agency", "An agency officer must belong to an agency."),
        (
            "agency",
            {"agency", "company"},
            "company",
            "An agency officer belongs to an agency, not to a company.",
        ),
        (
            "agency",
            {"agency", "office"},
            "office",
            "An agency officer belongs to an agency, not to a customs office.",
        ),
        (
            "trader",
            {"company", "agency"},
            "agency",
            "A trader belongs to a company, not to an agency.",
        ),
        (
            "officer",
            {"office", "agency"},
            "agency",
            "A customs officer belongs to a customs office, not to an agency; make an agency's "
            "staff agency officers.",
        ),
        ("auditor", {"agency"}, "agency", "An auditor belongs to no agency."),
    ],
)
def test_only_agency_officers_have_an_agency_and_they_have_nothing_else(
    role, organisation, field, message
):
    agency = make_agency(LICENSING)
    given = {
        "company": make_company() if "company" in organisation else None,
        "office": make_office() if "office" in organisation else None,
        "agency": agency if "agency" in organisation else None,
    }

    with pytest.raises(ValidationError) as refused:
        services.check_role_organisation(role, **given)

    assert messages(refused.value, field) == [message]


def test_officers_of_an_inactive_agency_are_refused():
    agency = services.create_agency(
        actor=ACTOR, code="OLDCIQ", name="Former bureau", kind=INSPECTION, active=False
    )

    with pytest.raises(ValidationError) as refused:
        make_user(User.Role.AGENCY, username="late", agency=agency)

    assert messages(refused.value, "agency") == ["Agency OLDCIQ is inactive."]
    assert not User.objects.filter(username="late").exists()


def test_a_customs_officer_moved_to_an_agency_is_one_role_change_entry():
    agency = make_agency(INSPECTION)
    officer = make_user(User.Role.OFFICER)

    services.update_user(user=officer, actor=ACTOR, role=User.Role.AGENCY, agency=agency)

    officer.refresh_from_db()
    assert officer.is_inspector and officer.office is None
    entry = entries_about(officer.ledger_subject)[-1]
    assert entry.action == "user.role_changed"
    assert entry.data["changed"] == {"role": "agency", "office": None, "agency": "agency:SHCIQ"}


def test_an_officer_of_a_deactivated_agency_cannot_be_reactivated_there():
    agency = make_agency(LICENSING)
    officer = make_user(User.Role.AGENCY, agency=agency)
    services.deactivate_user(user=officer, actor=ACTOR)
    services.update_agency(agency=agency, actor=ACTOR, active=False)

    with pytest.raises(ValidationError) as refused:
        services.update_user(user=officer, actor=ACTOR, is_active=True)

    assert messages(refused.value, "is_active") == [
        "Agency SHCOM is inactive; move this officer to an active agency before reactivating "
        "the account."
    ]
    officer.refresh_from_db()
    assert not officer.is_active


# --- selectors ----------------------------------------------------------------------------------


def test_goods_at_any_office_go_to_the_active_inspection_agency_with_the_lowest_code():
    assert selectors.inspection_agency_for(make_office()) is None
    make_agency(LICENSING, code="AACOM")
    ningbo = make_agency(INSPECTION, code="NBCIQ", name="Ningbo Inspection and Quarantine")
    shanghai = make_agency(INSPECTION, code="SHCIQ")

    assert selectors.inspection_agency_for(make_office()) == ningbo

    services.update_agency(agency=ningbo, actor=ACTOR, active=False)
    assert selectors.inspection_agency_for(make_office()) == shanghai


def test_a_trader_applies_to_the_active_licensing_agencies_only():
    commerce = make_agency(LICENSING, code="SHCOM")
    make_agency(INSPECTION, code="SHCIQ")
    former = make_agency(LICENSING, code="OLDCOM", name="Former commission")
    services.update_agency(agency=former, actor=ACTOR, active=False)

    assert list(selectors.licensing_agencies()) == [commerce]


# --- the admin ----------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    admin = make_superuser()
    client.force_login(admin)
    client.admin = admin
    return client


def agency_form(**fields) -> dict:
    data = {
        "code": "SHCIQ",
        "name": "Shanghai Inspection and Quarantine",
        "kind": "inspection",
        "active": "on",
        "_save": "Save",
    }
    data.update(fields)
    return {name: value for name, value in data.items() if value is not None}


def test_an_agency_added_in_the_admin_is_created_by_the_service(admin_client):
    response = admin_client.post(reverse("admin:accounts_agency_add"), agency_form())

    assert response.status_code == 302
    agency = Agency.objects.get(code="SHCIQ")
    [entry] = entries_about(agency.ledger_subject)
    assert (entry.actor, entry.action) == (f"user:{admin_client.admin.pk}", "agency.created")


def test_the_admin_refuses_to_deactivate_an_agency_with_active_officers(admin_client):
    agency = make_agency(INSPECTION)
    make_user(User.Role.AGENCY, agency=agency)

    response = admin_client.post(
        reverse("admin:accounts_agency_change", args=[agency.pk]),
        agency_form(code=None, kind=None, active=None),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["active"] == [
        "Agency SHCIQ still has active officers; deactivate them first."
    ]
    agency.refresh_from_db()
    assert agency.active


def test_an_agency_keeps_its_code_and_kind_and_is_never_deleted_in_the_admin(admin_client):
    agency = make_agency(INSPECTION)

    admin_client.post(
        reverse("admin:accounts_agency_change", args=[agency.pk]),
        agency_form(code="OTHER", kind="licensing", name="Shanghai CIQ"),
    )
    deleted = admin_client.post(
        reverse("admin:accounts_agency_delete", args=[agency.pk]), {"post": "yes"}
    )

    agency.refresh_from_db()
    assert (agency.code, agency.kind, agency.name) == ("SHCIQ", "inspection", "Shanghai CIQ")
    assert deleted.status_code == 403


def test_an_agency_officer_added_in_the_admin_belongs_to_the_agency(admin_client):
    agency = make_agency(LICENSING)

    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "licensing2",
            "usable_password": "false",
            "role": "agency",
            "agency": agency.pk,
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    officer = User.objects.get(username="licensing2")
    assert officer.is_licensing_officer
    assert entries_about(officer.ledger_subject)[0].data["changed"]["agency"] == "agency:SHCOM"
