"""Editing reference tables and users in /admin/: every saved change is one ledger entry."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils.timezone import localtime

from eport.accounts.models import User
from eport.core.ledgering import model_snapshot, state_digest
from eport.reference.models import TariffLine
from ledger.models import Entry

from .factories import make_editor, make_office, make_superuser, make_user

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
    return list(Entry.objects.filter(seq__gt=since).order_by("seq"))


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
