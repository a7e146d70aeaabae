"""An officer's second factor in a real browser: enrolment, a recovery code, then the app's code.

The officer signs in for the first time and is taken to enrolment: a QR code and the secret as
text, the app's first code confirms it and ten recovery codes are shown once. The next sign-in
takes a recovery code (nine remain); the same code is refused the time after, and the
authenticator's code lets the officer in. Once in English and once in Chinese.
"""

import re

import pytest
from django.utils.text import capfirst
from playwright.sync_api import Page, expect

from eport.accounts.models import User
from tests.browser.conftest import LANGUAGES, authenticator_code, secret_shown, sign_in, sign_out
from tests.browser.layout import check_page
from tests.declarations import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Second-factor-2026"


@pytest.fixture
def officer(transactional_db):
    shanghai = f.office("2201", "Shanghai Customs District")
    return User.objects.create_user(
        username="zhaolei", password=PASSWORD, role="officer", office=shanghai
    )


def password_step(page: Page, t, check: bool = False) -> None:
    page.goto("/accounts/login/")
    if check:
        check_page(page)
    page.get_by_label(capfirst(t("username"))).fill("zhaolei")
    page.get_by_label(t("Password")).fill(PASSWORD)
    page.get_by_role("button", name=t("Sign in")).click()


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_officer_enrols_then_signs_in_with_a_recovery_code_once(page: Page, officer, t):
    # First sign-in: the password, then enrolment. Nothing else opens until it is done.
    password_step(page, t, check=True)
    expect(page.locator("h1")).to_have_text(t("Set up your second factor"))
    check_page(page)
    qr_code = page.get_by_role("img", name=t("QR code holding your authenticator secret"))
    expect(qr_code).to_be_visible()
    assert qr_code.get_attribute("src").startswith("data:image/svg+xml")
    page.goto("/declarations/")
    expect(page.locator("h1")).to_have_text(t("Set up your second factor"))

    page.get_by_label(t("Code"), exact=True).fill(authenticator_code(secret_shown(page)))
    page.get_by_role("button", name=t("Confirm")).click()

    expect(page.locator("h1")).to_have_text(t("Your recovery codes"))
    codes = page.get_by_test_id("recovery-codes").locator("li")
    expect(codes).to_have_count(10)
    check_page(page)
    recovery_codes = codes.all_inner_texts()
    page.get_by_role("link", name=t("I have kept them, continue")).click()
    expect(page).to_have_url(re.compile(r"/declarations/$"))
    expect(page.locator(".session__name")).to_have_text("zhaolei")
    check_page(page)
    sign_out(page, t)

    # Without the phone: a recovery code, consumed; the page says how many remain.
    password_step(page, t)
    expect(page.locator("h1")).to_have_text(t("Confirm it is you"))
    check_page(page)
    page.get_by_label(t("Code"), exact=True).fill(recovery_codes[0])
    page.get_by_role("button", name=t("Continue")).click()
    expect(page.locator(".message")).to_contain_text(
        t(
            "You signed in with a recovery code; it cannot be used again. "
            "%(count)d recovery code remains.",
            plural="You signed in with a recovery code; it cannot be used again. "
            "%(count)d recovery codes remain.",
            n=9,
            count=9,
        )
    )
    sign_out(page, t)

    # The same recovery code again is refused, with the reason.
    password_step(page, t)
    page.get_by_label(t("Code"), exact=True).fill(recovery_codes[0])
    page.get_by_role("button", name=t("Continue")).click()
    expect(page.locator(".errorlist")).to_have_text(
        t("That recovery code is not right, or it has been used already.")
    )
    check_page(page)
    sign_out(page, t)

    # Later sign-ins take the authenticator's code, through the shared sign-in helper.
    assert sign_in(page, t, "zhaolei", PASSWORD) == []
    page.goto("/accounts/security/")
    expect(page.get_by_test_id("recovery-codes-left")).to_have_text(
        t(
            "You have %(count)s unused recovery code.",
            plural="You have %(count)s unused recovery codes.",
            n=9,
            count=9,
        )
    )
    check_page(page)
