"""Where the focus lands: on a new goods item's HS code (with and without JavaScript), so Space
types rather than removes it; and on the upload form when a document is refused, with the
problem beside the field and what was typed kept."""

import pytest
from playwright.sync_api import Page, expect

from eport.accounts.models import User
from tests.browser.axe import assert_accessible
from tests.browser.conftest import BROWSER_LOCALES, sign_in
from tests.declarations import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Focus-pass-2026"


@pytest.fixture
def trader(transactional_db):
    f.load_reference_rows()
    f.office("2201", "Shanghai Customs District")
    alpha = f.company("91310000MA1FL0000", "Alpha Trading Co., Ltd.")
    return User.objects.create_user(
        username="liwei", password=PASSWORD, role="trader", company=alpha
    )


@pytest.fixture
def page_without_script(browser, live_server, language):
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1366, "height": 900},
        locale=BROWSER_LOCALES[language],
        java_script_enabled=False,
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def add_item_and_press_space(page: Page, t) -> None:
    page.goto("/declarations/new/")
    page.locator("#id_items-0-hs_code").fill("8471300000")
    page.get_by_role("button", name=t("Add another item")).click()
    items = page.locator("[data-item]")
    expect(items).to_have_count(2)
    new_code = page.locator("#id_items-1-hs_code")
    expect(new_code).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.type("8517120000")
    # The new item is still there, not ticked for removal, and took what was typed.
    expect(page.locator("#id_items-1-DELETE")).not_to_be_checked()
    expect(items.nth(1)).not_to_have_class("item is-removed")
    expect(new_code).to_have_value(" 8517120000")


def test_after_adding_an_item_the_focus_is_on_its_hs_code_with_javascript(page, t, trader):
    sign_in(page, t, "liwei", PASSWORD)

    add_item_and_press_space(page, t)

    assert_accessible(page)


def test_after_adding_an_item_the_focus_is_on_its_hs_code_without_javascript(
    page_without_script, t, trader
):
    page = page_without_script
    sign_in(page, t, "liwei", PASSWORD)

    add_item_and_press_space(page, t)
    # The first item came back from the server as typed.
    expect(page.locator("#id_items-0-hs_code")).to_have_value("8471300000")


def test_a_refused_upload_is_shown_beside_the_upload_with_the_typed_fields_kept(page, t, trader):
    declaration = f.draft(trader, lrn="DOC-1")
    sign_in(page, t, "liwei", PASSWORD)
    page.goto(f"/declarations/{declaration.uuid}/")
    form = page.locator("form.upload")
    form.get_by_label(t("Document type")).select_option("380")
    form.get_by_label(t("Reference")).fill("INV-2026-0042")
    form.get_by_label(t("Issued on")).fill("2026-03-31")
    form.get_by_label(t("File (PDF, PNG or JPEG)")).set_input_files(
        {"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": f.HTML}
    )

    form.get_by_role("button", name=t("Upload document")).click()

    upload = page.locator("#id_upload")
    expect(upload).to_be_focused()
    expect(upload).to_be_in_viewport()
    problem = page.locator("#id_upload_error")
    expect(problem).to_be_in_viewport()
    expect(problem).to_contain_text("not PDF, PNG or JPEG")
    expect(upload).to_have_attribute("aria-describedby", "id_upload_helptext id_upload_error")
    expect(page.locator("#id_upload_helptext")).to_contain_text("Choose the file again")
    expect(page.locator("#id_reference")).to_have_value("INV-2026-0042")
    expect(page.locator("#id_issued_on")).to_have_value("2026-03-31")
    expect(page.locator("#id_type")).to_have_value("380")
    assert_accessible(page)

    # Choosing the file again is all it takes.
    upload.set_input_files({"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": f.PDF})
    page.locator("form.upload").get_by_role("button", name=t("Upload document")).click()
    expect(page.locator(".message--success")).to_be_visible()
    assert declaration.documents.get().reference == "INV-2026-0042"
