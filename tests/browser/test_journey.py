"""A declaration's whole journey through the pages, in a real browser.

The trader files an import with two goods items and an invoice, customs queries it, the trader
amends, the officer assesses, payment is recorded, the goods are released, and the declaration's
timeline shows every step from the ledger. It runs once in English and once in Chinese: every
word it looks for comes from the catalogue the pages use (the `t` fixture).
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from eport.accounts.models import User
from eport.declarations.lifecycle import MOVES
from eport.declarations.models import Declaration
from eport.reference.choices import DocumentType
from tests.browser.conftest import LANGUAGES, sign_in, sign_out
from tests.browser.layout import assert_fits, check_page
from tests.declarations import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(os.environ.get("EPORT_SCREENSHOTS", "/tmp"))
PASSWORD = "Journey-pass-2026"


def tiny_pdf(text: str) -> bytes:
    """A small, valid one-page PDF with a correct cross-reference table."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


@pytest.fixture
def people(transactional_db):
    f.load_reference_rows()
    f.lane_rules()  # origin VN goes to the yellow lane
    shanghai = f.office("2201", "Shanghai Customs District")
    alpha = f.company("91310000MA1FL0000", "Alpha Trading Co., Ltd.")
    trader = User.objects.create_user(
        username="liwei",
        password=PASSWORD,
        role="trader",
        company=alpha,
        first_name="Li",
        last_name="Wei",
    )
    officer = User.objects.create_user(
        username="zhangmin",
        password=PASSWORD,
        role="officer",
        office=shanghai,
        first_name="Zhang",
        last_name="Min",
    )
    return trader, officer


def fill_item(page: Page, t, index: int, *, hs_code, description, origin, quantity, value):
    item = page.locator("[data-item]").nth(index)
    item.get_by_label(t("HS code")).fill(hs_code)
    item.get_by_label(t("Description of goods")).fill(description)
    item.get_by_label(t("Origin")).fill(origin)
    item.get_by_label(t("Quantity")).fill(quantity)
    item.get_by_label(t("Unit")).fill("PCE")
    item.get_by_label(t("Net mass (kg)")).fill("40")
    item.get_by_label(t("Gross mass (kg)")).fill("45")
    item.get_by_label(t("Invoice value")).fill(value)


def open_declaration(page: Page, t, lrn: str) -> None:
    page.goto("/declarations/")
    page.get_by_role("row", name=lrn).get_by_role("link").click()
    number = Declaration.objects.get(lrn=lrn).number
    expect(page.locator("h1")).to_have_text(
        t('Declaration <span class="mono">%(number)s</span>', number=number)
    )
    check_page(page)


def act(page: Page, t, button: str, text: str | None = None, label: str | None = None) -> None:
    action = page.locator(".action").filter(has=page.get_by_role("button", name=t(button)))
    if text is not None:
        action.get_by_label(t(label)).fill(text)
    action.get_by_role("button", name=t(button)).click()


