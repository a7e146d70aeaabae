"""The payments pages: who sees which bill, agreement and guarantee; each form through the page,
each bad input answered in words (never a 500); the declaration page's "Duties and taxes"."""

import csv
import io
from datetime import date, datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from eport.payments import selectors, services
from eport.payments.models import Guarantee, PaymentAgreement, PaymentInstruction, TaxBill
from tests.declarations import factories as f

from . import factories as pf

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=10):
    return time_machine.travel(datetime(year, month, day, hour, tzinfo=SHANGHAI), tick=True)


def text(response) -> str:
    return unescape(response.content.decode())


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client


def person(world, role):
    if role == "officer_elsewhere":
        office = f.office("2202", "Pudong Airport Customs")
        return f.user("officer2", "officer", office=office)
    return None if role == "anonymous" else getattr(world, role)


def money(amount) -> str:
    return f"{amount:,.2f}"


def bill_url(bill):
    return reverse("payments:bill", args=[bill.uuid])


def step_url(kind, subject, step):
    return reverse(f"payments:{kind}_step", args=[subject.uuid, step])


@pytest.fixture
def bill(world):
    return pf.assessed(world.trader)


@pytest.fixture
def instructed(world, bill):
    """The trader's bill, instructed for payment from an agreement in force with ICBC."""
    agreement = pf.agreement(world.trader, world.bank)
    world.agreement = agreement
    world.instruction = services.instruct_payment(
        bill=bill, actor=world.trader, agreement=agreement
    )
    world.bill = bill
    return world


def confirm_data(bill, instruction, **changes):
    data = {
        "version": instruction.version,
        "bill_number": bill.number,
        "amount": f"{selectors.amount_due(bill).total:.2f}",
        "currency": "CNY",
        "bank_reference": "ICBC-DEBIT-1",
        "value_date": selectors.today().isoformat(),
    }
    data.update(changes)
    return data


# --- who sees which page ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status", "sees"),
    [
        ("trader", 200, True),
        ("trader2", 200, False),
        ("officer", 200, True),  # the office's bills, read-only
        ("officer_elsewhere", 200, False),
        ("auditor", 200, True),
        ("bank", 403, False),
        ("anonymous", 302, False),
    ],
)
def test_the_overview_shows_each_reader_only_the_bills_it_may_see(
    client, world, role, status, sees
):
    bill = pf.assessed(world.trader)
    pf.agreement(world.trader, world.bank)
    response = login(client, person(world, role)).get(reverse("payments:overview"))
    assert response.status_code == status
    body = text(response)
    assert (bill.number in body) == sees
    if sees:
        assert money(bill.tax) in body
    # Only traders ask for agreements; officers see no bank accounts at all.
    assert ("Ask a bank for an agreement" in body) == (role in ("trader", "trader2"))
    assert ("622202" in body) == (role in ("trader", "auditor"))
    if status == 403:
        assert "under Payments in the bank workspace" in body


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("trader", 200),
        ("trader2", 404),
        ("officer", 200),
        ("officer_elsewhere", 404),
        ("auditor", 200),
        ("bank", 200),  # asked to debit it
        ("bank2", 404),
        ("anonymous", 302),
    ],
)
def test_a_bill_is_seen_by_its_trader_office_auditors_and_the_bank_asked(
    client, instructed, role, status
):
    response = login(client, person(instructed, role)).get(bill_url(instructed.bill))
    assert response.status_code == status
    if status == 200:
        body = text(response)
        assert instructed.bill.number in body
        assert money(instructed.bill.duty) in body and money(instructed.bill.vat) in body
        # Only the trader acts on the bill's page; the bank answers on its own.
        assert ("Withdraw instruction" in body) is (role == "trader")
        assert "Confirm debit" not in body and "Refuse instruction" not in body


