"""A bank clerk checks receipts at /verify/ on a phone; a trader waits for a receipt; an auditor
watches a verification run's badge follow its progress.

Every page is checked with axe-core and must fit a 375 px wide phone without scrolling sideways.
"""

import json

import pytest
from playwright.sync_api import Page, expect

from eport.accounts.models import User
from eport.audit.models import VerificationRun
from ledger import notary
from tests.audit.conftest import release
from tests.audit.support import release_receipt
from tests.browser.axe import assert_accessible
from tests.browser.conftest import sign_in
from tests.declarations import factories as f
from tests.ledger.notary_support import ledger_keys  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Verify-pass-2026"
PHONE = {"width": 375, "height": 740}


def fits_the_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a {PHONE['width']} px phone"


def checked(page: Page) -> None:
    assert_accessible(page)
    fits_the_phone(page)


@pytest.fixture
def people(transactional_db, ledger_keys):  # noqa: F811
    f.load_reference_rows()
    shanghai = f.office("2201", "Shanghai Customs District")
    alpha = f.company("91310000MA1FL0000", "Alpha Trading Co., Ltd.")
    trader = User.objects.create_user(
        username="liwei", password=PASSWORD, role="trader", company=alpha
    )
    officer = User.objects.create_user(
        username="zhangmin", password=PASSWORD, role="officer", office=shanghai
    )
    auditor = User.objects.create_user(username="auditor", password=PASSWORD, role="auditor")
    return trader, officer, auditor


def test_a_bank_clerk_reads_the_verdict_of_a_genuine_then_a_tampered_receipt(
    page: Page, people, tmp_path, t
):
    trader, officer, _ = people
    declaration = release(f.submitted(trader, lane="green"), officer)
    notary.notarize_pending(cosign="inline")
    genuine = tmp_path / "receipt.json"
    genuine.write_text(json.dumps(release_receipt(declaration), indent=2))
    page.set_viewport_size(PHONE)

    page.goto("/verify/")
    checked(page)
    page.locator("#receipt-file").set_input_files(str(genuine))
    page.get_by_role("button", name=t("Verify"), exact=True).click()

    verdict = page.get_by_test_id("verdict")
    expect(verdict).to_have_attribute("data-verdict", "genuine")
    sentence = page.get_by_role("heading", level=2).first
    expect(sentence).to_contain_text(
        f"This receipt is genuine: declaration {declaration.number} was released on"
    )
    expect(sentence).to_contain_text("UTC+8")
    expect(page.get_by_test_id("verdict-facts")).to_contain_text("Alpha Trading Co., Ltd.")
    # The technical checks are there, folded, for whoever wants them.
    checks = verdict.locator("details")
    expect(checks.locator('[data-check="inclusion"]')).to_be_hidden()
    checks.locator("summary").click()
    expect(checks.locator('[data-check="inclusion"]')).to_be_visible()
    checked(page)

    tampered = json.loads(genuine.read_text())
    tampered["subject"]["invoice_total"] = "1.00"
    page.get_by_label(t("…or paste it")).fill(json.dumps(tampered))
    page.get_by_role("button", name=t("Verify"), exact=True).click()

    expect(page.get_by_test_id("verdict")).to_have_attribute("data-verdict", "changed")
    expect(page.get_by_test_id("verdict-sentence")).to_have_text(
        "The declaration details in this receipt were changed after it was issued: they are "
        "not what the ledger recorded."
    )
    expect(page.get_by_test_id("verdict-facts")).to_have_count(0)
    checked(page)

    page.get_by_label(t("…or paste it")).fill("this is a shopping list")
    page.get_by_role("button", name=t("Verify"), exact=True).click()
    expect(page.get_by_test_id("verdict-sentence")).to_have_text(
        "This is not an eport receipt: it is not JSON."
    )
    checked(page)


def test_a_trader_waits_for_the_receipt_and_the_page_brings_it_by_itself(
    page: Page, people, settings, t
):
    settings.EPORT_CHECKPOINT_INTERVAL = 2  # the live server runs in this process
    trader, officer, _ = people
    declaration = f.submitted(trader, lane="green")
    notary.notarize_pending(cosign="inline")
    declaration = release(declaration, officer)
    page.set_viewport_size(PHONE)
    # No script: the page must get there by itself.
    page.context.route("**/*.js", lambda route: route.abort())

    sign_in(page, t, "liwei", PASSWORD)
    page.goto(f"/declarations/{declaration.uuid}/")
    # (The declaration page as a whole is checked by the main journey; here, its receipt note.)
    expect(page.get_by_test_id("receipt-pending")).to_contain_text("usually within 7 seconds")
    page.get_by_test_id("receipts-link").click()
    expect(page.get_by_test_id("receipt-pending")).to_be_visible()
    expect(page.get_by_test_id("release-receipt")).to_have_count(0)
    checked(page)

    notary.notarize_pending(cosign="inline")

    expect(page.get_by_test_id("release-receipt")).to_be_visible()
    expect(page.get_by_test_id("receipt-pending")).to_have_count(0)
    checked(page)


def test_the_receipt_url_asked_early_waits_then_leads_to_the_receipt(
    page: Page, people, settings, t
):
    settings.EPORT_CHECKPOINT_INTERVAL = 2
    trader, officer, _ = people
    declaration = f.submitted(trader, lane="green")
    notary.notarize_pending(cosign="inline")
    declaration = release(declaration, officer)
    page.set_viewport_size(PHONE)
    sign_in(page, t, "liwei", PASSWORD)

    page.goto(f"/receipts/{declaration.uuid}/receipt.json")
    expect(page.get_by_role("heading", level=1)).to_have_text("The receipt is not ready yet")
    checked(page)

    notary.notarize_pending(cosign="inline")

    expect(page.get_by_test_id("release-receipt")).to_be_visible()
    checked(page)


def test_the_run_badge_follows_the_progress_live(page: Page, people, t):
    _, _, auditor = people
    run = VerificationRun.objects.create(requested_by=auditor)
    page.set_viewport_size(PHONE)
    sign_in(page, t, "auditor", PASSWORD)

    page.goto(f"/audit/verification/{run.pk}/")
    badge = page.locator("[data-run-status] [data-run-badge]")
    expect(badge).to_contain_text("Queued")
    checked(page)

    VerificationRun.objects.filter(pk=run.pk).update(
        status="running", phase="chain", checked=40, total=40
    )
    expect(badge).to_contain_text("Running, 100 %")
    expect(page.locator("[data-progress-text]")).to_contain_text("40 of 40 checked (100 %)")
    expect(badge).to_have_attribute("data-status", "running")
    checked(page)

    VerificationRun.objects.filter(pk=run.pk).update(status="passed", summary="Ledger intact.")
    expect(badge).to_contain_text("Passed")
    expect(page.get_by_test_id("run-summary")).to_be_visible()
    checked(page)
