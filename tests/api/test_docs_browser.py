"""Swagger UI renders the schema in a real browser, from local files, under the site's CSP."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("EPORT_CHROMIUM", "/usr/bin/chromium")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_shows_every_endpoint_without_csp_errors(live_server):
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make test does it)")
    from playwright.sync_api import sync_playwright

    errors, outside = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            page = browser.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on(
                "console",
                lambda message: errors.append(message.text) if message.type == "error" else None,
            )
            page.on(
                "request",
                lambda request: (
                    outside.append(request.url)
                    if not request.url.startswith((live_server.url, "data:"))
                    else None
                ),
            )
            page.goto(f"{live_server.url}/api/docs/")
            page.wait_for_selector("text=/api/v1/declarations/{uuid}/submit/", timeout=20_000)
            text = page.inner_text("body")
        finally:
            browser.close()
    assert "eport API" in text
    assert not errors, errors
    assert not outside, f"requests left the site: {outside}"