def test_a_bill_no_bank_was_asked_about_is_not_a_banks_to_see(client, world, bill):
    client.force_login(world.bank)
    assert client.get(bill_url(bill)).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/payments/bills/not-a-uuid/",
        "/payments/bills/00000000-0000-0000-0000-000000000000/",
    ],
)
def test_an_unknown_bill_is_a_404(client, world, url):
    client.force_login(world.trader)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("bank", 200),
        ("bank2", 200),
        ("trader", 403),
        ("officer", 403),
        ("auditor", 403),
        ("anonymous", 302),
    ],
)
def test_the_bank_page_shows_only_the_banks_own_customers(client, instructed, role, status):
    pf.guarantee(instructed.bank, instructed.alpha, reference="ICBC-G-77")
    response = login(client, person(instructed, role)).get(reverse("payments:bank"))
    assert response.status_code == status
    body = text(response)
    own = role == "bank"
    assert (instructed.bill.number in body) is own
    assert (instructed.agreement.account_number in body) is own
    assert ("ICBC-G-77" in body) is own
    if status == 403:
        assert "for the staff of alliance banks" in body


def test_steps_on_what_a_person_may_not_see_are_404(client, instructed):
    client.force_login(instructed.bank2)
    data = {"version": 1, "reason": "no"}
    assert (
        client.post(step_url("instruction", instructed.instruction, "refuse"), data).status_code
        == 404
    )
    assert client.post(step_url("agreement", instructed.agreement, "end"), data).status_code == 404
    client.force_login(instructed.trader2)
    assert (
        client.post(reverse("payments:instruct", args=[instructed.bill.uuid]), {}).status_code
        == 404
    )
    assert client.get(bill_url(instructed.bill)).status_code == 404


def test_an_unknown_step_is_a_404(client, instructed):
    client.force_login(instructed.bank)
    url = step_url("instruction", instructed.instruction, "approve")
    assert client.post(url, {"version": 1}).status_code == 404


def test_pages_answer_get_only_or_post_only(client, instructed):
    client.force_login(instructed.trader)
    assert client.get(reverse("payments:instruct", args=[instructed.bill.uuid])).status_code == 405
    assert client.post(bill_url(instructed.bill)).status_code == 405


# --- agreements ------------------------------------------------------------------------------


def test_a_trader_asks_for_an_agreement_and_the_bank_confirms_it(client, world):
    client.force_login(world.trader)
    response = client.post(
        reverse("payments:request_agreement"),
        {"bank": world.icbc.pk, "account_number": "6222 0210 0100 0000 01"},
        follow=True,
    )
    body = text(response)
    assert "Agreement for account 622202100100000001 asked of Industrial and Commercial" in body
    agreement = PaymentAgreement.objects.get()
    assert agreement.account_number == "622202100100000001" and agreement.status == "requested"

    client.force_login(world.bank)
    page = text(client.get(reverse("payments:bank")))
    assert agreement.account_number in page and "Confirm agreement" in page
    response = client.post(
        step_url("agreement", agreement, "confirm"), {"version": agreement.version}, follow=True
    )
    assert "confirmed" in text(response)
    assert pf.fresh(agreement).status == "active"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"bank": "", "account_number": "62220210010000000001"}, "Choose the bank"),
        ({"bank": "999999", "account_number": "62220210010000000001"}, "active alliance banks"),
        ({"bank": "x\x00", "account_number": "62220210010000000001"}, "Null characters"),
        ({"account_number": "12"}, "8 to 34 letters and digits"),
        ({"account_number": "6222-ÄÖÜ-0001"}, "8 to 34 letters and digits"),
        ({"account_number": "1" * 60}, "at most 50 characters"),
    ],
)
def test_a_bad_agreement_request_is_answered_beside_its_field(client, world, data, message):
    client.force_login(world.trader)
    response = client.post(reverse("payments:request_agreement"), {"bank": world.icbc.pk, **data})
    assert response.status_code == 400
    assert message in text(response)
    assert not PaymentAgreement.objects.exists()


def test_an_account_asked_for_twice_is_refused_in_words(client, world):
    pf.agreement(world.trader, world.bank, account="62220210010000000001")
    client.force_login(world.trader)
    response = client.post(
        reverse("payments:request_agreement"),
        {"bank": world.icbc.pk, "account_number": "62220210010000000001"},
    )
    assert response.status_code == 400
    assert "already has an agreement with Industrial and Commercial Bank" in text(response)


