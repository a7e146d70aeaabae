"""Duties and taxes through the pages, in a real browser.

1. A green-lane declaration is assessed: its trader sees what is due on the declaration page,
   asks ICBC for a payment agreement, the bank confirms it, the trader pays the bill from that
   account, the bank confirms the debit in /bank/payments/, and the declaration is released.
2. Aggregate taxation: the bank issues a guarantee, the trader releases a bill against it in
   December, pays it in January by e-payment, the bank confirms, and the guarantee's balance is
   whole again. The live server runs in this process, so ``time_machine`` moves its clock too.

Each runs once in English and once in Chinese, every word looked up in the pages' own catalogue
(`t`).
"""

import os
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import Page, expect

from eport.accounts.models import User
from eport.declarations.models import Declaration
from eport.payments.models import PaymentAgreement, PaymentInstruction, TaxBill
from eport.payments.rules import STEPS
from tests.banks import factories as bf
from tests.browser.conftest import LANGUAGES, sign_in, sign_out
from tests.browser.layout import check_page
from tests.declarations import factories as f
from tests.payments import factories as pf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Payments-pass-2026"
SCREENSHOTS = Path(os.environ.get("EPORT_SCREENSHOTS", "/tmp"))
SHANGHAI = ZoneInfo("Asia/Shanghai")
ACCOUNT = "6222021001000000001"
ICBC = "Industrial and Commercial Bank of China, Shanghai"


def at(year, month, day, hour=10):
    return time_machine.travel(datetime(year, month, day, hour, tzinfo=SHANGHAI), tick=True)


@pytest.fixture
def people(transactional_db, settings, tmp_path):
    """A trader of Alpha, an officer of Shanghai customs, staff of ICBC."""
    settings.MEDIA_ROOT = tmp_path / "media"
    f.load_reference_rows()
    shanghai = f.office("2201", "Shanghai Customs District")
    alpha = f.company("91310000MA1FL0000", "Alpha Trading Co., Ltd.")
    icbc = bf.bank("ICBKCNBJSHI", ICBC)
    people = {
        "liwei": {"role": "trader", "company": alpha, "first_name": "Li", "last_name": "Wei"},
        "zhangmin": {"role": "officer", "office": shanghai},
        "wanghua": {"role": "bank", "bank": icbc, "first_name": "Wang", "last_name": "Hua"},
    }
    return {
        name: User.objects.create_user(username=name, password=PASSWORD, **details)
        for name, details in people.items()
    }


def nav(page: Page, t, label: str) -> None:
    page.get_by_role("navigation", name=t("Main")).get_by_role("link", name=t(label)).click()


def waiting_payment(page: Page, bill: TaxBill):
    return page.get_by_test_id("waiting-instructions").locator(f"[data-bill='{bill.number}']")


def due_words(t, day: date, days: int) -> str:
    return t(
        "due by %(day)s, in %(days)d day",
        plural="due by %(day)s, in %(days)d days",
        n=days,
        day=day.isoformat(),
        days=days,
    )


def sent(t, bill: TaxBill) -> str:
    return t(
        "Payment of bill %(bill)s sent to %(bank)s: CNY %(amount)s from account %(account)s. "
        "The bill is paid once the bank confirms the debit.",
        bill=bill.number,
        bank=ICBC,
        amount=f"{bill.tax:,.2f}",
        account=ACCOUNT,
    )


