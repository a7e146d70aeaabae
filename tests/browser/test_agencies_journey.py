"""One window, several agencies, in a real browser.

A trader applies for an import licence for laptops; the commerce commission's licensing officer
approves it; the trader files a declaration citing it (laptops are on both the import licence
list and the statutory inspection list); the inspection agency's officer passes the goods with a
certificate; the customs officer takes and assesses the declaration, records its payment at the
counter and releases it. The licence's page shows its remaining balance before and after the
release wrote the item off.

It runs once in English and once in Chinese, every word looked up in the pages' own catalogue
(`t`); every page is checked with axe-core and at a phone's width (``check_page``).
"""

import datetime
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from eport.accounts.models import Agency, User
from eport.declarations.lifecycle import MOVES
from eport.declarations.models import Declaration
from eport.licensing.lifecycle import MOVES as LICENCE_MOVES
from eport.licensing.models import Licence, LicenceUsage
from eport.reference import codes
from eport.reference.models import GoodsControl
from tests.browser.conftest import LANGUAGES, sign_in, sign_out
from tests.browser.layout import check_page
from tests.browser.test_journey import act, fill_item, tiny_pdf, upload
from tests.declarations import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(os.environ.get("EPORT_SCREENSHOTS", "/tmp"))
PASSWORD = "Agencies-pass-2026"
LRN = "PO-2026-0518"
CERTIFICATE = "CIQ-310000-2026-0042"


@pytest.fixture
def people(transactional_db, settings, tmp_path):
    """Laptops need an import licence and inspection; one agency of each kind, with an officer
    each, a trader of Alpha and an officer of Shanghai customs."""
    settings.MEDIA_ROOT = tmp_path / "media"
    f.load_reference_rows()
    for measure in (GoodsControl.Measure.IMPORT_LICENCE, GoodsControl.Measure.INSPECTION):
        GoodsControl.objects.create(hs_prefix="847130", measure=measure, description="Laptops")
    codes.clear_caches()
    commerce = Agency.objects.create(
        code="SHCOM", name="Shanghai Municipal Commission of Commerce", kind="licensing"
    )
    inspection = Agency.objects.create(
        code="SHCIQ", name="Shanghai Inspection and Quarantine", kind="inspection"
    )
    shanghai = f.office("2201", "Shanghai Customs District")
    alpha = f.company("91310000MA1FL0000", "Alpha Trading Co., Ltd.")
    people = {
        "liwei": {"role": "trader", "company": alpha, "first_name": "Li", "last_name": "Wei"},
        "chenjing": {"role": "agency", "agency": commerce},
        "zhaolei": {"role": "agency", "agency": inspection},
        "zhangmin": {"role": "officer", "office": shanghai},
    }
    return {
        name: User.objects.create_user(username=name, password=PASSWORD, **details)
        for name, details in people.items()
    }


def nav(page: Page, t, label: str) -> None:
    page.get_by_role("navigation", name=t("Main")).get_by_role("link", name=t(label)).click()