def test_the_bank_refuses_an_agreement_only_with_a_reason(client, world):
    asked = services.request_agreement(
        actor=world.trader, bank=world.icbc, account_number="62220210010000000001"
    )
    client.force_login(world.bank)
    url = step_url("agreement", asked, "refuse")
    response = client.post(url, {"version": asked.version, "reason": "  "}, follow=True)
    assert "Give the reason" in text(response)
    assert pf.fresh(asked).status == "requested"
    response = client.post(
        url, {"version": asked.version, "reason": "Account closed."}, follow=True
    )
    assert "refused" in text(response)
    client.force_login(world.trader)
    overview = text(client.get(reverse("payments:overview")))
    assert "Refused" in overview and "Account closed." in overview


def test_a_stale_or_missing_version_is_answered_in_words(client, world):
    agreement = pf.agreement(world.trader, world.bank)
    client.force_login(world.trader)
    url = step_url("agreement", agreement, "end")
    response = client.post(url, {"version": 1}, follow=True)
    assert "This changed after you opened it" in text(response)
    response = client.post(url, {"version": "x"}, follow=True)
    assert "The form was incomplete" in text(response)
    response = client.post(url, {}, follow=True)
    assert "The form was incomplete" in text(response)
    assert pf.fresh(agreement).status == "active"


def test_the_trader_ends_an_agreement_from_its_page(client, world):
    agreement = pf.agreement(world.trader, world.bank)
    client.force_login(world.trader)
    response = client.post(
        step_url("agreement", agreement, "end"),
        {"version": agreement.version, "reason": "Account moved."},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("payments:overview")
    assert "ended" in text(response)
    assert pf.fresh(agreement).status == "ended"


def test_a_trader_may_not_confirm_its_own_agreement(client, world):
    asked = services.request_agreement(
        actor=world.trader, bank=world.icbc, account_number="62220210010000000001"
    )
    client.force_login(world.trader)
    response = client.post(
        step_url("agreement", asked, "confirm"), {"version": asked.version}, follow=True
    )
    assert "Only bank staff confirm" in text(response)
    assert pf.fresh(asked).status == "requested"


# --- paying a bill ---------------------------------------------------------------------------


def test_without_an_agreement_the_bill_page_says_how_to_get_one(client, world, bill):
    client.force_login(world.trader)
    body = text(client.get(bill_url(bill)))
    assert "No payment agreement is in force" in body
    assert f'href="{reverse("payments:overview")}#h-ask"' in body
    assert "Pay from account" not in body


def test_an_agreement_waiting_for_the_bank_is_named_on_the_bill_page(client, world, bill):
    services.request_agreement(
        actor=world.trader, bank=world.icbc, account_number="62220210010000000001"
    )
    client.force_login(world.trader)
    assert "has not confirmed your payment agreement yet" in text(client.get(bill_url(bill)))


def test_the_trader_instructs_and_the_bank_confirms_and_the_declaration_is_released(
    client, world, bill
):
    agreement = pf.agreement(world.trader, world.bank)
    client.force_login(world.trader)
    page = text(client.get(bill_url(bill)))
    assert "Pay from account" in page and agreement.account_number in page
    response = client.post(
        reverse("payments:instruct", args=[bill.uuid]), {"agreement": agreement.pk}, follow=True
    )
    body = text(response)
    assert f"Payment of bill {bill.number} sent to Industrial and Commercial Bank" in body
    assert "Waiting for Industrial and Commercial Bank" in body
    instruction = PaymentInstruction.objects.get()
    assert "Withdraw instruction" in body

    client.force_login(world.bank)
    page = text(client.get(reverse("payments:bank")))
    assert bill.number in page and world.alpha.usci in page and money(bill.tax) in page
    # The confirmation form is filled in with the bill's figures for today.
    assert f'value="{bill.tax:.2f}"' in page and f'value="{bill.number}"' in page
    assert f'value="{selectors.today().isoformat()}"' in page
    response = client.post(
        step_url("instruction", instruction, "confirm"),
        confirm_data(bill, instruction),
        follow=True,
    )
    assert f"Payment of bill {bill.number} confirmed" in text(response)
    assert pf.fresh(bill).status == "paid"
    assert f.fresh(bill.declaration).status == "released"

    client.force_login(world.trader)
    body = text(client.get(bill_url(bill)))
    assert "E-payment confirmed by the bank" in body and "ICBC-DEBIT-1" in body
    assert "Payment confirmed by the bank" in body and "Tax bill paid" in body


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount": "1.00"}, "too little"),
        ({"amount": "abc"}, "Amount: Enter the amount as a number"),
        ({"amount": ""}, "Enter the amount as a number"),
        ({"bill_number": "TB000"}, "not TB000"),
        ({"currency": "USD"}, "not USD"),
        ({"bank_reference": ""}, "Enter your bank's reference"),
        ({"bank_reference": "R" * 36}, "at most 35 characters"),
        ({"value_date": "yesterday"}, "Value date: Enter the date as YYYY-MM-DD"),
        ({"value_date": "2026-02-30"}, "Enter the date as YYYY-MM-DD"),
        ({"value_date": ""}, "Enter the value date of the debit"),
        ({"value_date": "2999-01-01"}, "is in the future"),
        ({"bank_reference": "A\x00B"}, "Null characters are not allowed"),
    ],
)
def test_a_confirmation_that_does_not_match_is_refused_naming_the_problem(
    client, instructed, changes, message
):
    client.force_login(instructed.bank)
    response = client.post(
        step_url("instruction", instructed.instruction, "confirm"),
        confirm_data(instructed.bill, instructed.instruction, **changes),
        follow=True,
    )
    assert response.status_code == 200
    assert message in text(response)
    assert pf.fresh(instructed.instruction).status == "pending"


