"""Repeat filings in a real browser, on a 375 px phone: a released declaration copied and filed
again (timed, with its page loads and clicks counted), a saved party chosen in the form, and goods
lines imported from a CSV file, first with a mistake, then corrected.
"""

import time

import pytest
from playwright.sync_api import Page, expect

from eport.accounts.models import User
from eport.declarations.lifecycle import MOVES
from eport.declarations.models import Declaration
from eport.reference.choices import DocumentType
from eport.saved import services as saved
from tests.banks.factories import released
from tests.browser.axe import assert_accessible
from tests.browser.conftest import sign_in
from tests.declarations import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Repeat-pass-2026"
PHONE = {"width": 375, "height": 812}
PDF = f.PDF


@pytest.fixture
def trader(transactional_db):
    f.load_reference_rows()
    f.lane_rules()
    shanghai = f.office("2201", "Shanghai Customs District")
    alpha = f.company("91310000MA1FL0000", "Alpha Trading Co., Ltd.")
    officer = User.objects.create_user(
        username="zhangmin", password=PASSWORD, role="officer", office=shanghai
    )
    trader = User.objects.create_user(
        username="liwei", password=PASSWORD, role="trader", company=alpha
    )
    return trader, officer


class Counter:
    """Page loads (main-frame documents) and clicks made through ``click``."""

    def __init__(self, page: Page):
        self.loads = 0
        self.clicks = 0
        page.on("load", self._loaded)

    def _loaded(self, _page) -> None:
        self.loads += 1

    def click(self, locator) -> None:
        self.clicks += 1
        locator.click()