def balance(page: Page, quantity: str, value: str) -> None:
    expect(page.get_by_test_id("remaining-quantity")).to_contain_text(f"{quantity} PCE")
    expect(page.get_by_test_id("remaining-value")).to_contain_text(f"USD {value}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_licensed_and_inspected_import_is_released_and_written_off_the_licence(
    page: Page, people, t, language
):
    # Final moves (approve) ask "this is final. Continue?" in a dialog: the person agrees.
    page.on("dialog", lambda dialog: dialog.accept())
    today = timezone.localdate()

    # The trader applies for an import licence for 100 laptops worth USD 100,000.
    sign_in(page, t, "liwei", PASSWORD)
    nav(page, t, "Licences")
    check_page(page)
    page.get_by_role("link", name=t("Apply for a licence")).first.click()
    page.get_by_label(t("Flow")).select_option("import")
    page.get_by_label(t("Counterparty country")).fill("DE")
    page.get_by_label(t("HS code")).fill("847130")
    page.get_by_label(t("Description of goods")).fill("Laptop computers")
    page.get_by_label(t("Quantity")).fill("100")
    page.get_by_label(t("Unit")).fill("PCE")
    page.get_by_label(t("Value"), exact=True).fill("100000")
    page.get_by_label(t("Currency")).fill("USD")
    page.get_by_label(t("Valid from")).fill(today.isoformat())
    page.get_by_label(t("Valid until")).fill((today + datetime.timedelta(days=180)).isoformat())
    check_page(page)
    page.get_by_role("button", name=t("Send the application")).click()
    expect(page.locator(".message--success")).to_contain_text(
        t(
            "Your application was sent to %(agency)s; it is decided there.",
            agency="Shanghai Municipal Commission of Commerce",
        )
    )
    expect(page.get_by_test_id("status")).to_contain_text(t(Licence.Status.SUBMITTED.label))
    check_page(page)
    sign_out(page, t)

    # The licensing officer finds it at the top of the agency's queue and approves it.
    sign_in(page, t, "chenjing", PASSWORD)
    expect(page.get_by_test_id("waiting")).to_contain_text("Laptop computers")
    check_page(page)
    page.get_by_test_id("waiting").get_by_role("link").first.click()
    check_page(page)
    approve = page.locator("form[data-move=approve]")
    approve.get_by_label(t("Note to the applicant")).fill("Granted for the 2026 refresh.")
    approve.get_by_role("button", name=t("Approve")).click()
    licence = Licence.objects.get()
    assert licence.status == Licence.Status.APPROVED
    expect(page.locator(".message--success")).to_contain_text(
        t(
            "Licence %(licence)s %(past)s.",
            licence=licence.number,
            past=t(LICENCE_MOVES["approve"].past),
        )
    )
    expect(page.get_by_test_id("number")).to_have_text(licence.number)
    balance(page, "100", "100,000.00")
    check_page(page)
    sign_out(page, t)

    # The trader files ten laptops citing the licence, with the invoice and bill of lading.
    sign_in(page, t, "liwei", PASSWORD)
    page.goto(f"/licences/{licence.uuid}/")
    balance(page, "100", "100,000.00")
    page.screenshot(path=str(SCREENSHOTS / f"eport-licence-before-{language}.png"), full_page=True)
    page.get_by_role("link", name=t("New declaration")).first.click()
    page.get_by_label(t("Customs office of lodgement")).select_option("2201")
    page.get_by_label(t("Your reference (LRN)")).fill(LRN)
    page.get_by_label(t("Consignor / exporter")).fill("Hamburg Exports GmbH")
    page.get_by_label(t("Consignor country")).fill("DE")
    page.get_by_label(t("Consignee / importer")).fill("Alpha Trading Co., Ltd.")
    page.get_by_label(t("Consignee country")).fill("CN")
    page.get_by_label(t("Country of dispatch")).fill("DE")
    page.get_by_label(t("Country of destination")).fill("CN")
    page.get_by_label(t("Transport mode at the border")).select_option("1")
    page.get_by_label(t("Transport document")).fill("HLCU1234567")
    page.get_by_label(t("Port of loading")).fill("DEHAM")
    page.get_by_label(t("Port of discharge")).fill("CNSHA")
    page.get_by_label(t("Incoterm 2020")).select_option("FOB")
    page.get_by_label(t("Named place")).fill("Hamburg")
    page.get_by_label(t("Invoice currency")).fill("USD")
    page.get_by_label(t("Invoice total")).fill("10000.00")
    page.get_by_label(t("Exchange rate to CNY")).fill("7.1")
    page.get_by_label(t("Freight")).fill("300")
    page.get_by_label(t("Insurance")).fill("25")
    fill_item(
        page,
        t,
        0,
        hs_code="8471300000",
        description="Laptop computers",
        origin="DE",
        quantity="10",
        value="10000.00",
    )
    page.locator("[data-item]").nth(0).get_by_label(t("Licence number")).fill(licence.number)
    check_page(page)
    page.get_by_role("button", name=t("Save draft"), exact=True).click()
    expect(page.locator(".message--success")).to_contain_text(t("Draft %(lrn)s saved.", lrn=LRN))
    expect(page.get_by_test_id("item-licence")).to_have_text(licence.number)
    upload(page, t, "380", "INV-5518", "invoice.pdf", tiny_pdf("Commercial invoice INV-5518"))
    upload(page, t, "705", "HLCU1234567", "bill-of-lading.pdf", tiny_pdf("Bill of lading"))
    act(page, t, "Submit")
    declaration = Declaration.objects.get(lrn=LRN)
    expect(page.locator(".message--success")).to_contain_text(
        t(
            "Declaration %(declaration)s %(past)s.",
            declaration=declaration.number,
            past=t(MOVES["submit"].past),
        )
    )
    panel = page.get_by_test_id("inspection-panel")
    expect(panel).to_contain_text("Shanghai Inspection and Quarantine")
    expect(panel.get_by_test_id("inspection-status")).to_have_text(
        t(Declaration.Inspection.PENDING.label)
    )
    check_page(page)
    sign_out(page, t)

    # The inspection agency's officer finds it in the queue and passes the goods.
    sign_in(page, t, "zhaolei", PASSWORD)
    expect(page.locator("[data-waiting]")).to_have_text("1")
    check_page(page)
    page.get_by_role("link", name=declaration.number).click()
    act(
        page,
        t,
        "Pass inspection and quarantine",
        CERTIFICATE,
        "Inspection certificate number",
    )
    expect(page.get_by_test_id("inspection-certificate")).to_have_text(CERTIFICATE)
    expect(page.get_by_test_id("inspection-status")).to_have_text(
        t(Declaration.Inspection.PASSED.label)
    )
    check_page(page)
    sign_out(page, t)

    # Customs takes and assesses it, records the payment at the counter, and releases it.
    sign_in(page, t, "zhangmin", PASSWORD)
    page.goto(f"/declarations/{declaration.uuid}/")
    act(page, t, "Take for review")
    act(page, t, "Assess duty and VAT")
    expect(page.locator(".page-head")).to_contain_text(t(Declaration.Status.ASSESSED.label))
    page.get_by_test_id("bill-panel").get_by_role(
        "link", name=t("Record payment at a customs counter")
    ).click()
    page.get_by_label(t("Counter receipt number")).fill("BOC-20261206-0518")
    page.get_by_role("button", name=t("Record counter payment")).click()
    expect(page.locator(".message--success")).to_contain_text("BOC-20261206-0518")
    page.goto(f"/declarations/{declaration.uuid}/")
    expect(page.locator(".page-head")).to_contain_text(t(Declaration.Status.PAID.label))
    act(page, t, "Release goods")
    expect(page.locator(".page-head")).to_contain_text(t(Declaration.Status.RELEASED.label))
    check_page(page)
    sign_out(page, t)

    # The trader's licence page: ten laptops and USD 10,000 written off by the release.
    sign_in(page, t, "liwei", PASSWORD)
    nav(page, t, "Licences")
    page.get_by_role("link", name=licence.number).click()
    balance(page, "90", "90,000.00")
    expect(page.get_by_test_id("usages")).to_contain_text(f"{declaration.number}/1")
    expect(page.locator("[data-timeline]")).to_contain_text(t("Written off the licence"))
    check_page(page)
    page.screenshot(path=str(SCREENSHOTS / f"eport-licence-after-{language}.png"), full_page=True)
    # The declaration's timeline shows the inspection agency's step beside customs' own.
    page.goto(f"/declarations/{declaration.uuid}/")
    expect(page.locator("[data-timeline]")).to_contain_text(t("Inspection passed"))

    usage = LicenceUsage.objects.get()
    assert usage.reference == f"{declaration.number}/1"
    assert usage.quantity == Decimal("10")
    assert usage.value == Decimal("10000.00")