def test_the_bank_refuses_an_instruction_and_the_trader_reads_why(client, instructed):
    client.force_login(instructed.bank)
    url = step_url("instruction", instructed.instruction, "refuse")
    response = client.post(url, {"version": 1, "reason": ""}, follow=True)
    assert "Give the reason, so the trader can act on it" in text(response)
    response = client.post(url, {"version": 1, "reason": "Insufficient funds."}, follow=True)
    assert "refused" in text(response)
    client.force_login(instructed.trader)
    body = text(client.get(bill_url(instructed.bill)))
    assert "Refused by the bank" in body and "Insufficient funds." in body
    # The bill is open again: it can be paid another way.
    assert "Pay from account" in body


def test_the_trader_withdraws_a_waiting_instruction(client, instructed):
    client.force_login(instructed.trader)
    response = client.post(
        step_url("instruction", instructed.instruction, "withdraw"), {"version": 1}, follow=True
    )
    assert response.redirect_chain[-1][0] == bill_url(instructed.bill)
    assert "withdrawn" in text(response)
    assert pf.fresh(instructed.instruction).status == "withdrawn"


def test_a_bank_cannot_withdraw_and_a_trader_cannot_confirm(client, instructed):
    client.force_login(instructed.bank)
    response = client.post(
        step_url("instruction", instructed.instruction, "withdraw"), {"version": 1}, follow=True
    )
    assert "Only a company's traders" in text(response)
    client.force_login(instructed.trader)
    response = client.post(
        step_url("instruction", instructed.instruction, "confirm"),
        confirm_data(instructed.bill, instructed.instruction),
        follow=True,
    )
    assert "Only bank staff confirm" in text(response)
    assert pf.fresh(instructed.instruction).status == "pending"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose the account to pay from"),
        ({"agreement": "999999"}, "Choose one of your company's accounts listed"),
        ({"agreement": "abc"}, "Choose one of your company's accounts listed"),
    ],
)
def test_a_bad_choice_of_account_is_answered_in_words(client, world, bill, data, message):
    pf.agreement(world.trader, world.bank)
    client.force_login(world.trader)
    response = client.post(reverse("payments:instruct", args=[bill.uuid]), data, follow=True)
    assert message in text(response)
    assert not PaymentInstruction.objects.exists()


def test_another_companys_account_cannot_pay_the_bill(client, world, bill):
    other = pf.agreement(world.trader2, world.bank, account="62220210010000000099")
    client.force_login(world.trader)
    response = client.post(
        reverse("payments:instruct", args=[bill.uuid]), {"agreement": other.pk}, follow=True
    )
    assert "Choose one of your company's accounts listed" in text(response)


def test_an_officer_cannot_instruct_a_payment(client, world, bill):
    agreement = pf.agreement(world.trader, world.bank)
    client.force_login(world.officer)
    response = client.post(
        reverse("payments:instruct", args=[bill.uuid]), {"agreement": agreement.pk}, follow=True
    )
    assert "Only a company's traders pay its bills" in text(response)


