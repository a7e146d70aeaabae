"""Notifications in a real browser: an officer raises a query; the trader sees the bell's count,
opens the list, follows the notification to the declaration, and chooses what comes by e-mail.
Each notification page passes axe-core and fits a phone."""

import re

import pytest
from playwright.sync_api import Page, expect

from eport.accounts.models import User
from eport.declarations.lifecycle import MOVES
from eport.declarations.models import Declaration
from eport.notifications.kinds import Kind
from eport.notifications.models import EmailPreference, Notification
from tests.browser.axe import assert_accessible
from tests.browser.conftest import sign_in, sign_out
from tests.declarations import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Notify-pass-2026"
QUESTION = "The invoice total does not match the packing list: please confirm the value."
PHONE_WIDTHS = (320, 375)


@pytest.fixture
def people(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    f.load_reference_rows()
    shanghai = f.office("2201", "Shanghai Customs District")
    alpha = f.company("91310000MA1FL0000", "Alpha Trading Co., Ltd.")
    trader = User.objects.create_user(
        username="liwei",
        password=PASSWORD,
        email="liwei@example.com",
        role="trader",
        company=alpha,
        first_name="Li",
        last_name="Wei",
    )
    officer = User.objects.create_user(
        username="zhangmin", password=PASSWORD, role="officer", office=shanghai
    )
    declaration = f.submitted(trader, "yellow", lrn="PO-2026-0077")
    return trader, officer, declaration


def check(page: Page) -> None:
    """axe-core finds nothing serious; no phone width scrolls sideways."""
    assert_accessible(page)
    size = page.viewport_size
    for width in PHONE_WIDTHS:
        page.set_viewport_size({"width": width, "height": 740})
        scrolled = page.evaluate("document.documentElement.scrollWidth")
        assert scrolled <= width, f"{page.url} is {scrolled} px wide on a {width} px phone"
    page.set_viewport_size(size)


def act(page: Page, t, button: str, text: str | None = None, label: str | None = None) -> None:
    action = page.locator(".action").filter(has=page.get_by_role("button", name=t(button)))
    if text is not None:
        action.get_by_label(t(label)).fill(text)
    action.get_by_role("button", name=t(button)).click()


def test_a_trader_is_told_of_a_query_and_follows_the_bell_to_it(page: Page, t, people):
    trader, _officer, declaration = people

    # The officer takes the declaration and raises a query.
    sign_in(page, t, "zhangmin", PASSWORD)
    page.goto(f"/declarations/{declaration.uuid}/")
    act(page, t, "Take for review")
    expect(page.locator(".message--success")).to_contain_text(
        t(
            "Declaration %(declaration)s %(past)s.",
            declaration=declaration.number,
            past=t(MOVES["take"].past),
        )
    )
    act(page, t, "Raise a query", QUESTION, "Question to the trader")
    expect(page.locator(".page-head")).to_contain_text(t(Declaration.Status.QUERY.label))
    expect(page.get_by_test_id("notification-count")).to_have_count(0)  # not the officer's
    sign_out(page, t)

    # The trader sees the bell's count, opens the list and follows the notification.
    sign_in(page, t, "liwei", PASSWORD)
    bell = page.get_by_test_id("notification-bell")
    expect(bell.get_by_test_id("notification-count")).to_contain_text("1")
    bell.click()
    expect(page.locator("h1")).to_have_text(t("Notifications"))
    words = t(
        "Customs raised a query on declaration %(number)s: %(question)s",
        number=declaration.number,
        question=QUESTION,
    )
    entry = page.get_by_test_id("notifications").get_by_role("listitem")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(t("Unread"))
    check(page)
    entry.get_by_role("link", name=words).click()

    expect(page).to_have_url(re.compile(f"/declarations/{declaration.uuid}/$"))
    expect(page.locator("h1")).to_contain_text(declaration.number)
    expect(page.get_by_test_id("notification-count")).to_have_count(0)
    assert Notification.objects.get(recipient=trader).read_at is not None

    # What comes by e-mail, chosen without any script.
    page.goto("/notifications/")
    expect(entry).not_to_contain_text(t("Unread"))
    page.get_by_role("link", name=t("Choose which notifications you also get by e-mail")).click()
    expect(page.locator("h1")).to_have_text(t("E-mail notifications"))
    check(page)
    released = page.get_by_label(t(Kind.RELEASED.label))
    expect(released).to_be_checked()
    released.uncheck()
    page.get_by_role("button", name=t("Save")).click()
    expect(page.locator(".message--success")).to_contain_text(t("Your e-mail choices are saved."))
    expect(page.get_by_label(t(Kind.RELEASED.label))).not_to_be_checked()
    assert EmailPreference.objects.get(user=trader).wants(Kind.RELEASED) is False
    assert EmailPreference.objects.get(user=trader).wants(Kind.QUERY_RAISED) is True
