"""Editing reference tables and users in /admin/: every saved change is one ledger entry."""

import importlib
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils.timezone import localtime

from eport.accounts import services
from eport.accounts.models import User
from eport.core.ledgering import model_snapshot, state_digest
from eport.reference.models import TariffLine
from ledger.models import Entry

from .factories import (
    make_company,
    make_editor,
    make_office,
    make_superuser,
    make_usci,
    make_user,
)

pytestmark = pytest.mark.django_db


def make_line(prefix="8517", **kwargs) -> TariffLine:
    values = {"description": "Telephones", "duty_rate": Decimal("0"), "vat_rate": Decimal("13")}
    values.update(kwargs)
    return TariffLine.objects.create(hs_prefix=prefix, **values)


def line_form(line: TariffLine, **changes) -> dict:
    data = {
        "hs_prefix": line.hs_prefix,
        "description": line.description,
        "duty_rate": str(line.duty_rate),
        "vat_rate": str(line.vat_rate),
        "_save": "Save",
    }
    if line.illustrative:
        data["illustrative"] = "on"
    data.update(changes)
    return data


def new_entries(since: int) -> list[Entry]:
    # The genesis entry opens an empty ledger with whatever is recorded first; it is not a change.
    entries = Entry.objects.filter(seq__gt=since).exclude(action="ledger.genesis")
    return list(entries.order_by("seq"))


def head() -> int:
    last = Entry.objects.order_by("-seq").first()
    return last.seq if last else -1


@pytest.fixture
def editor(client):
    user = make_editor()
    client.force_login(user)
    return user


@pytest.mark.smoke
def test_an_editor_changing_a_duty_rate_in_the_admin_records_one_entry(client, editor):
    line = make_line()
    before = head()

    response = client.post(
        reverse("admin:reference_tariffline_change", args=[line.pk]),
        line_form(line, duty_rate="6.5"),
    )

    assert response.status_code == 302
    line.refresh_from_db()
    assert line.duty_rate == Decimal("6.50")
    [entry] = new_entries(before)
    assert (entry.actor, entry.action, entry.subject) == (
        f"user:{editor.pk}",
        "tariff.updated",
        "tariff:8517",
    )
    assert entry.data == {
        "changed": {"duty_rate": "6.50"},
        "state": state_digest(model_snapshot(line)),
    }
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    assert "intact" in out.getvalue()


def test_an_invalid_rate_is_explained_and_leaves_no_entry(client, editor):
    line = make_line()
    before = head()

    response = client.post(
        reverse("admin:reference_tariffline_change", args=[line.pk]),
        line_form(line, duty_rate="-1"),
    )

    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 0" in response.text
    line.refresh_from_db()
    assert line.duty_rate == Decimal("0.00")
    assert new_entries(before) == []


def test_saving_without_changes_records_nothing(client, editor):
    line = make_line()
    before = head()

    client.post(reverse("admin:reference_tariffline_change", args=[line.pk]), line_form(line))

    assert new_entries(before) == []


def test_staff_outside_the_editors_group_cannot_change_the_tariff(client):
    officer = make_user(User.Role.OFFICER, is_staff=True)
    client.force_login(officer)
    line = make_line()
    before = head()

    response = client.post(
        reverse("admin:reference_tariffline_change", args=[line.pk]),
        line_form(line, duty_rate="50"),
    )

    assert response.status_code == 403
    assert new_entries(before) == []


def test_adding_a_tariff_line_records_all_its_values(client, editor):
    before = head()

    response = client.post(
        reverse("admin:reference_tariffline_add"),
        {"hs_prefix": "9503", "description": "Toys", "duty_rate": "0", "vat_rate": "13"},
    )

    assert response.status_code == 302
    [entry] = new_entries(before)
    assert entry.action == "tariff.created"
    assert entry.data["changed"] == {
        "hs_prefix": "9503",
        "description": "Toys",
        "duty_rate": "0.00",
        "vat_rate": "13.00",
        "illustrative": False,
    }


