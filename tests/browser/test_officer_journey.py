"""An officer's day: take two declarations from the queue at once, note one, preview a document,
pick a released green-lane declaration for post-clearance review; the trader sees none of it.

Every page is checked with axe-core and at a 375 px wide phone.
"""

import pytest
from playwright.sync_api import Page, expect

from eport.accounts.models import User
from eport.payments import services as payments
from tests.browser.axe import assert_accessible
from tests.browser.conftest import sign_in, sign_out
from tests.declarations import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Officer-pass-2026"
NOTE = "Same charger model as last month; compare the declared values."
REASON = "Unit value well under the market price for these laptops."
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def office_day(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    f.load_reference_rows()
    shanghai = f.office("2201", "Shanghai Customs District")
    alpha = f.company("91310000MA1FL0000", "Alpha Trading Co., Ltd.")
    trader = User.objects.create_user(
        username="liwei", password=PASSWORD, role="trader", company=alpha
    )
    officer = User.objects.create_user(
        username="zhangmin", password=PASSWORD, role="officer", office=shanghai
    )
    User.objects.create_user(
        username="wangfang", password=PASSWORD, role="officer", office=shanghai
    )
    yellow = [f.submitted(trader, "yellow", lrn=f"Q-{n}") for n in (1, 2)]
    green = f.submitted(trader, "green", lrn="G-1")
    payments.record_counter_payment(
        bill=f.fresh(green).tax_bill, actor=officer, receipt_number="CR-G-1"
    )
    return {"yellow": yellow, "green": f.fresh(green)}


def check(page: Page) -> None:
    """axe-core finds nothing serious, and a 375 px phone needs no sideways scrolling."""
    assert_accessible(page)
    desktop = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{page.url} is {width} px wide at 375 px"
    finally:
        page.set_viewport_size(desktop)


def test_an_officer_works_the_queue_and_the_trader_sees_nothing_internal(page: Page, office_day, t):
    first, second = office_day["yellow"]
    green = office_day["green"]

    # The queue: select both waiting declarations at once ("select all" is the script's) and
    # take them; each is its own move.
    sign_in(page, t, "zhangmin", PASSWORD)
    page.goto("/declarations/")
    check(page)
    select_all = page.get_by_label(t("Select all on this page"))
    select_all.check()
    for declaration in (first, second):
        expect(page.get_by_label(t("Select %(number)s", number=declaration.number))).to_be_checked()
    page.get_by_role("button", name=t("Take for review"), exact=True).click()
    taken = t("taken for review", context="declaration move").capitalize()
    expect(page.locator(".messages")).to_contain_text(
        t("%(past)s: %(numbers)s.", past=taken, numbers=f"{first.number}, {second.number}")
    )
    for declaration in (first, second):
        assert f.fresh(declaration).assigned_officer.username == "zhangmin"
    check(page)

    # An internal note on the first.
    page.goto(f"/declarations/{first.uuid}/")
    page.get_by_label(t("Add an internal note")).fill(NOTE)
    page.get_by_role("button", name=t("Add note")).click()
    expect(page.locator("[data-note]")).to_contain_text(NOTE)
    check(page)

    # The released green-lane declaration: its invoice previewed in the page, then picked for
    # post-clearance review.
    page.goto(f"/declarations/{green.uuid}/")
    document = green.documents.get(type="380")
    with page.expect_response(lambda response: "/preview/" in response.url) as previewed:
        page.locator("[data-preview=frame] summary").first.click()
    response = previewed.value
    assert response.status == 200
    assert response.header_value("content-disposition").startswith("inline")
    assert response.header_value("x-content-type-options") == "nosniff"
    assert str(document.uuid) in response.url
    expect(page.locator("iframe.preview__frame").first).to_be_visible()
    page.get_by_label(t("Reason for the review")).fill(REASON)
    page.get_by_role("button", name=t("Pick for post-clearance review")).click()
    expect(page.locator("[data-post-clearance]")).to_be_visible()
    expect(page.locator("#post-clearance")).to_contain_text(REASON)
    assert f.fresh(green).status == "released"
    check(page)
    # The office's picks, from the queue.
    page.goto("/declarations/")
    page.get_by_role("link", name=t("Picked for post-clearance review")).click()
    expect(page.locator("[data-pick]")).to_contain_text(green.number)
    check(page)
    sign_out(page, t)

    # The trader: neither the note nor the pick, nor a trace of them.
    sign_in(page, t, "liwei", PASSWORD)
    page.goto(f"/declarations/{first.uuid}/")
    expect(page.get_by_role("heading", name=t("Timeline"))).to_be_visible()
    assert NOTE not in page.content()
    expect(page.locator("[data-internal-notes]")).to_have_count(0)
    check(page)
    page.goto(f"/declarations/{green.uuid}/")
    assert REASON not in page.content()
    expect(page.locator("#post-clearance")).to_have_count(0)
    check(page)