def fits_and_accessible(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a {PHONE['width']} px phone"
    assert_accessible(page)


def test_a_repeat_declaration_is_filed_from_a_copy_of_a_released_one(page: Page, trader, t):
    trader, officer = trader
    original = released(trader, officer, lrn="PO-2026-0042")
    assert original.status == Declaration.Status.RELEASED
    page.set_viewport_size(PHONE)
    sign_in(page, t, "liwei", PASSWORD)
    page.goto(f"/declarations/{original.uuid}/")
    fits_and_accessible(page)

    counter = Counter(page)
    started = time.monotonic()
    counter.click(page.get_by_role("button", name=t("Copy as new draft")))
    expect(page.get_by_label(t("Your reference (LRN)"))).to_have_value("PO-2026-0042-2")
    checked = time.monotonic()
    fits_and_accessible(page)
    started += time.monotonic() - checked  # the checks are the test's time, not the trader's
    page.get_by_label(t("Your reference (LRN)")).fill("PO-2026-0043")
    counter.click(page.get_by_role("button", name=t("Save draft"), exact=True))
    expect(page.locator(".message--success")).to_contain_text(
        t("Draft %(lrn)s saved.", lrn="PO-2026-0043")
    )
    for doc_type, reference in (("380", "INV-2026-0043"), ("705", "MAEU7654322")):
        form = page.locator("form.upload")
        form.get_by_label(t("Document type")).select_option(doc_type)
        form.get_by_label(t("Reference")).fill(reference)
        form.get_by_label(t("File (PDF, PNG or JPEG)")).set_input_files(
            {"name": f"{reference}.pdf", "mimeType": "application/pdf", "buffer": PDF + b"%"}
        )
        counter.clicks += 3  # the type, the reference and the file are each chosen
        counter.click(form.get_by_role("button", name=t("Upload document")))
        expect(page.locator(".message--success")).to_contain_text(
            t(
                "%(type)s %(reference)s added.",
                type=t(DocumentType(doc_type).label),
                reference=reference,
            )
        )
    action = page.locator(".action").filter(has=page.get_by_role("button", name=t("Submit")))
    counter.click(action.get_by_role("button", name=t("Submit")))
    copy = Declaration.objects.get(lrn="PO-2026-0043")
    expect(page.locator(".message--success")).to_contain_text(
        t(
            "Declaration %(declaration)s %(past)s.",
            declaration=copy.number,
            past=t(MOVES["submit"].past),
        )
    )
    elapsed = time.monotonic() - started
    fits_and_accessible(page)

    copy.refresh_from_db()
    assert copy.status != Declaration.Status.DRAFT
    assert copy.items.count() == original.items.count()
    assert copy.documents.get(type="380").reference == "INV-2026-0043"
    print(
        f"\nrepeat declaration from a copy: {elapsed:.2f} s wall time in the browser, "
        f"{counter.loads} page loads, {counter.clicks} clicks "
        "(plus typing the new LRN and the two document references)"
    )


def test_a_saved_party_fills_the_form_and_goods_lines_come_from_a_csv(page: Page, trader, t):
    trader, _officer = trader
    saved.save_party(
        actor=trader,
        role="consignor",
        name="Rotterdam Trading B.V.",
        country="NL",
        party_id="NL8123",
    )
    saved.save_goods_line(
        actor=trader,
        hs_code="8517120000",
        description="Mobile phones",
        origin_country="VN",
        unit="PCE",
    )
    draft = f.draft(trader, lrn="PO-2026-0050")
    page.set_viewport_size(PHONE)
    sign_in(page, t, "liwei", PASSWORD)

    # The saved pages.
    page.goto("/saved/")
    expect(page.get_by_role("cell", name="Rotterdam Trading B.V.", exact=True)).to_be_visible()
    fits_and_accessible(page)

    # The form: choosing the saved consignor fills its fields at once.
    page.goto(f"/declarations/{draft.uuid}/edit/")
    picker = page.get_by_label(t("Consignor (exporter)"), exact=True)
    expect(picker).to_be_visible()
    fits_and_accessible(page)
    page.evaluate("window.stillThisPage = true")
    page.locator("button[data-saved-use='consignor']").click()
    expect(page.locator("[name=consignor_name]")).to_have_value("Rotterdam Trading B.V.")
    expect(page.locator("[name=consignor_country]")).to_have_value("NL")
    expect(page.locator("[name=consignor_id]")).to_have_value("NL8123")
    # A saved goods line: the draft's one item is filled in, so it goes into a new item.
    page.locator("button[data-saved-use='item']").click()
    expect(page.locator("[name=items-1-hs_code]")).to_have_value("8517120000")
    expect(page.locator("[name=items-1-description]")).to_have_value("Mobile phones")
    expect(page.locator("[name=items-0-hs_code]")).to_have_value("8471300000")
    page.locator("[name=items-1-DELETE]").check()  # its amounts are not known yet
    assert page.evaluate("window.stillThisPage === true")  # filled at once, not by a reload
    page.get_by_role("button", name=t("Save draft"), exact=True).click()
    expect(page.locator(".message--success")).to_contain_text(
        t("Draft %(lrn)s saved.", lrn="PO-2026-0050")
    )
    assert Declaration.objects.get(pk=draft.pk).consignor_name == "Rotterdam Trading B.V."

    # Goods lines from a file: a mistake is named by row and column, and nothing is saved...
    page.get_by_role("link", name=t("Import goods lines")).click()
    fits_and_accessible(page)
    header = "hs_code,description,origin_country,quantity,unit,net_mass,gross_mass,invoice_value"
    wrong = f"{header}\n8471300000,Laptops,DE,10,PCE,20,25,600.00\n1234,Phones,DE,5,PCE,1,2,400\n"
    page.get_by_label(t("File (CSV or Excel .xlsx)")).set_input_files(
        {"name": "goods.csv", "mimeType": "text/csv", "buffer": wrong.encode()}
    )
    page.get_by_label(t("Replace them with the file's lines")).check()
    page.get_by_role("button", name=t("Import goods lines")).click()
    expect(page.locator(".error-summary")).to_contain_text("Row 3, column hs_code:")
    fits_and_accessible(page)
    assert Declaration.objects.get(pk=draft.pk).items.count() == 1

    # ... and the corrected file replaces the draft's goods items.
    good = wrong.replace("\n1234,", "\n8517120000,")
    page.get_by_label(t("File (CSV or Excel .xlsx)")).set_input_files(
        {"name": "goods.csv", "mimeType": "text/csv", "buffer": good.encode()}
    )
    page.get_by_label(t("Replace them with the file's lines")).check()
    page.get_by_role("button", name=t("Import goods lines")).click()
    expect(page.locator(".message--success")).to_contain_text(
        t(
            "%(count)s goods lines imported; the draft now has %(total)s goods items.",
            count=2,
            total=2,
        )
    )
    expect(page.get_by_role("cell", name="Phones", exact=True)).to_be_visible()
    fits_and_accessible(page)
    codes = list(Declaration.objects.get(pk=draft.pk).items.values_list("hs_code", flat=True))
    assert codes == ["8471300000", "8517120000"]
