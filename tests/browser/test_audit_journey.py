"""The auditor runs a verification and watches it finish; a stranger verifies a receipt.

The verification runs in a real Celery worker (in a thread of this process, on the configured
broker), exactly as in production: the page only queues it and polls its progress. It runs once
in English and once in Chinese, every word looked up in the pages' own catalogue (`t`).
"""

import re

import pytest
from celery.contrib.testing.worker import start_worker
from playwright.sync_api import Page, expect

from eport.accounts.models import User
from eport.audit.models import VerificationRun
from eport.celery import app
from ledger import notary
from tests.audit.conftest import release
from tests.browser.conftest import LANGUAGES, sign_in
from tests.browser.layout import assert_fits, check_page
from tests.declarations import factories as f
from tests.ledger.notary_support import ledger_keys  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Audit-pass-2026"


@pytest.fixture
def celery_worker(transactional_db):
    import celery.contrib.testing.tasks  # noqa: F401  (the worker's own ping task)

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


@pytest.fixture
def cleared(transactional_db, ledger_keys):  # noqa: F811
    f.load_reference_rows()
    shanghai = f.office("2201", "Shanghai Customs District")
    alpha = f.company("91310000MA1FL0000", "Alpha Trading Co., Ltd.")
    trader = User.objects.create_user(
        username="liwei", password=PASSWORD, role="trader", company=alpha
    )
    officer = User.objects.create_user(
        username="zhangmin", password=PASSWORD, role="officer", office=shanghai
    )
    User.objects.create_user(username="auditor", password=PASSWORD, role="auditor")
    declaration = release(f.submitted(trader, lane="green"), officer)
    notary.notarize_pending(cosign="inline")
    return declaration


@pytest.mark.parametrize("language", LANGUAGES)
def test_auditor_verifies_the_ledger_and_a_stranger_verifies_a_receipt(
    page: Page, cleared, celery_worker, tmp_path, t
):
    sign_in(page, t, "auditor", PASSWORD)
    # Each tab of the workspace, and an entry and a checkpoint from it.
    page.goto("/audit/")
    check_page(page)
    tabs = page.get_by_role("navigation", name=t("Audit workspace"))
    for tab in ("Ledger", "Checkpoints &amp; witnesses", "Evidence export", "Verification"):
        tabs.get_by_role("link", name=t(tab).replace("&amp;", "&")).click()
        expect(tabs.locator("[aria-current=page]")).to_have_text(t(tab).replace("&amp;", "&"))
        check_page(page)
        if tab == "Ledger":
            page.locator("main table tbody tr a").first.click()
            expect(page).to_have_url(re.compile(r"/audit/ledger/\d+/$"))
            check_page(page)
        elif tab == "Checkpoints &amp; witnesses":
            page.locator("main table tbody tr a").first.click()
            expect(page).to_have_url(re.compile(r"/audit/checkpoints/\d+/$"))
            check_page(page)
        if tab != "Verification":
            page.go_back()
    page.get_by_test_id("verify-now").first.click()

    run_number = VerificationRun.objects.get().pk
    expect(
        page.get_by_role("heading", name=t("Verification run #%(number)s", number=run_number))
    ).to_be_visible()
    bar = page.locator("progress[data-progress-bar]")
    expect(bar).to_be_visible()
    # The worker finishes; the page notices by itself (no manual refresh) and shows the result.
    # The summary is written once, by the worker, in the worker's language, so the test reads
    # its data (entries, head), which every language shows the same.
    summary = page.get_by_test_id("run-summary")
    expect(summary).to_be_visible(timeout=30_000)
    expect(bar).to_have_attribute("value", "100")
    run = VerificationRun.objects.get()
    assert run.status == "passed"
    assert run.entries_checked == run.head_seq + 1
    expect(summary).to_contain_text(run.head_hash)
    expect(summary).to_contain_text(f"{run.entries_checked:,}")
    check_page(page)
    expect(page.get_by_test_id("mismatches")).to_contain_text(
        t(
            "Every declaration matches the state its latest ledger entry recorded, as does every "
            "tax bill, payment agreement, payment instruction and guarantee; every paid or "
            "released declaration is settled as its tax bill says."
        )
    )

    page.goto("/audit/verification/")
    expect(page.get_by_test_id("runs")).to_contain_text(t(VerificationRun.Status.PASSED.label))

    page.goto(f"/receipts/{cleared.uuid}/")
    check_page(page)
    with page.expect_download() as download:
        page.get_by_test_id("release-receipt").click()
    receipt = tmp_path / "receipt.json"
    download.value.save_as(receipt)
    page.get_by_role("button", name=t("Sign out")).click()
    expect(page.get_by_role("button", name=t("Sign in"))).to_be_visible()

    # The public ledger's checkpoint, as a signed note, and /verify/.
    page.get_by_role("link", name=t("Public ledger checkpoint")).click()
    expect(page).to_have_url(re.compile(r"/ledger/checkpoint$"))
    assert_fits(page)
    page.goto("/verify/")
    check_page(page)
    receipt_file = t("Receipt file (JSON, at most %(max_kb)s KB)", max_kb="")
    page.get_by_label(re.split("[(（]", receipt_file)[0].strip()).set_input_files(str(receipt))
    page.get_by_role("button", name=t("Verify"), exact=True).click()

    verdict = page.get_by_test_id("verdict")
    expect(verdict).to_contain_text(t("Valid: this entry is in the notarized ledger"))
    for check in ("ledger signature", "witnesses", "inclusion", "subject"):
        expect(verdict.locator(f'[data-check="{check}"]')).to_have_class("is-ok")
    expect(page.get_by_test_id("declaration-summary")).to_contain_text(cleared.number)
    check_page(page)

    # A pasted receipt with one changed digit in the snapshot fails, naming the check.
    page.get_by_label(t("…or paste it")).fill(
        receipt.read_text().replace('"invoice_total": "1000.00"', '"invoice_total": "1000.01"')
    )
    page.get_by_role("button", name=t("Verify"), exact=True).click()
    expect(page.get_by_test_id("verdict")).to_contain_text(
        f"{t('Failed:')} {t('subject', context='receipt check')}"
    )
    check_page(page)