def test_a_second_instruction_while_one_waits_is_refused(client, instructed):
    client.force_login(instructed.trader)
    response = client.post(
        reverse("payments:instruct", args=[instructed.bill.uuid]),
        {"agreement": instructed.agreement.pk},
        follow=True,
    )
    assert "is waiting for Industrial and Commercial Bank" in text(response)
    assert PaymentInstruction.objects.count() == 1


# --- counter payments ------------------------------------------------------------------------


def test_an_officer_records_a_counter_payment_with_its_receipt(client, world, bill):
    client.force_login(world.officer)
    page = text(client.get(bill_url(bill)))
    assert "Record payment at a customs counter" in page
    url = reverse("payments:counter_payment", args=[bill.uuid])
    response = client.post(url, {"receipt_number": "  "}, follow=True)
    assert "Enter the counter receipt number" in text(response)
    response = client.post(url, {"receipt_number": "R" * 40}, follow=True)
    assert "Counter receipt number: Ensure this value has at most 35 characters" in text(response)
    response = client.post(url, {"receipt_number": "CR-2026-0001"}, follow=True)
    assert "recorded as paid at the counter, receipt CR-2026-0001" in text(response)
    bill = pf.fresh(bill)
    assert (bill.status, bill.means, bill.paid_reference) == ("paid", "counter", "CR-2026-0001")
    response = client.post(url, {"receipt_number": "CR-2026-0002"}, follow=True)
    assert "is already paid" in text(response)


@pytest.mark.parametrize("role", ["trader", "auditor", "officer_elsewhere"])
def test_only_an_officer_of_the_office_records_a_counter_payment(client, world, bill, role):
    user = person(world, role)
    client.force_login(user)
    response = client.post(
        reverse("payments:counter_payment", args=[bill.uuid]),
        {"receipt_number": "CR-1"},
        follow=True,
    )
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert "Only customs officers" in text(response) or "Auditors" in text(response)
        assert "Record counter payment" not in text(response)
    assert pf.fresh(bill).status == "open"


# --- guarantees ------------------------------------------------------------------------------


def guarantee_data(world, **changes):
    data = {
        "company": world.alpha.usci,
        "amount": "100000.00",
        "valid_from": selectors.today().isoformat(),
        "valid_until": date(selectors.today().year + 1, 12, 31).isoformat(),
        "bank_reference": "ICBC-G-1",
    }
    data.update(changes)
    return data


def test_a_bank_issues_a_guarantee_and_the_trader_releases_a_bill_against_it(client, world, bill):
    client.force_login(world.bank)
    response = client.post(reverse("payments:issue_guarantee"), guarantee_data(world), follow=True)
    assert "Guarantee ICBC-G-1 issued for Alpha Trading" in text(response)
    guarantee = Guarantee.objects.get()

    client.force_login(world.trader)
    page = text(client.get(bill_url(bill)))
    assert "Release against guarantee" in page and "CNY 100,000.00 left" in page
    response = client.post(
        reverse("payments:release_against_guarantee", args=[bill.uuid]),
        {"guarantee": guarantee.pk},
        follow=True,
    )
    body = text(response)
    assert f"Bill {bill.number} released against guarantee ICBC-G-1" in body
    bill = pf.fresh(bill)
    assert bill.status == "guaranteed"
    assert f.fresh(bill.declaration).status == "released"
    assert "Aggregate due date" in body and "Pay from account" not in body  # no agreement yet
    overview = text(client.get(reverse("payments:overview")))
    assert money(guarantee.amount - bill.tax) in overview
    assert "Released against a guarantee, to be paid" in overview

    client.force_login(world.bank)
    page = text(client.get(reverse("payments:bank")))
    assert money(guarantee.amount - bill.tax) in page
    response = client.post(
        step_url("guarantee", guarantee, "end"), {"version": guarantee.version}, follow=True
    )
    assert "Unpaid bills still hold" in text(response)
    # The guarantor sees the bill reserved against its guarantee.
    assert client.get(bill_url(bill)).status_code == 200


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"company": "91310000MA1FL0000X"}, "No company is registered in eport under USCI"),
        ({"company": ""}, "Enter the company's USCI"),
        ({"amount": "lots"}, "Enter the amount as a number"),
        ({"amount": "-5"}, "more than zero"),
        ({"valid_from": "31/12/2026x"}, "Enter the date as YYYY-MM-DD"),
        ({"valid_until": "2000-01-01"}, "ends before it starts"),
        ({"valid_from": ""}, "Enter the first day it is valid"),
        ({"bank_reference": ""}, "Enter your bank's reference for it"),
    ],
)
def test_a_bad_guarantee_is_answered_beside_its_field(client, world, changes, message):
    client.force_login(world.bank)
    response = client.post(reverse("payments:issue_guarantee"), guarantee_data(world, **changes))
    assert response.status_code == 400
    assert message in text(response)
    assert not Guarantee.objects.exists()


