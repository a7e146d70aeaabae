import hashlib

import pytest
import rfc8785
from django.core.exceptions import ValidationError

from eport.accounts import services
from eport.accounts.models import User
from eport.core.ledgering import model_snapshot, state_digest
from ledger.models import Entry

from .factories import make_company, make_office, make_usci, make_user

pytestmark = pytest.mark.django_db


def last_entry() -> Entry:
    return Entry.objects.order_by("-seq").first()


def test_registering_a_company_records_it_under_its_usci():
    company = services.create_company(
        actor="system:test", usci="91310000ma1fl4b24g", name="Pudong Import Co."
    )

    entry = last_entry()
    assert company.usci == "91310000MA1FL4B24G"
    assert (entry.action, entry.subject) == ("company.created", "company:91310000MA1FL4B24G")
    assert entry.data["changed"] == {
        "usci": "91310000MA1FL4B24G",
        "name": "Pudong Import Co.",
        "address": "",
    }
    snapshot = {"address": "", "name": "Pudong Import Co.", "usci": "91310000MA1FL4B24G"}
    assert entry.data["state"] == hashlib.sha256(rfc8785.dumps(snapshot)).hexdigest()


def test_a_bad_usci_check_character_is_refused_with_the_expected_character():
    with pytest.raises(ValidationError) as caught:
        services.create_company(actor="system:test", usci="91310000MA1FL4B24X", name="X")

    assert "should be G, not X" in caught.value.message_dict["usci"][0]
    assert not Entry.objects.exists()


def test_a_usci_can_be_registered_only_once():
    company = make_company()

    with pytest.raises(ValidationError) as caught:
        services.create_company(actor="system:test", usci=company.usci, name="Again")

    assert caught.value.message_dict["usci"] == [
        f"A company with USCI {company.usci} is already registered."
    ]


def test_updating_a_company_records_only_what_changed_with_the_reason():
    company = make_company(name="Old Name Co.")

    services.update_company(
        company=company, actor="system:test", name="New Name Co.", address="", reason="rebrand"
    )

    entry = last_entry()
    assert entry.action == "company.updated"
    assert entry.data["changed"] == {"name": "New Name Co."}
    assert entry.data["reason"] == "rebrand"


def test_an_update_that_changes_nothing_records_nothing():
    company = make_company(name="Same Co.")
    count = Entry.objects.count()

    services.update_company(company=company, actor="system:test", name="Same Co.")

    assert Entry.objects.count() == count


def test_an_office_code_must_be_four_digits():
    with pytest.raises(ValidationError) as caught:
        services.create_office(actor="system:test", code="22", name="Short")

    assert caught.value.message_dict["code"] == ["An office code is exactly 4 digits."]


def test_an_office_with_active_officers_cannot_be_deactivated():
    office = make_office()
    make_user(User.Role.OFFICER, office=office)

    with pytest.raises(ValidationError) as caught:
        services.update_office(office=office, actor="system:test", active=False)

    assert "still has active officers" in caught.value.message_dict["active"][0]


@pytest.mark.parametrize(
    ("role", "organisation", "field", "message"),
    [
        ("trader", {}, "company", "A trader must belong to a company."),
        ("officer", {}, "office", "An officer must belong to a customs office."),
        (
            "auditor",
            {"office": "office"},
            "office",
            "An auditor belongs to neither a company nor a customs office.",
        ),
        (
            "trader",
            {"company": "company", "office": "office"},
            "office",
            "A trader belongs to a company, not to a customs office.",
        ),
    ],
)
def test_a_role_needs_exactly_its_organisation(role, organisation, field, message):
    made = {"company": make_company, "office": make_office}
    kwargs = {key: made[value]() for key, value in organisation.items()}

    with pytest.raises(ValidationError) as caught:
        services.create_user(actor="system:test", username="someone", role=role, **kwargs)

    assert caught.value.message_dict[field] == [message]