def upload(page: Page, t, doc_type: str, reference: str, name: str, content: bytes) -> None:
    form = page.locator("form.upload")
    form.get_by_label(t("Document type")).select_option(doc_type)
    form.get_by_label(t("Reference")).fill(reference)
    form.get_by_label(t("File (PDF, PNG or JPEG)")).set_input_files(
        {"name": name, "mimeType": "application/pdf", "buffer": content}
    )
    form.get_by_role("button", name=t("Upload document")).click()
    expect(page.locator(".message--success")).to_contain_text(
        t(
            "%(type)s %(reference)s added.",
            type=t(DocumentType(doc_type).label),
            reference=reference,
        )
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_import_goes_from_draft_to_release_and_the_timeline_shows_each_step(
    page, people, t, language
):
    Status = Declaration.Status
    # The trader files an import with two goods items.
    sign_in(page, t, "liwei", PASSWORD)
    expect(
        page.get_by_role(
            "heading", name=t("Declarations of %(company)s", company="Alpha Trading Co., Ltd.")
        )
    ).to_be_visible(timeout=10_000)
    check_page(page)
    if language != "en":
        # The header's switch turns the pages to English and back.
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
        switch = page.locator("form.language-switch")
        switch.locator('button[name="language"][value="en"]').click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("link", name="New declaration").first).to_be_visible()
        expect(switch.locator('button[value="en"]')).to_have_attribute("aria-pressed", "true")
        switch.locator('button[name="language"][value="zh-hans"]').click()
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
        expect(page.get_by_role("link", name=t("New declaration")).first).to_be_visible()
    page.get_by_role("link", name=t("New declaration")).first.click()
    page.get_by_label(t("Customs office of lodgement")).select_option("2201")
    page.get_by_label(t("Your reference (LRN)")).fill("PO-2026-0042")
    page.get_by_label(t("Consignor / exporter")).fill("Saigon Electronics JSC")
    page.get_by_label(t("Consignor country")).fill("VN")
    page.get_by_label(t("Consignee / importer")).fill("Alpha Trading Co., Ltd.")
    page.get_by_label(t("Consignee country")).fill("CN")
    page.get_by_label(t("Country of dispatch")).fill("VN")
    page.get_by_label(t("Country of destination")).fill("CN")
    page.get_by_label(t("Transport mode at the border")).select_option("1")
    page.get_by_label(t("Transport document")).fill("MAEU7654321")
    page.get_by_label(t("Port of loading")).fill("VNSGN")
    page.get_by_label(t("Port of discharge")).fill("CNSHA")
    page.get_by_label(t("Incoterm 2020")).select_option("FOB")
    page.get_by_label(t("Named place")).fill("Ho Chi Minh City")
    page.get_by_label(t("Invoice currency")).fill("USD")
    page.get_by_label(t("Invoice total")).fill("12500.00")
    page.get_by_label(t("Exchange rate to CNY")).fill("7.1")
    page.get_by_label(t("Freight")).fill("300")
    page.get_by_label(t("Insurance")).fill("25")
    fill_item(
        page,
        t,
        0,
        hs_code="8471300000",
        description="Laptop computers",
        origin="VN",
        quantity="20",
        value="10000.00",
    )
    expect(page.locator("[data-item]").nth(0).locator(".hint")).to_contain_text(
        "Portable automatic data-processing machines"
    )
    page.get_by_role("button", name=t("Add another item")).click()
    expect(page.locator("[data-item]")).to_have_count(2)
    fill_item(
        page,
        t,
        1,
        hs_code="8517120000",
        description="Mobile phones",
        origin="VN",
        quantity="25",
        value="2500.00",
    )
    check_page(page)
    page.screenshot(path=str(SCREENSHOTS / f"eport-new-declaration-{language}.png"), full_page=True)
    page.get_by_role("button", name=t("Save draft"), exact=True).click()
    expect(page.locator(".message--success")).to_contain_text(
        t("Draft %(lrn)s saved.", lrn="PO-2026-0042")
    )
    expect(page.get_by_role("row", name="Mobile phones")).to_be_visible()
    check_page(page)

    # ... attaches the invoice and the bill of lading, and submits.
    upload(page, t, "380", "INV-77811", "invoice.pdf", tiny_pdf("Commercial invoice INV-77811"))
    upload(page, t, "705", "MAEU7654321", "bill-of-lading.pdf", tiny_pdf("Bill of lading"))
    check_page(page)
    page.screenshot(path=str(SCREENSHOTS / f"eport-draft-{language}.png"), full_page=True)
    act(page, t, "Submit")
    number = Declaration.objects.get(lrn="PO-2026-0042").number
    expect(page.locator(".message--success")).to_contain_text(
        t("Declaration %(declaration)s %(past)s.", declaration=number, past=t(MOVES["submit"].past))
    )
    expect(page.locator(".page-head")).to_contain_text(t("Yellow lane"))
    expect(page.locator(".callout")).to_contain_text("Documentary check")
    check_page(page)
    sign_out(page, t)

    # The officer finds it in the queue, takes it and raises a query.
    sign_in(page, t, "zhangmin", PASSWORD)
    expect(page.locator("[data-waiting]")).to_have_text("1")
    check_page(page)
    page.screenshot(path=str(SCREENSHOTS / f"eport-officer-queue-{language}.png"), full_page=True)
    open_declaration(page, t, "PO-2026-0042")
    expect(page.locator("#h-risk")).to_be_visible()
    expect(page.locator("aside")).to_contain_text("Watched origin")
    act(page, t, "Take for review")
    expect(page.locator(".message--success")).to_contain_text(
        t("Declaration %(declaration)s %(past)s.", declaration=number, past=t(MOVES["take"].past))
    )
    act(
        page,
        t,
        "Raise a query",
        "The invoice total does not match the packing list: please confirm the phones' value.",
        "Question to the trader",
    )
    expect(page.locator(".page-head")).to_contain_text(t(Status.QUERY.label))
    check_page(page)
    sign_out(page, t)

    # The trader amends the value of the phones and answers.
    sign_in(page, t, "liwei", PASSWORD)
    expect(page.get_by_role("row", name="PO-2026-0042")).to_contain_text(t(Status.QUERY.label))
    check_page(page)
    page.screenshot(
        path=str(SCREENSHOTS / f"eport-trader-dashboard-{language}.png"), full_page=True
    )
    open_declaration(page, t, "PO-2026-0042")
    expect(page.get_by_text("please confirm the phones' value")).to_be_visible()
    page.get_by_role("link", name=t("Amend and resubmit")).first.click()
    page.get_by_label(t("Invoice total")).fill("12800.00")
    page.locator("[data-item]").nth(1).get_by_label(t("Invoice value")).fill("2800.00")
    page.get_by_label(t("Your answer to the query")).fill(
        "The phones were invoiced at 2,800.00 USD; the total is corrected."
    )
    check_page(page)
    page.get_by_role("button", name=t("Send amendment to customs")).click()
    expect(page.locator(".message--success")).to_contain_text(
        t("Your amendment was sent back to customs for review.")
    )
    expect(page.locator(".page-head")).to_contain_text(t(Status.UNDER_REVIEW.label))
    check_page(page)
    sign_out(page, t)

    # The officer sees what changed, assesses, records the payment and releases.
    sign_in(page, t, "zhangmin", PASSWORD)
    open_declaration(page, t, "PO-2026-0042")
    amendments = page.locator("section[aria-labelledby=h-amendments]")
    changed = t("item %(line)s · %(field)s", line=2, field=t("invoice value"))
    expect(amendments.get_by_role("row", name=changed)).to_contain_text("2800")
    act(page, t, "Assess duty and VAT")
    expect(page.locator(".page-head")).to_contain_text(t(Status.ASSESSED.label))
    expect(page.locator("#h-assessment")).to_be_visible()
    check_page(page)
    # The duties were paid at a customs counter: the officer records its receipt on the bill.
    panel = page.get_by_test_id("bill-panel")
    panel.get_by_role("link", name=t("Record payment at a customs counter")).click()
    page.get_by_label(t("Counter receipt number")).fill("BOC-20260412-0093")
    check_page(page)
    page.get_by_role("button", name=t("Record counter payment")).click()
    bill = Declaration.objects.get(lrn="PO-2026-0042").tax_bill.number
    expect(page.locator(".message--success")).to_contain_text(
        t(
            "Bill %(bill)s recorded as paid at the counter, receipt %(receipt)s.",
            bill=bill,
            receipt="BOC-20260412-0093",
        )
    )
    check_page(page)
    open_declaration(page, t, "PO-2026-0042")
    expect(page.locator(".page-head")).to_contain_text(t(Status.PAID.label))
    act(page, t, "Release goods")
    expect(page.locator(".page-head")).to_contain_text(t(Status.RELEASED.label))

    # The timeline shows every step, who made it, and its ledger entry.
    timeline = page.locator("[data-timeline] li")
    expected = [
        ("Draft created", "Li Wei"),
        ("Document added", "Li Wei"),
        ("Document added", "Li Wei"),
        ("Submitted", "Li Wei"),
        ("Risk assessed", t("Risk engine")),
        ("Taken for review", "Zhang Min"),
        ("Query raised", "Zhang Min"),
        ("Amended and resubmitted", "Li Wei"),
        ("Assessed", "Zhang Min"),
        ("Payment recorded", "Zhang Min"),
        ("Released", "Zhang Min"),
    ]
    expect(timeline).to_have_count(len(expected))
    for row, (what, who) in enumerate(expected):
        expect(timeline.nth(row).locator(".timeline__what")).to_have_text(f"{t(what)} · {who}")
        expect(timeline.nth(row).locator(".timeline__hash a")).to_have_attribute(
            "href", f"/ledger/entries/{_seq_of(row)}"
        )
    check_page(page)
    page.screenshot(path=str(SCREENSHOTS / f"eport-released-{language}.png"), full_page=True)
    # The ledger serves the entry itself as JSON: it too fits a phone.
    timeline.nth(0).locator(".timeline__hash a").click()
    expect(page).to_have_url(re.compile(r"/ledger/entries/\d+$"))
    assert_fits(page)

    declaration = Declaration.objects.get(lrn="PO-2026-0042")
    assert declaration.status == Declaration.Status.RELEASED
    assert declaration.payment_reference == "BOC-20260412-0093"


def _seq_of(row: int) -> int:
    from ledger.models import Entry

    declaration = Declaration.objects.get(lrn="PO-2026-0042")
    return list(Entry.objects.filter(subject=declaration.ledger_subject).order_by("seq"))[row].seq