def test_a_guarantee_reference_is_used_once_by_a_bank(client, world):
    client.force_login(world.bank)
    client.post(reverse("payments:issue_guarantee"), guarantee_data(world))
    response = client.post(reverse("payments:issue_guarantee"), guarantee_data(world))
    assert response.status_code == 400
    assert "already issued a guarantee under ICBC-G-1" in text(response)


def test_a_guarantee_that_does_not_cover_the_bill_is_refused_in_words(client, world, bill):
    guarantee = pf.guarantee(world.bank, world.alpha, amount="1.00")
    client.force_login(world.trader)
    response = client.post(
        reverse("payments:release_against_guarantee", args=[bill.uuid]),
        {"guarantee": guarantee.pk},
        follow=True,
    )
    assert f"has 1.00 CNY left; bill {bill.number} needs" in text(response)
    assert pf.fresh(bill).status == "open"


def test_another_companys_guarantee_is_not_a_choice(client, world, bill):
    theirs = pf.guarantee(world.bank, world.beta, reference="BETA-G")
    client.force_login(world.trader)
    response = client.post(
        reverse("payments:release_against_guarantee", args=[bill.uuid]),
        {"guarantee": theirs.pk},
        follow=True,
    )
    assert "Choose one of your company's guarantees listed" in text(response)


def test_the_bank_ends_a_guarantee_that_holds_nothing(client, world):
    guarantee = pf.guarantee(world.bank, world.alpha)
    client.force_login(world.bank)
    response = client.post(
        step_url("guarantee", guarantee, "end"), {"version": guarantee.version}, follow=True
    )
    assert "Guarantee G-1 ended" in text(response)
    assert pf.fresh(guarantee).status == "ended"


def test_a_guaranteed_bill_paid_next_month_restores_the_balance(client, world):
    with at(2026, 12, 7):
        bill = pf.assessed(world.trader)
        guarantee = pf.guarantee(
            world.bank,
            world.alpha,
            valid_from=date(2026, 12, 1),
            valid_until=date(2027, 11, 30),
        )
        agreement = pf.agreement(world.trader, world.bank)
        services.release_against_guarantee(bill=bill, actor=world.trader, guarantee=guarantee)
    with at(2027, 1, 6):
        client.force_login(world.trader)
        page = text(client.get(bill_url(bill)))
        assert "2027-01-07" in page  # the fifth working day of January
        client.post(reverse("payments:instruct", args=[bill.uuid]), {"agreement": agreement.pk})
        instruction = PaymentInstruction.objects.get()
        client.force_login(world.bank)
        client.post(
            step_url("instruction", instruction, "confirm"),
            confirm_data(pf.fresh(bill), instruction),
        )
        assert pf.fresh(bill).status == "paid"
        page = text(client.get(reverse("payments:bank")))
        assert "CNY 100,000.00" in page.split('data-testid="remaining">')[1][:40]


def test_an_overdue_guaranteed_bill_freezes_its_guarantee_on_the_pages(client, world):
    with at(2026, 12, 7):
        bill = pf.assessed(world.trader)
        guarantee = pf.guarantee(
            world.bank, world.alpha, valid_from=date(2026, 12, 1), valid_until=date(2027, 11, 30)
        )
        services.release_against_guarantee(bill=bill, actor=world.trader, guarantee=guarantee)
    with at(2027, 1, 11):
        client.force_login(world.trader)
        overview = text(client.get(reverse("payments:overview")))
        assert f"Frozen: bill {bill.number} was due on 2027-01-07" in overview
        assert "overdue by 4 days since 2027-01-07" in overview
        second = pf.assessed(world.trader, lrn="LRN-2")
        page = text(client.get(bill_url(second)))
        assert "None of your guarantees can be used today" in page