def test_an_unknown_role_is_refused_with_the_choices():
    with pytest.raises(ValidationError) as caught:
        services.create_user(actor="system:test", username="someone", role="admin")

    assert caught.value.message_dict["role"] == [
        "'admin' is not a role; choose one of trader, officer, auditor, bank, agency."
    ]


def test_a_new_user_is_ledgered_without_personal_data_or_password():
    user = services.create_user(
        actor="system:test",
        username="li.wei",
        role="auditor",
        password="a-Long-passw0rd-for-tests",
        email="li.wei@example.com",
        first_name="Wei",
        last_name="Li",
    )

    entry = last_entry()
    raw = bytes(entry.canonical).decode()
    assert (entry.action, entry.subject) == ("user.created", f"user:{user.pk}")
    assert entry.data["changed"]["role"] == "auditor"
    for secret in ("li.wei", "example.com", "Wei", user.password):
        assert secret not in raw
    assert user.check_password("a-Long-passw0rd-for-tests")


def test_a_weak_password_is_refused_with_the_validators_message():
    with pytest.raises(ValidationError) as caught:
        services.create_user(
            actor="system:test", username="someone", role="auditor", password="123"
        )

    assert any("too short" in message for message in caught.value.message_dict["password"])


def test_changing_a_role_moves_the_user_to_the_new_organisation_and_is_ledgered():
    trader = make_user(User.Role.TRADER)
    office = make_office()
    actor = make_user(User.Role.AUDITOR)

    services.change_user_role(
        user=trader, actor=actor, role="officer", office=office, reason="joined customs"
    )

    trader.refresh_from_db()
    entry = last_entry()
    assert (trader.role, trader.company, trader.office) == ("officer", None, office)
    assert entry.action == "user.role_changed"
    assert entry.actor == f"user:{actor.pk}"
    assert entry.data["changed"] == {"role": "officer", "company": None, "office": "office:2201"}
    assert entry.data["reason"] == "joined customs"


def test_deactivating_a_user_stops_login_and_is_ledgered():
    user = make_user(User.Role.AUDITOR)

    services.deactivate_user(user=user, actor="system:test", reason="left the service")

    user.refresh_from_db()
    assert user.is_active is False
    assert last_entry().action == "user.deactivated"
    assert last_entry().data["changed"] == {"is_active": False}


def test_nobody_can_deactivate_their_own_account():
    user = make_user(User.Role.AUDITOR)

    with pytest.raises(ValidationError) as caught:
        services.deactivate_user(user=user, actor=user)

    assert caught.value.message_dict["is_active"] == ["You cannot deactivate your own account."]


def test_a_password_change_is_recorded_without_the_secret():
    user = make_user(User.Role.AUDITOR)

    services.change_password(user=user, actor=user, new_password="another-Long-passw0rd")

    entry = last_entry()
    raw = bytes(entry.canonical)
    assert entry.action == "user.password_changed"
    assert entry.data["changed"] == {}
    assert b"another-Long" not in raw
    assert user.password.encode() not in raw


def test_a_password_change_records_the_state_saved_even_from_an_older_copy_of_the_user():
    user = make_user(User.Role.AUDITOR)
    older = User.objects.get(pk=user.pk)
    services.update_user(user=user, actor="system:test", is_staff=True)

    services.change_password(user=older, actor=older, new_password="another-Long-passw0rd")

    saved = User.objects.get(pk=user.pk)
    assert saved.is_staff and saved.check_password("another-Long-passw0rd")
    assert older.check_password("another-Long-passw0rd")  # the caller's session stays valid
    assert last_entry().data["state"] == state_digest(model_snapshot(saved))


def test_a_failed_change_leaves_neither_the_change_nor_its_entry():
    company = make_company(usci=make_usci(42))
    count = Entry.objects.count()

    with pytest.raises(ValidationError):
        services.update_company(company=company, actor="system:test", name="   ")

    company.refresh_from_db()
    assert company.name == "Shanghai Example Trading Co., Ltd."
    assert Entry.objects.count() == count


