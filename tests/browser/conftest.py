"""Playwright against Django's live server, in Debian's Chromium."""

import base64
import os
import re
import shutil
import time

import pytest
from django.utils import translation
from django.utils.functional import Promise
from django.utils.html import strip_tags
from django.utils.text import capfirst
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

CHROMIUM = os.environ.get("EPORT_CHROMIUM", "/usr/bin/chromium")
# The browser's locale, sent as Accept-Language: Django picks the page's language from it.
BROWSER_LOCALES = {"en": "en-GB", "zh-hans": "zh-CN"}
# What a journey that runs in each language parametrizes `language` with.
LANGUAGES = ["en", "zh-hans"]


# The second factor's pages: a sign-in is done once the browser has left them.
SECOND_FACTOR_PAGES = re.compile(r"/accounts/second-factor/")


def as_pattern(words: str) -> re.Pattern:
    """A translation whose %(placeholders)s are left unfilled, as a pattern any values match."""
    parts = re.split(r"%\(\w+\)s", words)
    return re.compile(".+?".join(re.escape(part) for part in parts))


@pytest.fixture
def language():
    """The language the browser asks for; a journey parametrizes it with LANGUAGES."""
    return "en"


@pytest.fixture
def t(language):
    """The page's words in the browser's language, from the same catalogue the pages use.

    ``t("Draft %(lrn)s saved.", lrn="PO-1")`` formats the translation; ``context`` picks a
    pgettext context; ``plural`` and ``n`` make it ngettext; a lazy label
    (``Declaration.Status.PAID.label``) is said in the language; HTML kept in a msgid
    (``<span>``) is stripped, as the page's text has none. A msgid not translated yet comes back
    in English, as the page shows it.
    """

    def translate(
        text: str | Promise,
        context: str | None = None,
        *,
        plural: str | None = None,
        n: int = 1,
        **values,
    ) -> str:
        with translation.override(language):
            if isinstance(text, Promise):  # a lazy label (a model's choice): said in `language`
                words = str(text)
            elif plural is not None:
                words = (
                    translation.npgettext(context, text, plural, n)
                    if context
                    else translation.ngettext(text, plural, n)
                )
            elif context:
                words = translation.pgettext(context, text)
            else:
                words = translation.gettext(text)
            if values:
                words = words % values
        return strip_tags(words) if "<" in words else words

    return translate


# For this package only: Playwright's sync API keeps an event loop running on the main thread
# while it is open, and Django's async views (/readyz) refuse to run beside one in later tests.
@pytest.fixture(scope="package")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make test does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, language):
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1366, "height": 900},
        locale=BROWSER_LOCALES[language],
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # A Content-Security-Policy violation shows up as a console error; none is expected.
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    context.close()
    assert not errors, f"script errors in the browser: {errors}"


@pytest.fixture(autouse=True)
def second_factor(settings):
    """The live server asks officers, auditors and banks for their second factor, as deployed.

    Every journey signs in through it (``sign_in``). The live server runs in this process, so the
    test's settings are the server's.
    """
    settings.EPORT_REQUIRE_SECOND_FACTOR = True


def authenticator_code(key: bytes) -> str:
    """What an authenticator app holding ``key`` shows now."""
    return f"{totp(key):06d}"


def current_authenticator_code(username: str) -> str:
    """The code the person's enrolled authenticator app shows now.

    django-otp accepts each code once; a person signing in again within the same 30 seconds waits
    for the next code. The journey does not wait: it tells the device it has not seen this one.
    """
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    if device.last_t >= int(time.time()) // device.step:
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, drift=0)
    return authenticator_code(device.bin_key)


def secret_shown(page: Page) -> bytes:
    """The authenticator key the enrolment page shows as text (for typing into an app)."""
    text = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    return base64.b32decode(text + "=" * (-len(text) % 8))


def sign_in(page: Page, t, username: str, password: str) -> list[str]:
    """Sign in with the password and, where the role needs it, the second factor.

    On a first sign-in that needs one, the person enrols: the code comes from the secret the page
    shows, and the recovery codes shown once are returned. Later sign-ins enter the current code.
    """
    page.goto("/accounts/login/")
    page.get_by_label(capfirst(t("username"))).fill(username)
    page.get_by_label(t("Password")).fill(password)
    page.get_by_role("button", name=t("Sign in")).click()
    expect(page.locator(".session__name")).to_be_visible()
    recovery_codes: list[str] = []
    if "/accounts/second-factor/setup/" in page.url:
        page.get_by_label(t("Code"), exact=True).fill(authenticator_code(secret_shown(page)))
        page.get_by_role("button", name=t("Confirm")).click()
        codes = page.get_by_test_id("recovery-codes").locator("li")
        expect(codes).to_have_count(10)
        recovery_codes = codes.all_inner_texts()
        page.get_by_role("link", name=t("I have kept them, continue")).click()
    elif "/accounts/second-factor/" in page.url:
        page.get_by_label(t("Code"), exact=True).fill(current_authenticator_code(username))
        page.get_by_role("button", name=t("Continue")).click()
    expect(page).not_to_have_url(SECOND_FACTOR_PAGES)
    return recovery_codes


def sign_out(page: Page, t) -> None:
    page.get_by_role("button", name=t("Sign out")).click()
    expect(page.get_by_role("button", name=t("Sign in"))).to_be_visible()