def test_deleting_a_tariff_line_records_its_deletion(client, editor):
    line = make_line()
    last_state = state_digest(model_snapshot(line))
    before = head()

    response = client.post(
        reverse("admin:reference_tariffline_delete", args=[line.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    [entry] = new_entries(before)
    assert (entry.action, entry.subject, entry.data) == (
        "tariff.deleted",
        "tariff:8517",
        {"last_state": last_state},
    )


def test_the_bulk_delete_action_records_each_deleted_line(client, editor):
    lines = [make_line("8517"), make_line("8471")]
    before = head()

    response = client.post(
        reverse("admin:reference_tariffline_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [line.pk for line in lines],
            "post": "yes",
        },
    )

    assert response.status_code == 302
    assert not TariffLine.objects.exists()
    entries = new_entries(before)
    assert sorted((entry.action, entry.subject) for entry in entries) == [
        ("tariff.deleted", "tariff:8471"),
        ("tariff.deleted", "tariff:8517"),
    ]


def test_an_editor_can_rename_an_office_and_it_is_ledgered(client, editor):
    office = make_office("2201")
    before = head()

    response = client.post(
        reverse("admin:accounts_customsoffice_change", args=[office.pk]),
        {"name": "Shanghai Customs District (Waigaoqiao)", "active": "on"},
    )

    assert response.status_code == 302
    [entry] = new_entries(before)
    assert (entry.action, entry.subject) == ("office.updated", "office:2201")
    assert entry.data["changed"] == {"name": "Shanghai Customs District (Waigaoqiao)"}


# Users --------------------------------------------------------------------------------------


def user_form(user: User, **changes) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "date_joined_0": localtime(user.date_joined).strftime("%Y-%m-%d"),
        "date_joined_1": localtime(user.date_joined).strftime("%H:%M:%S"),
        # A field with a callable default is sent back with its initial value, as browsers do.
        "initial-date_joined_0": localtime(user.date_joined).strftime("%Y-%m-%d"),
        "initial-date_joined_1": localtime(user.date_joined).strftime("%H:%M:%S"),
        "role": user.role,
        "company": user.company_id or "",
        "office": user.office_id or "",
        "_save": "Save",
    }
    if user.is_active:
        data["is_active"] = "on"
    data.update(changes)
    return data


@pytest.fixture
def admin_client_for(client):
    admin = make_superuser()
    client.force_login(admin)
    return client, admin


def trader_with_whole_seconds() -> User:
    trader = make_user(User.Role.TRADER, email="trader@example.com", first_name="Mei")
    User.objects.filter(pk=trader.pk).update(date_joined=trader.date_joined.replace(microsecond=0))
    trader.refresh_from_db()
    return trader


def test_a_role_change_in_the_admin_is_ledgered_without_secrets_or_personal_data(
    admin_client_for,
):
    client, admin = admin_client_for
    trader = trader_with_whole_seconds()
    office = make_office()
    before = head()

    response = client.post(
        reverse("admin:accounts_user_change", args=[trader.pk]),
        user_form(trader, role="officer", company="", office=office.pk),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    [entry] = new_entries(before)
    raw = bytes(entry.canonical).decode()
    assert (entry.actor, entry.action, entry.subject) == (
        f"user:{admin.pk}",
        "user.role_changed",
        f"user:{trader.pk}",
    )
    assert entry.data["changed"] == {"role": "officer", "company": None, "office": "office:2201"}
    trader.refresh_from_db()
    for secret in (trader.password, trader.username, "trader@example.com", "Mei"):
        assert secret not in raw


def test_a_role_without_its_organisation_is_refused_in_the_admin(admin_client_for):
    client, _ = admin_client_for
    trader = trader_with_whole_seconds()
    before = head()

    response = client.post(
        reverse("admin:accounts_user_change", args=[trader.pk]),
        user_form(trader, role="officer", company="", office=""),
    )

    assert response.status_code == 200
    assert "An officer must belong to a customs office." in response.text
    assert new_entries(before) == []


def test_a_changed_email_is_noted_by_name_only(admin_client_for):
    client, _ = admin_client_for
    trader = trader_with_whole_seconds()
    before = head()

    client.post(
        reverse("admin:accounts_user_change", args=[trader.pk]),
        user_form(trader, email="new.address@example.com"),
    )

    [entry] = new_entries(before)
    assert entry.action == "user.updated"
    assert entry.data["changed"] == {}
    assert entry.data["other_fields_changed"] == ["email"]
    assert b"new.address" not in bytes(entry.canonical)


def test_a_password_set_in_the_admin_is_recorded_without_the_secret(admin_client_for):
    client, admin = admin_client_for
    trader = make_user(User.Role.TRADER)
    before = head()

    response = client.post(
        reverse("admin:auth_user_password_change", args=[trader.pk]),
        {"password1": "a-New-passw0rd-2026", "password2": "a-New-passw0rd-2026"},
    )

    assert response.status_code == 302
    trader.refresh_from_db()
    assert trader.check_password("a-New-passw0rd-2026")
    [entry] = new_entries(before)
    assert (entry.actor, entry.action) == (f"user:{admin.pk}", "user.password_changed")
    assert entry.data["changed"] == {}
    raw = bytes(entry.canonical)
    assert trader.password.encode() not in raw and b"a-New-passw0rd" not in raw


def test_a_mismatched_admin_password_records_nothing(admin_client_for):
    client, _ = admin_client_for
    trader = make_user(User.Role.TRADER)
    before = head()

    response = client.post(
        reverse("admin:auth_user_password_change", args=[trader.pk]),
        {"password1": "a-New-passw0rd-2026", "password2": "something-else-2026"},
    )

    assert response.status_code == 200
    assert new_entries(before) == []


def test_the_tariff_list_labels_shipped_rates_as_illustrative(client, editor):
    line = make_line()

    listing = client.get(reverse("admin:reference_tariffline_changelist"))
    page = client.get(reverse("admin:reference_tariffline_change", args=[line.pk]))

    assert listing.status_code == 200
    assert "Illustrative" in listing.text
    assert page.status_code == 200
    assert "ILLUSTRATIVE, not the legal tariff" in page.text


# The admin is one more caller of the services ------------------------------------------------


def form_errors(response) -> dict:
    return response.context["adminform"].form.errors


def test_an_auditor_with_an_office_is_refused_in_the_admin(admin_client_for):
    client, _ = admin_client_for
    trader = trader_with_whole_seconds()
    office = make_office()
    before = head()

    response = client.post(
        reverse("admin:accounts_user_change", args=[trader.pk]),
        user_form(trader, role="auditor", company="", office=office.pk),
    )

    assert response.status_code == 200
    assert form_errors(response)["office"] == [
        "An auditor belongs to neither a company nor a customs office."
    ]
    assert "An auditor belongs to neither a company nor a customs office." in response.text
    trader.refresh_from_db()
    assert (trader.role, trader.office) == ("trader", None)
    assert new_entries(before) == []


def test_an_officer_of_an_inactive_office_is_refused_in_the_admin(admin_client_for):
    client, _ = admin_client_for
    trader = trader_with_whole_seconds()
    closed = services.create_office(actor="system:test", code="0101", name="Closed", active=False)
    before = head()

    response = client.post(
        reverse("admin:accounts_user_change", args=[trader.pk]),
        user_form(trader, role="officer", company="", office=closed.pk),
    )

    assert response.status_code == 200
    assert form_errors(response)["office"] == ["Customs office 0101 is inactive."]
    trader.refresh_from_db()
    assert (trader.role, trader.office) == ("trader", None)
    assert new_entries(before) == []


def test_a_new_auditor_with_an_office_is_refused_and_not_created(admin_client_for):
    client, _ = admin_client_for
    office = make_office()
    before = head()

    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "new.auditor",
            "usable_password": "false",
            "role": "auditor",
            "office": office.pk,
            "_save": "Save",
        },
    )

    assert response.status_code == 200
    assert form_errors(response)["office"] == [
        "An auditor belongs to neither a company nor a customs office."
    ]
    assert not User.objects.filter(username="new.auditor").exists()
    assert new_entries(before) == []


def test_a_user_added_in_the_admin_is_created_by_the_service_with_one_entry(admin_client_for):
    client, admin = admin_client_for
    office = make_office()
    before = head()

    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "new.officer",
            "usable_password": "true",
            "password1": "a-New-passw0rd-2026",
            "password2": "a-New-passw0rd-2026",
            "role": "officer",
            "office": office.pk,
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(username="new.officer")
    assert user.check_password("a-New-passw0rd-2026")
    [entry] = new_entries(before)
    assert (entry.actor, entry.action, entry.subject) == (
        f"user:{admin.pk}",
        "user.created",
        f"user:{user.pk}",
    )
    assert entry.data == {
        "changed": model_snapshot(user),
        "state": state_digest(model_snapshot(user)),
    }
    assert b"a-New-passw0rd" not in bytes(entry.canonical)


def test_access_granted_in_the_admin_is_one_entry_with_the_groups_by_name(admin_client_for):
    client, _ = admin_client_for
    trader = trader_with_whole_seconds()
    editors = services.ensure_editor_group()
    before = head()

    response = client.post(
        reverse("admin:accounts_user_change", args=[trader.pk]),
        user_form(trader, is_staff="on", groups=[editors.pk], last_name="Chen"),
    )

    assert response.status_code == 302, form_errors(response)
    [entry] = new_entries(before)
    assert entry.action == "user.updated"
    assert entry.data["changed"] == {"is_staff": True, "groups": ["Tariff and risk editors"]}
    assert entry.data["other_fields_changed"] == ["last_name"]
    trader.refresh_from_db()
    assert entry.data["state"] == state_digest(model_snapshot(trader))


def test_nobody_can_deactivate_their_own_account_in_the_admin(admin_client_for):
    client, admin = admin_client_for
    User.objects.filter(pk=admin.pk).update(date_joined=admin.date_joined.replace(microsecond=0))
    admin.refresh_from_db()
    before = head()

    data = user_form(admin, is_staff="on", is_superuser="on")
    del data["is_active"]
    response = client.post(reverse("admin:accounts_user_change", args=[admin.pk]), data)

    assert response.status_code == 200
    assert form_errors(response)["is_active"] == ["You cannot deactivate your own account."]
    admin.refresh_from_db()
    assert admin.is_active
    assert new_entries(before) == []


def test_an_office_with_active_officers_cannot_be_deactivated_in_the_admin(client, editor):
    office = editor.office
    before = head()

    response = client.post(
        reverse("admin:accounts_customsoffice_change", args=[office.pk]), {"name": office.name}
    )

    assert response.status_code == 200
    assert "still has active officers" in form_errors(response)["active"][0]
    office.refresh_from_db()
    assert office.active
    assert new_entries(before) == []


def test_a_company_added_in_the_admin_is_registered_by_the_service(admin_client_for):
    client, admin = admin_client_for
    usci = make_usci(77)
    before = head()

    response = client.post(
        reverse("admin:accounts_company_add"),
        {"usci": usci, "name": "Ningbo Imports Co.", "address": "", "_save": "Save"},
    )

    assert response.status_code == 302
    [entry] = new_entries(before)
    assert (entry.actor, entry.action, entry.subject) == (
        f"user:{admin.pk}",
        "company.created",
        f"company:{usci}",
    )
    assert entry.data["changed"] == {"usci": usci, "name": "Ningbo Imports Co.", "address": ""}


@pytest.mark.parametrize("model", ["customsoffice", "company", "user"])
def test_parties_named_in_the_ledger_cannot_be_deleted_in_the_admin(admin_client_for, model):
    client, _ = admin_client_for
    made = {
        "customsoffice": make_office,
        "company": make_company,
        "user": lambda: make_user(User.Role.AUDITOR),
    }[model]()
    before = head()

    response = client.post(
        reverse(f"admin:accounts_{model}_delete", args=[made.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert type(made).objects.filter(pk=made.pk).exists()
    assert new_entries(before) == []


def test_a_tariff_line_keeps_its_prefix_when_changed_in_the_admin(client, editor):
    line = make_line()
    before = head()

    response = client.post(
        reverse("admin:reference_tariffline_change", args=[line.pk]),
        line_form(line, hs_prefix="8518", vat_rate="9"),
    )

    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.hs_prefix, line.vat_rate) == ("8517", Decimal("9.00"))
    [entry] = new_entries(before)
    assert (entry.subject, entry.data["changed"]) == ("tariff:8517", {"vat_rate": "9.00"})


SERVICE_CALLS = [
    # (admin URL name, module of the service, the service the admin must call)
    ("admin:reference_tariffline_add", "eport.reference.services", "create_tariff_line"),
    ("admin:reference_tariffline_change", "eport.reference.services", "update_tariff_line"),
    ("admin:accounts_customsoffice_add", "eport.accounts.services", "create_office"),
    ("admin:accounts_customsoffice_change", "eport.accounts.services", "update_office"),
    ("admin:accounts_company_change", "eport.accounts.services", "update_company"),
    ("admin:accounts_user_change", "eport.accounts.services", "update_user"),
]


@pytest.mark.parametrize(("url_name", "module", "service"), SERVICE_CALLS)
def test_each_admin_save_is_one_call_of_the_service_and_one_entry(
    admin_client_for, monkeypatch, url_name, module, service
):
    client, admin = admin_client_for
    line, office, company = make_line(), make_office(), make_company()
    user = trader_with_whole_seconds()
    forms = {
        "admin:reference_tariffline_add": (
            [],
            {"hs_prefix": "9503", "description": "Toys", "duty_rate": "0", "vat_rate": "13"},
        ),
        "admin:reference_tariffline_change": ([line.pk], line_form(line, duty_rate="7")),
        "admin:accounts_customsoffice_add": ([], {"code": "0101", "name": "Beijing"}),
        "admin:accounts_customsoffice_change": ([office.pk], {"name": "Renamed", "active": "on"}),
        "admin:accounts_company_change": ([company.pk], {"name": "Renamed Co.", "address": ""}),
        "admin:accounts_user_change": ([user.pk], user_form(user, email="x@example.com")),
    }
    args, data = forms[url_name]
    target = importlib.import_module(module)
    real = getattr(target, service)
    calls = []

    def spy(**kwargs):
        calls.append(kwargs["actor"])
        return real(**kwargs)

    monkeypatch.setattr(target, service, spy)
    before = head()

    response = client.post(reverse(url_name, args=args), data)

    assert response.status_code == 302, form_errors(response)
    assert calls == [admin]
    [entry] = new_entries(before)
    assert entry.actor == f"user:{admin.pk}"
