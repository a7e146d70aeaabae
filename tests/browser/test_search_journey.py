"""A broker on a phone searches the declarations by HS code, exports them, and reads a draft's
duty estimate: every page fits 375 px and passes axe-core."""

import codecs
import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from eport.accounts.models import User
from tests.browser.axe import assert_accessible
from tests.browser.conftest import BROWSER_LOCALES, sign_in
from tests.declarations import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Search-journey-2026"
PHONE = {"width": 375, "height": 800}


@pytest.fixture
def filings(transactional_db):
    f.load_reference_rows()
    f.office("2201", "Shanghai Customs District")
    alpha = f.company("91310000MA1FL0000", "Alpha Trading Co., Ltd.")
    trader = User.objects.create_user(
        username="wangfang", password=PASSWORD, role="trader", company=alpha
    )
    f.submitted(trader, "green", lrn="PO-LAPTOPS")
    f.submitted(
        trader,
        "green",
        lrn="PO-SHIRTS",
        items=[f.item(hs_code="6109100000", description="T-shirts of cotton")],
    )
    draft = f.draft(trader, lrn="PO-DRAFT")
    return draft


@pytest.fixture
def phone(browser, live_server, language):
    context = browser.new_context(
        base_url=live_server.url,
        viewport=PHONE,
        locale=BROWSER_LOCALES[language],
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def fits(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a {PHONE['width']} px phone"
    assert_accessible(page)


def test_a_broker_searches_by_hs_code_exports_and_reads_an_estimate(phone: Page, filings, t):
    sign_in(phone, t, "wangfang", PASSWORD)
    phone.goto("/declarations/")
    fits(phone)

    phone.get_by_text(t("More search options")).click()
    phone.get_by_label(t("HS code")).fill("6109")
    phone.get_by_role("button", name=t("Filter")).click()

    rows = phone.locator("table.table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("PO-SHIRTS")
    # The search stays open and filled in after the page reloads with its results.
    expect(phone.get_by_label(t("HS code"))).to_have_value("6109")
    fits(phone)

    with phone.expect_download() as download_info:
        phone.get_by_role("link", name=t("Export CSV")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    body = Path(download.path()).read_bytes()
    assert body.startswith(codecs.BOM_UTF8)
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert [row[1] for row in table[1:]] == ["PO-SHIRTS"]

    # A wrong date range is named beside the field, and the page still fits.
    phone.get_by_label(t("From")).fill("2026-03-05")
    phone.get_by_label(t("To")).fill("2026-03-01")
    phone.get_by_role("button", name=t("Filter")).click()
    expect(phone.locator(".errorlist")).to_contain_text("2026-03-05")
    fits(phone)

    phone.goto(f"/declarations/{filings.uuid}/")
    estimate = phone.locator("#estimate")
    expect(estimate).to_contain_text(t("Estimate:"))
    expect(estimate.locator("[data-estimate=vat]")).not_to_be_empty()
    fits(phone)