# update_user ----------------------------------------------------------------------------------


def test_updating_personal_details_names_the_fields_but_records_no_values():
    user = make_user(User.Role.AUDITOR, email="old@example.com")

    services.update_user(
        user=user,
        actor="system:test",
        personal={"email": "new@example.com", "first_name": "Wei", "last_name": ""},
    )

    entry = last_entry()
    user.refresh_from_db()
    assert user.email == "new@example.com"
    assert entry.action == "user.updated"
    assert entry.data["changed"] == {}
    assert entry.data["other_fields_changed"] == ["email", "first_name"]
    assert b"new@example.com" not in bytes(entry.canonical)


def test_a_role_and_access_changed_together_are_one_role_changed_entry():
    trader = make_user(User.Role.TRADER)
    office = make_office()
    editors = services.ensure_editor_group()

    services.update_user(
        user=trader,
        actor="system:test",
        role="officer",
        office=office,
        is_staff=True,
        groups=[editors],
        reason="joined customs",
    )

    entry = last_entry()
    assert entry.action == "user.role_changed"
    assert entry.data["changed"] == {
        "role": "officer",
        "company": None,
        "office": "office:2201",
        "is_staff": True,
        "groups": ["Tariff and risk editors"],
    }
    assert entry.data["reason"] == "joined customs"


def test_update_user_refuses_an_officer_of_an_inactive_office():
    trader = make_user(User.Role.TRADER)
    closed = services.create_office(actor="system:test", code="0101", name="Old", active=False)
    count = Entry.objects.count()

    with pytest.raises(ValidationError) as caught:
        services.update_user(user=trader, actor="system:test", role="officer", office=closed)

    assert caught.value.message_dict["office"] == ["Customs office 0101 is inactive."]
    trader.refresh_from_db()
    assert trader.role == "trader"
    assert Entry.objects.count() == count


def test_an_officer_of_a_closed_office_cannot_be_reactivated_in_place():
    office = make_office("0101")
    officer = make_user(User.Role.OFFICER, office=office)
    services.deactivate_user(user=officer, actor="system:test")
    services.update_office(office=office, actor="system:test", active=False)

    with pytest.raises(ValidationError) as caught:
        services.update_user(user=officer, actor="system:test", is_active=True)

    assert "Customs office 0101 is inactive" in caught.value.message_dict["is_active"][0]
    moved = services.update_user(
        user=officer, actor="system:test", is_active=True, role="officer", office=make_office()
    )
    assert (moved.is_active, moved.office.code) == (True, "2201")


def test_update_user_refuses_a_username_someone_else_has():
    make_user(User.Role.AUDITOR, username="li.wei")
    other = make_user(User.Role.AUDITOR)

    with pytest.raises(ValidationError) as caught:
        services.update_user(user=other, actor="system:test", personal={"username": "LI.WEI"})

    assert caught.value.message_dict["username"] == ["The username 'LI.WEI' is already taken."]


def test_nobody_can_deactivate_themselves_through_update_user():
    user = make_user(User.Role.AUDITOR)

    with pytest.raises(ValidationError) as caught:
        services.update_user(user=user, actor=user, is_active=False)

    assert caught.value.message_dict["is_active"] == ["You cannot deactivate your own account."]


def test_update_user_that_changes_nothing_records_nothing():
    user = make_user(User.Role.AUDITOR, email="same@example.com")
    count = Entry.objects.count()

    services.update_user(
        user=user,
        actor="system:test",
        is_active=True,
        groups=[],
        personal={"email": "same@example.com"},
    )

    assert Entry.objects.count() == count


def test_a_password_is_not_a_personal_detail_update_user_changes():
    user = make_user(User.Role.AUDITOR)

    with pytest.raises(ValueError, match="password"):
        services.update_user(user=user, actor="system:test", personal={"password": "x"})
