"""The banks' pages: who sees what, registering through the page, the batch check, withdrawal."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from eport.banks import services
from eport.banks.models import Financing, Presentation
from ledger import notary
from tests.declarations import factories as f
from tests.ledger.notary_support import ledger_keys  # noqa: F401

from . import factories as bf


def register(user, declaration, amount, reference):
    return services.register_financing(
        declaration=declaration,
        actor=user,
        instrument=Financing.Instrument.IMPORT_PAYMENT,
        amount=amount,
        value_date=date(2026, 12, 1),
        maturity_date=date(2027, 3, 1),
        bank_reference=reference,
    )


@pytest.fixture
def deal(world):
    """A released declaration presented to both banks, each with a financing of its own."""
    declaration = bf.released(world.trader, world.officer)
    services.present_declaration(declaration=declaration, actor=world.trader, bank=world.icbc)
    services.present_declaration(declaration=declaration, actor=world.trader, bank=world.boc)
    world.declaration = declaration
    world.own = register(world.bank, declaration, "600.00", "ICBC-OWN-1")
    world.other = register(world.bank2, declaration, "150.00", "BOC-SECRET-9")
    return world


def as_user(client, user):
    if user is not None:
        client.force_login(user)
    return client


ROLES = ["bank", "bank2_unpresented", "trader", "trader2", "officer", "auditor", "anonymous"]


def person(world, role):
    if role == "bank2_unpresented":
        # A bank the declaration was never presented to, with staff of its own.
        other = bf.bank("ABOCCNBJ010", "Agricultural Bank of China")
        return f.user("bank3", "bank", bank=other)
    return None if role == "anonymous" else getattr(world, role)


# --- who sees which page ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("bank", 200),
        ("bank2_unpresented", 404),
        ("trader", 403),
        ("trader2", 403),
        ("officer", 403),
        ("auditor", 403),
        ("anonymous", 302),
    ],
)
def test_a_presented_declaration_page_is_for_the_bank_it_is_presented_to(
    client, deal, role, status
):
    user = person(deal, role)
    response = as_user(client, user).get(reverse("banks:declaration", args=[deal.declaration.uuid]))
    assert response.status_code == status
    body = response.content.decode()
    assert "BOC-SECRET-9" not in body and "150.00" not in body
    if status == 200:
        assert deal.declaration.number in body
        assert "ICBC-OWN-1" in body
        # The aggregate balance only: 1000 less both banks' 750.
        assert f"{deal.declaration.invoice_currency} 250.00" in body
    if status == 403:
        assert "for the staff of alliance banks" in body
    if status == 302:
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("bank", 200),
        ("bank2_unpresented", 200),
        ("trader", 403),
        ("officer", 403),
        ("auditor", 403),
        ("anonymous", 302),
    ],
)
def test_the_workspace_lists_only_what_is_presented_to_the_bank(client, deal, role, status):
    user = person(deal, role)
    response = as_user(client, user).get(reverse("banks:workspace"))
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert (deal.declaration.number in body) is (role == "bank")
        assert "BOC-SECRET-9" not in body


def test_the_workspace_shows_the_customs_facts_and_balance_in_few_queries(
    client, deal, django_assert_max_num_queries
):
    for number in range(2, 8):
        declaration = bf.released(deal.trader, deal.officer, lrn=f"LRN-{number}")
        services.present_declaration(declaration=declaration, actor=deal.trader, bank=deal.icbc)
    client.force_login(deal.bank)
    # Session and user, the page of declarations with balances, their goods items.
    with django_assert_max_num_queries(6):
        response = client.get(reverse("banks:workspace"))
    body = response.content.decode()
    declaration = deal.declaration
    item = declaration.items.first()
    for fact in (
        declaration.number,
        declaration.company.name,
        declaration.consignor_name,
        item.hs_code,
        item.description,
        declaration.transport_document,
        f"{declaration.invoice_currency} 250.00",
    ):
        assert fact in body, fact


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("bank", 200),
        ("bank2_unpresented", 404),
        ("trader", 200),
        ("trader2", 404),
        ("officer", 404),
        ("auditor", 200),
        ("anonymous", 302),
    ],
)
def test_a_financing_page_is_for_its_bank_the_declarant_and_auditors(client, deal, role, status):
    user = person(deal, role)
    response = as_user(client, user).get(reverse("banks:financing", args=[deal.own.uuid]))
    assert response.status_code == status
    if status == 200:
        assert "ICBC-OWN-1" in response.content.decode()


def test_the_other_bank_cannot_open_a_financing_that_is_not_its_own(client, deal):
    client.force_login(deal.bank)
    assert client.get(reverse("banks:financing", args=[deal.other.uuid])).status_code == 404
    assert client.get(reverse("banks:financing_receipt", args=[deal.other.uuid])).status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("bank", 404),
        ("trader", 200),
        ("trader2", 404),
        ("officer", 404),
        ("auditor", 404),
        ("anonymous", 302),
    ],
)
def test_the_trade_finance_page_is_for_the_declaring_company_traders(client, deal, role, status):
    user = person(deal, role)
    response = as_user(client, user).get(
        reverse("banks:declaration_finance", args=[deal.declaration.uuid])
    )
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        # The trader sees every financing of its own declaration, with its bank.
        assert "ICBC-OWN-1" in body and "BOC-SECRET-9" in body
        assert deal.boc.legal_name in body


def test_a_released_declaration_links_its_trader_to_trade_finance(client, deal):
    url = reverse("banks:declaration_finance", args=[deal.declaration.uuid])
    detail = reverse("declarations:detail", args=[deal.declaration.uuid])
    client.force_login(deal.trader)
    assert url in client.get(detail).content.decode()
    client.force_login(deal.officer)
    assert url not in client.get(detail).content.decode()


def test_bank_staff_start_at_their_workspace_with_its_navigation(client, world):
    client.force_login(world.bank)
    response = client.get("/")
    assert response["Location"] == reverse("banks:workspace")
    body = client.get(reverse("banks:workspace")).content.decode()
    assert "Presented declarations" in body and "Batch check" in body


# --- the bank's check of the receipt ---------------------------------------------------------


def test_the_bank_sees_the_receipt_verified_once_notarized(client, world, ledger_keys):  # noqa: F811
    declaration = bf.released(world.trader, world.officer)
    services.present_declaration(declaration=declaration, actor=world.trader, bank=world.icbc)
    client.force_login(world.bank)
    url = reverse("banks:declaration", args=[declaration.uuid])

    response = client.get(url)
    assert "Not yet notarized" in response.content.decode()
    receipt_url = reverse("banks:declaration_receipt", args=[declaration.uuid])
    assert client.get(receipt_url).status_code == 409

    notary.notarize_pending(cosign="inline")
    body = client.get(url).content.decode()
    assert 'data-verdict="verified"' in body
    assert "Verified against customs" in body
    assert "trusted witnesses signed" in body
    assert "are the declaration as that entry recorded it" in body
    receipt = json.loads(client.get(receipt_url).content)
    assert receipt["subject"]["number"] == declaration.number


def test_the_registration_receipt_carries_the_financing_until_it_moves(client, deal, ledger_keys):  # noqa: F811
    url = reverse("banks:financing_receipt", args=[deal.own.uuid])
    client.force_login(deal.bank)
    response = client.get(url)
    assert response.status_code == 409
    assert "notarized" in response.content.decode()

    notary.notarize_pending(cosign="inline")
    receipt = json.loads(client.get(url).content)
    assert receipt["subject"]["bank_reference"] == "ICBC-OWN-1"
    assert "150.00" not in json.dumps(receipt)

    services.disburse_financing(financing=deal.own, actor=deal.bank, version=deal.own.version)
    notary.notarize_pending(cosign="inline")
    assert "subject" not in json.loads(client.get(url).content)


# --- registering through the page ------------------------------------------------------------


def post_financing(client, declaration, amount, reference="PAGE-1", **overrides):
    data = {
        "instrument": Financing.Instrument.IMPORT_PAYMENT,
        "amount": amount,
        "value_date": "2026-12-01",
        "maturity_date": "2027-03-01",
        "bank_reference": reference,
        **overrides,
    }
    return client.post(reverse("banks:register_financing", args=[declaration.uuid]), data)


def test_a_bank_registers_within_the_balance_through_the_page(client, deal):
    client.force_login(deal.bank)
    response = post_financing(client, deal.declaration, "250.00")
    financing = Financing.objects.get(bank_reference="PAGE-1")
    assert response.status_code == 302
    assert response["Location"] == reverse("banks:financing", args=[financing.uuid])
    page = client.get(response["Location"]).content.decode()
    assert "Financing PAGE-1 registered" in page
    assert financing.amount == Decimal("250.00") and financing.bank == deal.icbc


def test_beyond_the_balance_the_page_says_what_remains_and_registers_nothing(client, deal):
    client.force_login(deal.bank)
    response = post_financing(client, deal.declaration, "250.01")
    assert response.status_code == 409
    body = response.content.decode()
    assert f"250.00 {deal.declaration.invoice_currency} remain" in body
    assert not Financing.objects.filter(bank_reference="PAGE-1").exists()
    # What the bank typed is kept for it to correct.
    assert 'value="PAGE-1"' in body


def test_each_problem_of_a_registration_lands_beside_its_field(client, deal):
    client.force_login(deal.bank)
    response = post_financing(
        client, deal.declaration, "12.345", reference="ICBC-OWN-1", maturity_date="2026-01-01"
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert body.count("field--error") == 2
    assert "in cents at most" in body
    assert "maturity date is before the value date" in body
    response = post_financing(client, deal.declaration, "10", reference="ICBC-OWN-1")
    assert "already registered a financing under ICBC-OWN-1" in response.content.decode()
    assert Financing.objects.filter(bank=deal.icbc).count() == 1


def test_the_bank_disburses_and_repays_at_the_version_it_saw(client, deal):
    client.force_login(deal.bank)
    move = "banks:financing_move"
    client.post(reverse(move, args=[deal.own.uuid, "disburse"]), {"version": 1, "amount": ""})
    stale = client.post(reverse(move, args=[deal.own.uuid, "repay"]), {"version": 1}, follow=True)
    assert "changed after you opened it" in stale.content.decode()
    client.post(reverse(move, args=[deal.own.uuid, "repay"]), {"version": 2})
    deal.own.refresh_from_db()
    assert deal.own.status == Financing.Status.REPAID


def test_a_cancellation_needs_its_confirmation(client, deal):
    client.force_login(deal.bank)
    url = reverse("banks:financing_move", args=[deal.own.uuid, "cancel"])
    response = client.post(url, {"version": 1, "reason": "Deal fell through"}, follow=True)
    assert "Tick the box to confirm" in response.content.decode()
    client.post(url, {"version": 1, "reason": "Deal fell through", "confirm": "on"})
    deal.own.refresh_from_db()
    assert deal.own.status == Financing.Status.CANCELLED


def test_the_trader_sees_no_move_and_cannot_make_one(client, deal):
    client.force_login(deal.trader)
    page = client.get(reverse("banks:financing", args=[deal.own.uuid])).content.decode()
    assert "Record disbursement" not in page
    url = reverse("banks:financing_move", args=[deal.own.uuid, "disburse"])
    response = client.post(url, {"version": 1}, follow=True)
    assert "Only bank staff register and manage financings" in response.content.decode()
    deal.own.refresh_from_db()
    assert deal.own.status == Financing.Status.REGISTERED


# --- the batch check -------------------------------------------------------------------------


def test_a_pasted_batch_is_answered_alike_for_every_unavailable_number(client, deal):
    unpresented = bf.released(deal.trader, deal.officer, lrn="NOT-PRESENTED")
    draft = f.draft(deal.trader, lrn="DRAFT")
    client.force_login(deal.bank)
    numbers = [deal.declaration.number, unpresented.number, "220120269999999999", "nonsense"]
    response = client.post(reverse("banks:check"), {"numbers": "\n".join(numbers)})
    assert response.status_code == 200
    body = response.content.decode()
    assert "1 of 4 numbers available" in body
    assert body.count("not available</span>") == 3
    assert f"{deal.declaration.invoice_currency} 250.00" in body
    assert reverse("banks:declaration", args=[deal.declaration.uuid]) in body
    assert str(unpresented.uuid) not in body and str(draft.uuid) not in body


def test_a_csv_batch_is_checked_and_answered_as_csv(client, deal):
    client.force_login(deal.bank)
    upload = SimpleUploadedFile(
        "numbers.csv", f"number\n{deal.declaration.number}\n=cmd|x\n".encode(), "text/csv"
    )
    response = client.post(reverse("banks:check"), {"upload": upload, "format": "csv"})
    assert response["Content-Disposition"] == 'attachment; filename="batch-check.csv"'
    lines = response.content.decode().splitlines()
    assert lines == [
        "number,answer,financeable_balance,currency",
        f'{deal.declaration.number},"verified, presented to you",250.00,'
        f"{deal.declaration.invoice_currency}",
        "'=cmd|x,not available,,",
    ]


def test_a_batch_of_more_than_a_thousand_numbers_is_refused_naming_the_count(client, world):
    client.force_login(world.bank)
    numbers = " ".join(f"2201202610{n:08d}" for n in range(1001))
    response = client.post(reverse("banks:check"), {"numbers": numbers})
    assert response.status_code == 400
    assert "You gave 1001 numbers; a batch check takes at most 1000" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("bank", 200),
        ("bank2_unpresented", 200),
        ("trader", 403),
        ("officer", 403),
        ("auditor", 403),
        ("anonymous", 302),
    ],
)
def test_the_batch_check_is_for_bank_staff(client, deal, role, status):
    user = person(deal, role)
    response = as_user(client, user).post(
        reverse("banks:check"), {"numbers": deal.declaration.number}
    )
    assert response.status_code == status
    if status == 200:
        available = "verified, presented to you</span>" in response.content.decode()
        assert available is (role == "bank")


# --- the trader's side -----------------------------------------------------------------------


def test_the_trader_presents_to_another_bank_and_withdraws_only_when_nothing_is_live(client, world):
    declaration = bf.released(world.trader, world.officer)
    client.force_login(world.trader)
    page = reverse("banks:declaration_finance", args=[declaration.uuid])
    response = client.post(
        reverse("banks:present", args=[declaration.uuid]), {"bank": world.icbc.pk}, follow=True
    )
    assert f"presented to {world.icbc.legal_name}" in response.content.decode()
    presentation = Presentation.objects.get(declaration=declaration, bank=world.icbc)

    financing = register(world.bank, declaration, "100.00", "LIVE-1")
    withdraw = reverse("banks:withdraw", args=[presentation.uuid])
    response = client.post(withdraw, follow=True)
    assert "has a live financing registered against this declaration" in response.content.decode()
    presentation.refresh_from_db()
    assert presentation.live

    services.cancel_financing(financing=financing, actor=world.bank, version=financing.version)
    response = client.post(withdraw, follow=True)
    assert response.redirect_chain[-1][0] == page
    assert "withdrawn" in response.content.decode()
    presentation.refresh_from_db()
    assert not presentation.live


def test_another_company_cannot_withdraw_a_presentation(client, deal):
    presentation = Presentation.objects.get(declaration=deal.declaration, bank=deal.icbc)
    client.force_login(deal.trader2)
    assert client.post(reverse("banks:withdraw", args=[presentation.uuid])).status_code == 404
    client.force_login(deal.bank)
    assert client.post(reverse("banks:withdraw", args=[presentation.uuid])).status_code == 404


def test_a_withdrawn_declaration_is_gone_from_the_bank(client, world):
    declaration = bf.released(world.trader, world.officer)
    presentation = services.present_declaration(
        declaration=declaration, actor=world.trader, bank=world.icbc
    )
    client.force_login(world.bank)
    url = reverse("banks:declaration", args=[declaration.uuid])
    assert client.get(url).status_code == 200
    services.withdraw_presentation(presentation=presentation, actor=world.trader)
    assert client.get(url).status_code == 404
    assert declaration.number not in client.get(reverse("banks:workspace")).content.decode()


def test_malformed_input_is_answered_in_words_never_a_server_error(client, deal):
    client.force_login(deal.bank)
    binary = SimpleUploadedFile("numbers.csv", b"\xff\xfe\x00\x81", "text/csv")
    response = client.post(reverse("banks:check"), {"upload": binary})
    assert response.status_code == 400
    assert "not UTF-8 text" in response.content.decode()
    empty = client.post(reverse("banks:check"), {"numbers": " , ; "})
    assert "Paste declaration numbers" in empty.content.decode()
    move = reverse("banks:financing_move", args=[deal.own.uuid, "disburse"])
    response = client.post(move, {"version": "x", "amount": "lots"}, follow=True)
    assert "The form was incomplete" in response.content.decode()
    response = client.post(move, {"version": "1", "amount": "lots"}, follow=True)
    assert "Amount: Enter the amount as a number" in response.content.decode()
    unknown = reverse("banks:financing_move", args=[deal.own.uuid, "steal"])
    assert client.post(unknown, {"version": "1"}).status_code == 404
    bad_date = post_financing(client, deal.declaration, "1", value_date="tomorrow")
    assert bad_date.status_code == 400
