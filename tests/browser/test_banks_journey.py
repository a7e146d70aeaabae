"""Trade finance through the pages, in a real browser.

A trader presents a released declaration to two banks. Bank 1 verifies its receipt against the
notarized ledger, registers 60 % and disburses; bank 2 sees only 40 % remaining, is refused for
50 % and registers the 40 %; bank 1 records the repayment. The trader sees both financings, and
an auditor finds both registrations in the ledger browser. It runs once in English and once in
Chinese, every word looked up in the pages' own catalogue (`t`).
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from eport.accounts.models import Bank, User
from eport.banks.models import Financing
from ledger import notary
from tests.banks import factories as bf
from tests.browser.conftest import LANGUAGES, as_pattern, sign_in, sign_out
from tests.browser.layout import check_page
from tests.declarations import factories as f
from tests.ledger.notary_support import ledger_keys  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Finance-pass-2026"
SCREENSHOTS = Path(os.environ.get("EPORT_SCREENSHOTS", "/tmp"))


@pytest.fixture
def released(transactional_db, ledger_keys):  # noqa: F811
    """A released declaration (invoice total 1,000.00), notarized; two banks with staff."""
    f.load_reference_rows()
    shanghai = f.office("2201", "Shanghai Customs District")
    alpha = f.company("91310000MA1FL0000", "Alpha Trading Co., Ltd.")
    icbc = bf.bank("ICBKCNBJSHI", "Industrial and Commercial Bank of China, Shanghai")
    boc = bf.bank("BKCHCNBJ300", "Bank of China, Shanghai Branch")
    people = {
        "liwei": {"role": "trader", "company": alpha},
        "zhangmin": {"role": "officer", "office": shanghai},
        "auditor": {"role": "auditor"},
        "wanghua": {"role": "bank", "bank": icbc},
        "chenjing": {"role": "bank", "bank": boc},
    }
    users = {
        name: User.objects.create_user(username=name, password=PASSWORD, **organisation)
        for name, organisation in people.items()
    }
    declaration = bf.released(users["liwei"], users["zhangmin"])
    notary.notarize_pending(cosign="inline")
    return declaration


def register(page: Page, t, amount: str, reference: str) -> None:
    button = page.get_by_role("button", name=t("Register financing"))
    form = page.locator("form").filter(has=button)
    form.get_by_label(t("Instrument")).select_option(
        label=t(Financing.Instrument.IMPORT_PAYMENT.label)
    )
    form.get_by_label(t("Amount")).fill(amount)
    form.get_by_label(t("Value date")).fill("2026-12-01")
    form.get_by_label(t("Maturity date")).fill("2027-03-01")
    form.get_by_label(t("Your reference")).fill(reference)
    form.get_by_role("button", name=t("Register financing")).click()


def open_presented(page: Page, t, number: str) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        as_pattern(t("Declarations presented to %(bank)s"))
    )
    check_page(page)
    page.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    check_page(page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_two_banks_finance_one_declaration_without_overdrawing_it(
    page: Page, released, t, language
):
    number = released.number
    currency = released.invoice_currency
    Status = Financing.Status

    # The trader presents the released declaration to both banks from its declaration page.
    sign_in(page, t, "liwei", PASSWORD)
    page.goto(f"/declarations/{released.uuid}/")
    check_page(page)
    page.get_by_role("link", name=t("Trade finance")).click()
    for bank in ("Industrial and Commercial Bank", "Bank of China"):
        label = _option(page, t, bank)
        page.get_by_label(t("Bank"), exact=True).select_option(label=label)
        page.get_by_role("button", name=t("Present"), exact=True).click()
        expect(page.locator(".message--success")).to_contain_text(
            t(
                "Declaration %(number)s presented to %(bank)s.",
                number=number,
                bank=Bank.objects.get(legal_name__startswith=bank).legal_name,
            )
        )
    expect(page.get_by_test_id("presentations").locator("tbody tr")).to_have_count(2)
    check_page(page)
    sign_out(page, t)

    # Bank 1 checks the receipt against the notarized ledger, registers 60 % and disburses.
    sign_in(page, t, "wanghua", PASSWORD)
    open_presented(page, t, number)
    verdict = page.get_by_test_id("verdict")
    expect(verdict).to_contain_text(t("Verified against customs' notarized ledger"))
    # The checks' details come from the ledger's verifier; the banks' page shows them as it gets
    # them (English) where the auditor's page says them again in the reader's language.
    witnesses = "%(signed)s of %(total)s trusted witnesses signed, quorum %(quorum)s"
    expect(verdict).to_contain_text(
        re.compile(f"{as_pattern(t(witnesses)).pattern}|{as_pattern(witnesses).pattern}")
    )
    expect(page.get_by_test_id("balance")).to_have_text(f"{currency} 1,000.00")
    register(page, t, "600.00", "ICBC-TF-0001")
    registered = "Financing %(reference)s registered: %(amount)s %(currency)s."
    expect(page.locator(".message--success")).to_contain_text(
        t(registered, reference="ICBC-TF-0001", amount="600.00", currency=currency)
    )
    page.get_by_role("button", name=t("Record disbursement")).click()
    expect(page.get_by_test_id("status")).to_contain_text(t(Status.DISBURSED.label))
    check_page(page)
    sign_out(page, t)

    # Bank 2 sees only the 40 % left, is refused for 50 %, and registers the 40 %.
    sign_in(page, t, "chenjing", PASSWORD)
    open_presented(page, t, number)
    expect(page.get_by_test_id("balance")).to_have_text(f"{currency} 400.00")
    expect(page.locator("main")).not_to_contain_text("ICBC-TF-0001")
    register(page, t, "500.00", "BOC-TF-0001")
    expect(page.locator(".message--error")).to_contain_text(
        t(
            "%(amount)s %(currency)s is more than this declaration can still be financed by: "
            "%(remaining)s %(currency)s remain of its invoice total.",
            amount="500.00",
            currency=currency,
            remaining="400.00",
        )
    )
    expect(page.get_by_label(t("Your reference"))).to_have_value("BOC-TF-0001")
    check_page(page)
    page.screenshot(path=str(SCREENSHOTS / f"eport-bank-refused-{language}.png"), full_page=True)
    register(page, t, "400.00", "BOC-TF-0001")
    expect(page.locator(".message--success")).to_contain_text(
        t(registered, reference="BOC-TF-0001", amount="400.00", currency=currency)
    )
    sign_out(page, t)

    # Bank 1 records the repayment from its own financings of the declaration.
    sign_in(page, t, "wanghua", PASSWORD)
    open_presented(page, t, number)
    expect(page.get_by_test_id("balance")).to_have_text(f"{currency} 0.00")
    expect(page.locator("main")).not_to_contain_text("BOC-TF-0001")
    page.get_by_role("link", name="ICBC-TF-0001").click()
    page.get_by_role("button", name=t("Record repayment")).click()
    expect(page.get_by_test_id("status")).to_contain_text(t(Status.REPAID.label))
    check_page(page)
    page.screenshot(path=str(SCREENSHOTS / f"eport-bank-financing-{language}.png"), full_page=True)
    page.goto("/bank/")
    check_page(page)
    page.screenshot(path=str(SCREENSHOTS / f"eport-bank-workspace-{language}.png"), full_page=True)
    sign_out(page, t)

    # The trader sees both financings, each with its bank.
    sign_in(page, t, "liwei", PASSWORD)
    page.goto(f"/finance/declarations/{released.uuid}/")
    financings = page.get_by_test_id("financings")
    expect(financings.locator("tr[data-reference='ICBC-TF-0001']")).to_contain_text(
        t(Status.REPAID.label)
    )
    expect(financings.locator("tr[data-reference='BOC-TF-0001']")).to_contain_text(
        t(Status.REGISTERED.label)
    )
    expect(financings).to_contain_text("Industrial and Commercial Bank of China")
    expect(financings).to_contain_text("Bank of China, Shanghai Branch")
    check_page(page)
    page.screenshot(path=str(SCREENSHOTS / f"eport-trade-finance-{language}.png"), full_page=True)
    sign_out(page, t)

    # The auditor finds both registrations in the ledger.
    sign_in(page, t, "auditor", PASSWORD)
    page.goto("/audit/ledger/?action=financing.registered")
    for financing in Financing.objects.all():
        expect(page.locator("main")).to_contain_text(financing.ledger_subject)
    check_page(page)
    page.goto(
        f"/audit/ledger/?subject=financing:{Financing.objects.get(bank__bic='BKCHCNBJ300').uuid}"
    )
    expect(page.locator("main")).to_contain_text("financing.registered")
    check_page(page)


def _option(page: Page, t, starts_with: str) -> str:
    """The full label of the bank select's option that starts with ``starts_with``."""
    labels = page.get_by_label(t("Bank"), exact=True).locator("option").all_inner_texts()
    return next(label for label in labels if label.startswith(starts_with))