# --- late bills ------------------------------------------------------------------------------


def test_a_late_bill_shows_its_surcharge_line_and_total(client, world):
    with at(2026, 12, 6):
        bill = pf.assessed(world.trader)
    with at(2026, 12, 31):  # ten days after 2026-12-21
        surcharge = selectors.amount_due(bill).surcharge
        client.force_login(world.trader)
        body = text(client.get(bill_url(bill)))
        assert "Late-payment surcharge, 0.05 % a day for 10 day(s) to today" in body
        assert money(surcharge) in body and money(bill.tax + surcharge) in body
        assert "overdue by 10 days since 2026-12-21" in body
        assert "The bill was due on 2026-12-21; a guarantee no longer covers it" not in body
        overview = text(client.get(reverse("payments:overview")))
        assert f"surcharge CNY {money(surcharge)} so far" in overview


def test_a_bill_paid_late_keeps_its_surcharge_line(client, world):
    with at(2026, 12, 6):
        bill = pf.assessed(world.trader)
    with at(2026, 12, 22):
        client.force_login(world.officer)
        client.post(
            reverse("payments:counter_payment", args=[bill.uuid]), {"receipt_number": "CR-9"}
        )
    bill = pf.fresh(bill)
    assert bill.surcharge_days == 1
    client.force_login(world.auditor)
    body = text(client.get(bill_url(bill)))
    assert "Late-payment surcharge, 0.05 % a day for 1 day(s)" in body
    assert "Total paid" in body and money(bill.paid_amount) in body
    assert "Late-payment surcharge added" in body


# --- the daily statement ---------------------------------------------------------------------


def test_the_bank_downloads_its_statement_of_a_value_date(client, instructed):
    pf.confirm(instructed.instruction, instructed.bank, reference="ICBC-STMT-1")
    client.force_login(instructed.bank)
    page = text(client.get(reverse("payments:bank")))
    today = selectors.today().isoformat()
    assert f"?value_date={today}" in page
    response = client.get(reverse("payments:statement"), {"value_date": today})
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="statement-ICBKCNBJSHI-{today}.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["bill_number"] for row in rows] == [instructed.bill.number]
    assert rows[0]["bank_reference"] == "ICBC-STMT-1"

    client.force_login(instructed.bank2)
    response = client.get(reverse("payments:statement"), {"value_date": today})
    assert instructed.bill.number not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({}, "Choose the value date of the statement"),
        ({"value_date": "tomorrow"}, "Enter the date as YYYY-MM-DD"),
        ({"value_date": "2026-13-01"}, "Enter the date as YYYY-MM-DD"),
    ],
)
def test_a_bad_statement_date_is_answered_in_words(client, world, query, message):
    client.force_login(world.bank)
    response = client.get(reverse("payments:statement"), query)
    assert response.status_code == 400
    assert message in text(response)


def test_the_statement_is_for_bank_staff(client, world):
    client.force_login(world.trader)
    response = client.get(reverse("payments:statement"), {"value_date": "2026-12-01"})
    assert response.status_code == 403


# --- the declaration page ------------------------------------------------------------------


def test_an_assessed_declaration_shows_its_trader_what_is_due_and_how_to_pay(client, world, bill):
    client.force_login(world.trader)
    body = text(client.get(reverse("declarations:detail", args=[bill.declaration.uuid])))
    assert 'data-testid="bill-panel"' in body
    assert bill.number in body and f"CNY {money(bill.tax)}" in body
    assert f"due by {bill.due_on.isoformat()}, in 15 days" in body
    assert "Pay duties and taxes" in body and bill_url(bill) in body
    assert "Nothing for you to do now" not in body


