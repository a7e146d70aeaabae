"""Alliance banks and their staff: BIC and CNAPS validation, the bank services and ledger entries,
the role rule for bank staff, and the bank admin."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from eport.accounts import services
from eport.accounts.bic import validate_bic, validate_cnaps
from eport.accounts.models import Bank, User
from ledger.models import Entry

from .factories import make_company, make_office, make_superuser, make_user

pytestmark = pytest.mark.django_db

ACTOR = "system:test"


def make_bank(bic="ICBKCNBJSHI", legal_name="ICBC Shanghai Branch", **kwargs) -> Bank:
    return services.create_bank(actor=ACTOR, bic=bic, legal_name=legal_name, **kwargs)


def entries_about(subject: str) -> list[Entry]:
    return list(Entry.objects.filter(subject=subject).order_by("seq"))


def messages(error: ValidationError, field: str | None = None) -> list[str]:
    return error.message_dict[field] if field else error.messages


# --- BIC (ISO 9362) and CNAPS -------------------------------------------------------------------


@pytest.mark.parametrize("bic", ["ICBKCNBJ", "ICBKCNBJSHI", "BKCHCNBJ300", "DEUTDEFF500"])
def test_a_bic_of_eight_or_eleven_characters_with_a_real_country_is_accepted(bic):
    validate_bic(bic)


@pytest.mark.parametrize(
    ("bic", "message"),
    [
        ("ICBKCN", "A BIC has 8 or 11 characters; this one has 6."),
        ("ICBKCNBJS", "A BIC has 8 or 11 characters; this one has 9."),
        ("ICBKCNBJSHIX", "A BIC has 8 or 11 characters; this one has 12."),
        ("", "A BIC has 8 or 11 characters; this one has 0."),
    ],
)
def test_a_bic_of_the_wrong_length_says_how_long_it_is(bic, message):
    with pytest.raises(ValidationError) as refused:
        validate_bic(bic)
    assert messages(refused.value) == [message]


@pytest.mark.parametrize("bic", ["icbkcnbj", "ICBK1NBJ", "ICBKCNB-", "ICBKCNBJSH_"])
def test_a_bic_out_of_shape_is_explained_part_by_part(bic):
    with pytest.raises(ValidationError) as refused:
        validate_bic(bic)
    [message] = messages(refused.value)
    assert message.startswith(
        "A BIC is 4 letters or digits for the bank, 2 letters for its country"
    )
    assert message.endswith(f"{bic} is not.")


def test_a_bic_naming_no_iso_country_is_refused_naming_the_code():
    with pytest.raises(ValidationError) as refused:
        validate_bic("ICBKQQBJ")
    assert messages(refused.value) == ["QQ in the BIC ICBKQQBJ is not an ISO 3166 country code."]


def test_a_bank_knows_its_country_from_its_bic():
    assert make_bank("DEUTDEFF500", "Deutsche Bank Frankfurt").country == "DE"


@pytest.mark.parametrize("cnaps", ["102290000011", ""])
def test_a_cnaps_code_is_twelve_digits_or_none(cnaps):
    validate_cnaps(cnaps)


@pytest.mark.parametrize("cnaps", ["10229000001", "1022900000111", "10229000001A"])
def test_a_cnaps_code_of_another_shape_is_refused(cnaps):
    with pytest.raises(ValidationError) as refused:
        validate_cnaps(cnaps)
    assert messages(refused.value) == [f"A CNAPS bank code is exactly 12 digits; {cnaps} is not."]


# --- create_bank and update_bank ----------------------------------------------------------------


def test_creating_a_bank_records_bank_created_with_its_details():
    bank = services.create_bank(
        actor=ACTOR,
        bic=" icbkcnbjshi ",
        legal_name="Industrial and Commercial Bank of China, Shanghai",
        cnaps="102290000011",
        witness_key="bank.witness",
    )

    assert bank.bic == "ICBKCNBJSHI"
    [entry] = entries_about("bank:ICBKCNBJSHI")
    assert (entry.actor, entry.action) == (ACTOR, "bank.created")
    assert entry.data["changed"] == {
        "legal_name": "Industrial and Commercial Bank of China, Shanghai",
        "bic": "ICBKCNBJSHI",
        "cnaps": "102290000011",
        "witness_key": "bank.witness",
        "active": True,
    }


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"bic": "ICBKQQBJ"}, "bic", "QQ in the BIC ICBKQQBJ is not an ISO 3166 country code."),
        ({"bic": "ICBK"}, "bic", "A BIC has 8 or 11 characters; this one has 4."),
        ({"cnaps": "1022"}, "cnaps", "A CNAPS bank code is exactly 12 digits; 1022 is not."),
        ({"legal_name": "  "}, "legal_name", "Enter the bank's legal name."),
    ],
)
def test_a_bank_with_a_bad_detail_is_refused_beside_that_field_and_nothing_is_kept(
    fields, field, message
):
    values = {"bic": "ICBKCNBJSHI", "legal_name": "ICBC Shanghai Branch"} | fields

    with pytest.raises(ValidationError) as refused:
        services.create_bank(actor=ACTOR, **values)

    assert message in messages(refused.value, field)
    assert not Bank.objects.exists()
    assert not Entry.objects.filter(action="bank.created").exists()


def test_a_bic_already_in_the_alliance_is_refused():
    make_bank()

    with pytest.raises(ValidationError) as refused:
        make_bank("icbkcnbjshi", "Another name")

    assert messages(refused.value, "bic") == [
        "A bank with BIC ICBKCNBJSHI is already in the alliance."
    ]
    assert Bank.objects.count() == 1


def test_updating_a_bank_records_only_what_changed():
    bank = make_bank()

    services.update_bank(
        bank=bank,
        actor=ACTOR,
        legal_name="ICBC Shanghai Municipal Branch",
        witness_key="bank.witness",
    )

    _created, updated = entries_about(bank.ledger_subject)
    assert updated.action == "bank.updated"
    assert updated.data["changed"] == {
        "legal_name": "ICBC Shanghai Municipal Branch",
        "witness_key": "bank.witness",
    }
    bank.refresh_from_db()
    assert bank.witness_key == "bank.witness"


def test_an_update_that_changes_nothing_records_nothing():
    bank = make_bank()

    services.update_bank(bank=bank, actor=ACTOR, legal_name=bank.legal_name, active=True)

    assert [entry.action for entry in entries_about(bank.ledger_subject)] == ["bank.created"]


def test_a_bank_with_active_staff_cannot_be_deactivated_until_they_are():
    bank = make_bank()
    clerk = make_user(User.Role.BANK, bank=bank)

    with pytest.raises(ValidationError) as refused:
        services.update_bank(bank=bank, actor=ACTOR, active=False)

    assert messages(refused.value, "active") == [
        "The bank ICBKCNBJSHI still has active staff; deactivate them first."
    ]
    bank.refresh_from_db()
    assert bank.active

    services.deactivate_user(user=clerk, actor=ACTOR)
    services.update_bank(bank=bank, actor=ACTOR, active=False)
    bank.refresh_from_db()
    assert not bank.active
    assert entries_about(bank.ledger_subject)[-1].data["changed"] == {"active": False}


# --- bank staff ---------------------------------------------------------------------------------


def test_bank_staff_belong_to_their_bank_and_the_ledger_names_it_by_bic():
    bank = make_bank()

    clerk = make_user(User.Role.BANK, username="bank", bank=bank)

    assert clerk.is_bank and clerk.bank == bank
    [entry] = entries_about(clerk.ledger_subject)
    assert entry.action == "user.created"
    assert entry.data["changed"]["bank"] == "bank:ICBKCNBJSHI"
    assert entry.data["changed"]["role"] == "bank"


@pytest.mark.parametrize(
    ("role", "organisation", "field", "message"),
    [
        ("bank", {}, "bank", "Bank staff must belong to a bank."),
        ("bank", {"company"}, "company", "Bank staff belong to a bank, not to a company."),
        ("bank", {"office"}, "office", "Bank staff belong to a bank, not to a customs office."),
        ("trader", {"company", "bank"}, "bank", "A trader belongs to a company, not to a bank."),
        (
            "officer",
            {"office", "bank"},
            "bank",
            "An officer belongs to a customs office, not to a bank.",
        ),
        ("auditor", {"bank"}, "bank", "An auditor belongs to no bank."),
    ],
)
def test_only_bank_staff_have_a_bank_and_bank_staff_have_nothing_else(
    role, organisation, field, message
):
    bank = make_bank()
    given = {
        "company": make_company() if "company" in organisation else None,
        "office": make_office() if "office" in organisation else None,
        "bank": bank if "bank" in organisation else None,
    }
    if role == "bank" and field != "bank":
        given["bank"] = bank

    with pytest.raises(ValidationError) as refused:
        services.check_role_organisation(role, **given)

    assert messages(refused.value, field) == [message]


def test_staff_of_an_inactive_bank_are_refused():
    bank = make_bank(active=False)

    with pytest.raises(ValidationError) as refused:
        make_user(User.Role.BANK, username="late", bank=bank)

    assert messages(refused.value, "bank") == ["The bank ICBKCNBJSHI is inactive."]
    assert not User.objects.filter(username="late").exists()


def test_a_trader_moved_to_a_bank_is_one_role_change_entry():
    bank = make_bank()
    trader = make_user(User.Role.TRADER)

    services.change_user_role(user=trader, actor=ACTOR, role=User.Role.BANK, bank=bank)

    trader.refresh_from_db()
    assert trader.is_bank and trader.company is None
    entry = entries_about(trader.ledger_subject)[-1]
    assert entry.action == "user.role_changed"
    assert entry.data["changed"] == {"role": "bank", "company": None, "bank": "bank:ICBKCNBJSHI"}


# --- the admin ----------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    admin = make_superuser()
    client.force_login(admin)
    client.admin = admin
    return client


def bank_form(**fields) -> dict:
    data = {
        "legal_name": "Bank of China, Shanghai Branch",
        "bic": "BKCHCNBJ300",
        "cnaps": "104290003791",
        "witness_key": "",
        "active": "on",
        "_save": "Save",
    }
    data.update(fields)
    return {name: value for name, value in data.items() if value is not None}


def form_errors(response) -> dict:
    return response.context["adminform"].form.errors


def test_a_bank_added_in_the_admin_is_admitted_by_the_service(admin_client):
    response = admin_client.post(reverse("admin:accounts_bank_add"), bank_form())

    assert response.status_code == 302
    bank = Bank.objects.get(bic="BKCHCNBJ300")
    [entry] = entries_about(bank.ledger_subject)
    assert (entry.actor, entry.action) == (f"user:{admin_client.admin.pk}", "bank.created")
    assert entry.data["changed"]["cnaps"] == "104290003791"


@pytest.mark.parametrize(
    ("bic", "message"),
    [
        ("BKCHQQBJ300", "QQ in the BIC BKCHQQBJ300 is not an ISO 3166 country code."),
        ("BKCHCN", "A BIC has 8 or 11 characters; this one has 6."),
    ],
)
def test_the_admin_refuses_a_bad_bic_beside_the_field_and_keeps_nothing(admin_client, bic, message):
    response = admin_client.post(reverse("admin:accounts_bank_add"), bank_form(bic=bic))

    assert response.status_code == 200
    assert message in form_errors(response)["bic"]
    assert message in response.text.replace("&#x27;", "'")
    assert not Bank.objects.exists()
    assert not Entry.objects.filter(action="bank.created").exists()


def test_the_admin_refuses_to_deactivate_a_bank_with_active_staff(admin_client):
    bank = make_bank()
    make_user(User.Role.BANK, bank=bank)

    response = admin_client.post(
        reverse("admin:accounts_bank_change", args=[bank.pk]),
        bank_form(legal_name=bank.legal_name, bic=None, cnaps="", active=None),
    )

    assert response.status_code == 200
    assert form_errors(response)["active"] == [
        "The bank ICBKCNBJSHI still has active staff; deactivate them first."
    ]
    bank.refresh_from_db()
    assert bank.active
    assert [entry.action for entry in entries_about(bank.ledger_subject)] == ["bank.created"]


def test_a_bank_keeps_its_bic_and_is_never_deleted_in_the_admin(admin_client):
    bank = make_bank()

    admin_client.post(
        reverse("admin:accounts_bank_change", args=[bank.pk]),
        bank_form(legal_name="ICBC Shanghai", bic="BKCHCNBJ300", cnaps=""),
    )
    deleted = admin_client.post(
        reverse("admin:accounts_bank_delete", args=[bank.pk]), {"post": "yes"}
    )

    bank.refresh_from_db()
    assert (bank.bic, bank.legal_name) == ("ICBKCNBJSHI", "ICBC Shanghai")
    assert deleted.status_code == 403
    assert Bank.objects.filter(pk=bank.pk).exists()


def test_bank_staff_added_in_the_admin_belong_to_their_bank(admin_client):
    bank = make_bank()

    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "bank3",
            "usable_password": "false",
            "role": "bank",
            "bank": bank.pk,
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    clerk = User.objects.get(username="bank3")
    assert clerk.bank == bank
    assert entries_about(clerk.ledger_subject)[0].data["changed"]["bank"] == "bank:ICBKCNBJSHI"


def test_the_admin_refuses_bank_staff_without_a_bank(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {"username": "bank3", "usable_password": "false", "role": "bank", "_save": "Save"},
    )

    assert response.status_code == 200
    # The model's own constraint answers first, above the form rather than beside the field.
    assert "Bank staff must belong to a bank." in response.text
    assert not User.objects.filter(username="bank3").exists()