def confirm_debit(page: Page, t, bill: TaxBill, reference: str) -> None:
    """In /bank/payments/, confirm the waiting payment of ``bill`` as the form fills it in."""
    nav(page, t, "Payments")
    payment = waiting_payment(page, bill)
    expect(payment).to_contain_text(bill.declaration.company.name)
    expect(payment.get_by_label(t("Bill number"))).to_have_value(bill.number)
    payment.get_by_label(t("Your reference")).fill(reference)
    payment.get_by_role("button", name=t("Confirm debit")).click()
    expect(page.locator(".message--success")).to_contain_text(
        t(
            "Payment of bill %(bill)s %(past)s.",
            bill=bill.number,
            past=t(STEPS[PaymentInstruction]["confirm"].past),
        )
    )
    expect(page.get_by_test_id("waiting-instructions")).to_have_count(0)
    check_page(page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_trader_pays_through_its_bank_and_the_declaration_is_released(
    page: Page, people, t, language
):
    declaration = f.submitted(people["liwei"], "green")
    bill = TaxBill.objects.get(declaration=declaration)
    due = f"CNY {bill.tax:,.2f}"

    # The trader sees what is due on the declaration page, and how to pay it.
    sign_in(page, t, "liwei", PASSWORD)
    page.goto(f"/declarations/{declaration.uuid}/")
    panel = page.get_by_test_id("bill-panel")
    expect(panel).to_contain_text(bill.number)
    expect(panel.get_by_test_id("bill-due")).to_have_text(due)
    expect(panel).to_contain_text(due_words(t, bill.due_on, 15))
    expect(page.locator("aside")).not_to_contain_text(t("Nothing for you to do now."))
    check_page(page)
    page.screenshot(
        path=str(SCREENSHOTS / f"eport-declaration-bill-panel-{language}.png"), full_page=True
    )
    panel.get_by_role("link", name=t("Pay duties and taxes")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(bill.number)
    expect(page.get_by_test_id("bill-total")).to_have_text(f"{bill.tax:,.2f}")

    # No account can pay yet: the page says how to get one, and the trader asks ICBC.
    no_agreement = page.get_by_test_id("no-agreement")
    expect(no_agreement).to_contain_text(
        t("No payment agreement is in force, so no account can pay this bill yet.")
    )
    check_page(page)
    no_agreement.get_by_role("link").click()
    ask_button = page.get_by_role("button", name=t("Ask for agreement"))
    ask = page.locator("form").filter(has=ask_button)
    ask.get_by_label(t("Bank")).select_option(label=f"{ICBC} (ICBKCNBJSHI)")
    ask.get_by_label(t("Account number")).fill("6222 0210 0100 0000 001")
    ask.get_by_role("button", name=t("Ask for agreement")).click()
    expect(page.locator(".message--success")).to_contain_text(
        t(
            "Agreement for account %(account)s asked of %(bank)s. Bills can be paid from it once "
            "the bank confirms it.",
            account=ACCOUNT,
            bank=ICBC,
        )
    )
    expect(
        page.get_by_test_id("agreements").locator(f"tr[data-account='{ACCOUNT}']")
    ).to_contain_text(t(PaymentAgreement.Status.REQUESTED.label))
    check_page(page)
    sign_out(page, t)

    # The bank confirms the agreement from its payments page.
    sign_in(page, t, "wanghua", PASSWORD)
    page.get_by_role("link", name=t("Duties and taxes payments")).click()
    agreement = page.get_by_test_id("agreements").locator(f"tr[data-account='{ACCOUNT}']")
    expect(agreement).to_contain_text("Alpha Trading Co., Ltd.")
    agreement.get_by_role("button", name=t("Confirm agreement")).click()
    expect(page.locator(".message--success")).to_contain_text(
        t(
            "Agreement for account %(account)s with %(bank)s %(past)s.",
            account=ACCOUNT,
            bank=ICBC,
            past=t(STEPS[PaymentAgreement]["confirm"].past),
        )
    )
    expect(agreement).to_contain_text(t(PaymentAgreement.Status.ACTIVE.label))
    check_page(page)
    sign_out(page, t)

    # The trader pays the bill from that account.
    sign_in(page, t, "liwei", PASSWORD)
    nav(page, t, "Duties and taxes")
    open_bills = page.get_by_test_id("open-bills")
    expect(open_bills.locator(f"tr[data-bill='{bill.number}']")).to_contain_text(due)
    check_page(page)
    open_bills.get_by_role("link", name=bill.number).click()
    page.get_by_label(t("Pay from account")).select_option(
        label=f"{ACCOUNT} · {ICBC} (ICBKCNBJSHI)"
    )
    page.get_by_role("button", name=t("Pay from account")).click()
    expect(page.locator(".message--success")).to_contain_text(sent(t, bill))
    expect(page.get_by_test_id("waiting")).to_contain_text(f"{bill.tax:,.2f}")
    check_page(page)
    sign_out(page, t)

    # The bank confirms the debit, with the figures the form filled in and its reference.
    sign_in(page, t, "wanghua", PASSWORD)
    nav(page, t, "Payments")
    expect(waiting_payment(page, bill).get_by_test_id("amount-due")).to_contain_text(due)
    check_page(page)
    page.screenshot(path=str(SCREENSHOTS / f"eport-bank-payments-{language}.png"), full_page=True)
    confirm_debit(page, t, bill, "ICBC-DEBIT-0001")
    sign_out(page, t)

    # The declaration is paid and, green, released; the bill says who paid it and how.
    sign_in(page, t, "liwei", PASSWORD)
    page.goto(f"/declarations/{declaration.uuid}/")
    expect(page.locator(".page-head")).to_contain_text(t(Declaration.Status.RELEASED.label))
    panel = page.get_by_test_id("bill-panel")
    expect(panel).to_contain_text(t(TaxBill.Status.PAID.label))
    expect(panel.get_by_role("link", name=t("Pay duties and taxes"))).to_have_count(0)
    timeline = page.locator("[data-timeline] li")
    expect(timeline.filter(has_text=t("Payment recorded"))).to_contain_text("Wang Hua")
    check_page(page)
    panel.get_by_role("link", name=bill.number).click()
    expect(page.get_by_test_id("paid-means")).to_have_text(t(TaxBill.Means.E_PAYMENT.label))
    expect(page.get_by_test_id("paid-reference")).to_have_text("ICBC-DEBIT-0001")
    bill_timeline = page.locator("[data-timeline] .timeline__what")
    expect(bill_timeline).to_have_text(
        [
            f"{t('Tax bill issued')} · {t('Assessment engine')}",
            f"{t('Payment instructed')} · Li Wei",
            f"{t('Payment confirmed by the bank')} · Wang Hua",
            f"{t('Tax bill paid')} · Wang Hua",
        ]
    )
    check_page(page)
    page.screenshot(path=str(SCREENSHOTS / f"eport-bill-paid-{language}.png"), full_page=True)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_bill_released_against_a_guarantee_is_paid_next_month(page: Page, people, t, language):
    trader, bank = people["liwei"], people["wanghua"]
    alpha = trader.company
    with at(2026, 12, 7):
        declaration = f.submitted(trader, "green")
        bill = TaxBill.objects.get(declaration=declaration)
        pf.agreement(trader, bank, account=ACCOUNT)

        # The bank issues a general guarantee for Alpha.
        sign_in(page, t, "wanghua", PASSWORD)
        nav(page, t, "Payments")
        issue_button = page.get_by_role("button", name=t("Issue guarantee"))
        issue = page.locator("form").filter(has=issue_button)
        issue.get_by_label(t("Company USCI")).fill(alpha.usci)
        issue.get_by_label(t("Amount (CNY)")).fill("500000.00")
        issue.get_by_label(t("Valid from")).fill("2026-12-01")
        issue.get_by_label(t("Valid until")).fill("2027-11-30")
        issue.get_by_label(t("Your reference")).fill("ICBC-GTE-2026-01")
        issue.get_by_role("button", name=t("Issue guarantee")).click()
        expect(page.locator(".message--success")).to_contain_text(
            t(
                "Guarantee %(reference)s issued for %(company)s: CNY %(amount)s.",
                reference="ICBC-GTE-2026-01",
                company="Alpha Trading Co., Ltd.",
                amount="500,000.00",
            )
        )
        check_page(page)
        sign_out(page, t)

        # The trader releases the bill against it: the goods go, the bill stays to be paid.
        sign_in(page, t, "liwei", PASSWORD)
        page.goto(f"/declarations/{declaration.uuid}/")
        page.get_by_test_id("bill-panel").get_by_role(
            "link", name=t("Pay duties and taxes")
        ).click()
        page.get_by_label(t("Guarantee"), exact=True).select_option(
            label=f"ICBC-GTE-2026-01 · {ICBC} · {t('CNY %(left)s left', left='500,000.00')}"
        )
        page.get_by_role("button", name=t("Release against guarantee")).click()
        expect(page.locator(".message--success")).to_contain_text(
            t(
                "Bill %(bill)s released against guarantee %(reference)s: the declaration "
                "proceeds; pay the bill by %(due)s.",
                bill=bill.number,
                reference="ICBC-GTE-2026-01",
                due="2027-01-07",
            )
        )
        expect(page.get_by_test_id("bill-status")).to_contain_text(
            t(TaxBill.Status.GUARANTEED.label)
        )
        # Due by the fifth working day of January.
        expect(page.locator("dl.facts")).to_contain_text("2027-01-07")
        check_page(page)
        page.goto(f"/declarations/{declaration.uuid}/")
        expect(page.locator(".page-head")).to_contain_text(t(Declaration.Status.RELEASED.label))
        nav(page, t, "Duties and taxes")
        held = page.get_by_test_id("guarantees").locator("tr[data-reference='ICBC-GTE-2026-01']")
        expect(held.get_by_test_id("remaining")).to_have_text(f"CNY {500000 - bill.tax:,.2f}")
        expect(page.get_by_test_id("guaranteed-bills")).to_contain_text(bill.number)
        check_page(page)
        sign_out(page, t)

    with at(2027, 1, 6):
        # In January the trader pays the bill by e-payment, before its aggregate date.
        sign_in(page, t, "liwei", PASSWORD)
        nav(page, t, "Duties and taxes")
        page.get_by_test_id("guaranteed-bills").get_by_role("link", name=bill.number).click()
        expect(page.get_by_test_id("due-words")).to_contain_text(due_words(t, date(2027, 1, 7), 1))
        check_page(page)
        page.get_by_role("button", name=t("Pay from account")).click()
        expect(page.locator(".message--success")).to_contain_text(sent(t, bill))
        sign_out(page, t)

        # The bank confirms the debit; the guarantee's balance is restored.
        sign_in(page, t, "wanghua", PASSWORD)
        confirm_debit(page, t, bill, "ICBC-DEBIT-0107")
        guarantee = page.get_by_test_id("guarantees").locator(
            "tr[data-reference='ICBC-GTE-2026-01']"
        )
        expect(guarantee.get_by_test_id("remaining")).to_have_text("CNY 500,000.00")
        page.screenshot(
            path=str(SCREENSHOTS / f"eport-bank-guarantees-{language}.png"), full_page=True
        )
        page.get_by_label(t("Value date")).fill("2027-01-06")
        with page.expect_download() as download:
            page.get_by_role("button", name=t("Download statement (CSV)")).click()
        statement = Path(download.value.path()).read_text()
        assert bill.number in statement and "ICBC-DEBIT-0107" in statement
        sign_out(page, t)

        sign_in(page, t, "liwei", PASSWORD)
        nav(page, t, "Duties and taxes")
        expect(page.get_by_test_id("paid-bills")).to_contain_text(bill.number)
        held = page.get_by_test_id("guarantees").locator("tr[data-reference='ICBC-GTE-2026-01']")
        expect(held.get_by_test_id("remaining")).to_have_text("CNY 500,000.00")
        check_page(page)
        page.screenshot(
            path=str(SCREENSHOTS / f"eport-duties-and-taxes-{language}.png"), full_page=True
        )

    bill.refresh_from_db()
    assert (bill.status, bill.paid_on, bill.surcharge) == ("paid", date(2027, 1, 6), 0)