def test_officers_and_auditors_reach_the_bill_from_the_declaration(client, world, bill):
    url = reverse("declarations:detail", args=[bill.declaration.uuid])
    client.force_login(world.officer)
    body = text(client.get(url))
    assert bill_url(bill) in body and "Record payment at a customs counter" in body
    assert "Pay duties and taxes" not in body
    assert "Nothing for you to do now" not in body
    client.force_login(world.auditor)
    body = text(client.get(url))
    assert bill_url(bill) in body and "Open the tax bill" in body
    assert "Pay duties and taxes" not in body


def test_a_paid_bill_on_the_declaration_page_says_paid(client, world, bill):
    services.record_counter_payment(bill=bill, actor=world.officer, receipt_number="CR-5")
    client.force_login(world.trader)
    body = text(client.get(reverse("declarations:detail", args=[bill.declaration.uuid])))
    assert 'data-testid="bill-panel"' in body and "Pay duties and taxes" not in body
    assert f"CNY {money(bill.tax)}" in body


def test_a_declaration_without_a_bill_has_no_panel(client, world):
    declaration = f.draft(world.trader)
    client.force_login(world.trader)
    body = text(client.get(reverse("declarations:detail", args=[declaration.uuid])))
    assert 'data-testid="bill-panel"' not in body


def test_the_declaration_page_reads_the_bill_once(
    client, world, bill, django_assert_max_num_queries
):
    url = reverse("declarations:detail", args=[bill.declaration.uuid])
    client.force_login(world.trader)
    client.get(url)
    with django_assert_max_num_queries(40) as captured:
        client.get(url)
    bill_reads = [q for q in captured.captured_queries if 'FROM "payments_taxbill"' in q["sql"]]
    assert len(bill_reads) == 1


# --- navigation ----------------------------------------------------------------------------


def test_traders_and_banks_find_payments_in_their_navigation(client, world):
    client.force_login(world.trader)
    labels = [link["label"] for link in client.get("/payments/").context["nav_links"]]
    assert "Duties and taxes" in labels
    client.force_login(world.bank)
    response = client.get(reverse("banks:workspace"))
    labels = [link["label"] for link in response.context["nav_links"]]
    assert "Payments" in labels
    assert reverse("payments:bank") in text(response)
    current = [
        link["label"]
        for link in client.get("/bank/payments/").context["nav_links"]
        if link["current"]
    ]
    assert current == ["Payments"]


# --- never a 500 ---------------------------------------------------------------------------

JUNK = {
    "version": "9" * 30,
    "reason": "x" * 5000,
    "bill_number": "\u202e" * 3,
    "amount": "1e999999",
    "currency": "€€€€",
    "bank_reference": "' OR 1=1 --",
    "value_date": "0000-00-00",
    "agreement": "-1",
    "guarantee": "[]",
    "receipt_number": "=cmd|' /C calc'!A0",
    "company": "\x00",
    "valid_from": "9999-99-99",
    "valid_until": "",
    "bank": "1.5",
    "account_number": "\ud7ff" * 3,
}


@pytest.mark.parametrize("role", ["trader", "trader2", "officer", "auditor", "bank", "bank2"])
def test_junk_posted_anywhere_is_answered_without_a_server_error(client, instructed, role):
    guarantee = pf.guarantee(instructed.bank, instructed.alpha)
    urls = [
        reverse("payments:request_agreement"),
        reverse("payments:instruct", args=[instructed.bill.uuid]),
        reverse("payments:release_against_guarantee", args=[instructed.bill.uuid]),
        reverse("payments:counter_payment", args=[instructed.bill.uuid]),
        reverse("payments:issue_guarantee"),
        *(
            step_url("instruction", instructed.instruction, s)
            for s in ("confirm", "refuse", "withdraw")
        ),
        *(step_url("agreement", instructed.agreement, s) for s in ("confirm", "refuse", "end")),
        step_url("guarantee", guarantee, "end"),
    ]
    client.force_login(person(instructed, role))
    for url in urls:
        for data in (JUNK, {}):
            response = client.post(url, data)
            assert response.status_code in (200, 302, 400, 403, 404, 409), (url, response)
    for query in ({"value_date": "x"}, {"value_date": "2026-01-01"}, {}):
        assert client.get(reverse("payments:statement"), query).status_code in (200, 400, 403)
    assert pf.fresh(instructed.instruction).status == "pending"
    assert TaxBill.objects.get().status == "open"
