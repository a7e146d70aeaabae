"""Playwright against Django's live server, in Debian's Chromium."""

import os
import re
import shutil

import pytest
from django.utils import translation
from django.utils.functional import Promise
from django.utils.html import strip_tags

CHROMIUM = os.environ.get("EPORT_CHROMIUM", "/usr/bin/chromium")
# The browser's locale, sent as Accept-Language: Django picks the page's language from it.
BROWSER_LOCALES = {"en": "en-GB", "zh-hans": "zh-CN"}
# What a journey that runs in each language parametrizes `language` with.
LANGUAGES = ["en", "zh-hans"]


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


@pytest.fixture(scope="session")
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
