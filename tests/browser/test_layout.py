"""Layout on a phone and at a desk: widths, the form's action bar, wide tables, the logo.

The journeys check every page they reach with ``check_page`` (axe-core and 320/360/375 px). These
tests add what the journeys' ordinary data does not stretch: long names, long unbroken numbers,
several goods lines and documents, every role's header; the action bar while tabbing through the
declaration form; a table wider than the phone; and the logo.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from eport.accounts.models import User
from ledger import notary
from tests.banks import factories as bf
from tests.browser.conftest import sign_in, sign_out
from tests.browser.layout import PHONE_WIDTHS, assert_fits, check_page
from tests.declarations import factories as f
from tests.ledger.notary_support import ledger_keys  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Layout-pass-2026"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 375, "height": 740}

LONG_NAME = "Saigon Electronics Manufacturing, Import-Export and Trading Joint Stock Company"
UNBROKEN = "MAEU765432109876543210987654321"  # a transport document with no place to break


@pytest.fixture
def people(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    f.load_reference_rows()
    shanghai = f.office("2201", "Shanghai Customs District")
    alpha = f.company("91310000MA1FL0000", "Alpha International Trading (Shanghai) Co., Ltd.")
    icbc = bf.bank("ICBKCNBJSHI", "Industrial and Commercial Bank of China, Shanghai")
    details = {
        "liwei": {"role": "trader", "company": alpha, "first_name": "Li", "last_name": "Wei"},
        "zhangmin": {"role": "officer", "office": shanghai},
        "auditor": {"role": "auditor"},
        "wanghua": {"role": "bank", "bank": icbc},
    }
    return {
        name: User.objects.create_user(username=name, password=PASSWORD, **organisation)
        for name, organisation in details.items()
    }


@pytest.fixture
def long_declaration(people, ledger_keys):  # noqa: F811
    """A submitted, assessed declaration whose values are as long as the fields allow."""
    items = [
        f.item(
            description=f"{LONG_NAME}: portable automatic data-processing machines, line {line}",
            origin_country="DE",
            invoice_value="1234567.89",
        )
        for line in range(1, 4)
    ]
    declaration = f.submitted(
        people["liwei"],
        "green",
        items=items,
        consignor_name=LONG_NAME,
        transport_document=UNBROKEN,
        incoterm_place="Ho Chi Minh City, Cat Lai Terminal, Thu Duc",
        invoice_total="3703703.67",
    )
    notary.notarize_pending(cosign="inline")
    return declaration


def test_every_role_s_pages_fit_a_phone_with_long_names_and_numbers(
    page: Page, people, long_declaration, t
):
    detail = f"/declarations/{long_declaration.uuid}/"
    pages = {
        "liwei": ["/declarations/", detail, "/declarations/new/", "/payments/"],
        "zhangmin": ["/declarations/", detail],
        "auditor": ["/audit/", "/audit/ledger/", f"/receipts/{long_declaration.uuid}/"],
        "wanghua": ["/bank/", "/bank/payments/"],
    }
    for username, paths in pages.items():
        sign_in(page, t, username, PASSWORD)
        for path in paths:
            page.goto(path)
            check_page(page)
            small = page.locator("table a").evaluate_all(
                "links => links.map(link => link.getBoundingClientRect())"
                ".filter(box => box.width < 24 || box.height < 24).length"
            )
            assert small == 0, f"{path}: {small} links in tables smaller than 24 px"
        sign_out(page, t)


def covered_by_action_bar(page: Page) -> str | None:
    """What covers the focused element, if anything but itself (or its own parts) is on top.

    A link that wraps onto two lines has a box per line: it is in sight if any line is.
    """
    return page.evaluate(
        """() => {
          const focused = document.activeElement;
          if (!focused || focused === document.body) return null;
          const boxes = [...focused.getClientRects()].filter(box => box.width && box.height);
          if (!boxes.length) return null;
          const name = (el) => !el ? "nothing" : el.tagName.toLowerCase()
            + (el.id ? "#" + el.id : "")
            + (typeof el.className === "string" && el.className
               ? "." + el.className.split(" ").join(".") : "");
          const missed = [];
          for (const box of boxes) {
            const x = box.left + box.width / 2, y = box.top + box.height / 2;
            const hit = document.elementFromPoint(x, y);
            if (hit && (hit === focused || focused.contains(hit))) return null;
            missed.push(`(${Math.round(x)}, ${Math.round(y)}) is under ${name(hit)}`);
          }
          return `${name(focused)}: ${missed.join("; ")}`;
        }"""
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_tabbing_through_the_declaration_form_never_hides_the_focused_field(
    page: Page, people, t, viewport
):
    page.set_viewport_size(viewport)
    sign_in(page, t, "liwei", PASSWORD)
    page.goto("/declarations/new/")
    page.get_by_role("button", name=t("Add another item")).click()
    expect(page.locator("[data-item]")).to_have_count(2)
    bar = page.locator(".form-actions")
    bar_box = bar.bounding_box()
    sticky = bar.evaluate("bar => getComputedStyle(bar).position") == "sticky"
    # On a phone the bar covers no more than an eighth of the screen, if it stays in view at all.
    if viewport == PHONE:
        assert not sticky or bar_box["height"] <= viewport["height"] / 8, bar_box

    page.evaluate("window.scrollTo(0, 0)")
    page.get_by_label(t("Customs office of lodgement")).focus()
    reached = set()
    for _ in range(200):
        inside = page.evaluate(
            "() => document.activeElement.closest('form.declaration-form') !== null"
        )
        if not inside:
            break
        name = page.evaluate("() => document.activeElement.name || document.activeElement.id")
        reached.add(name)
        covered = covered_by_action_bar(page)
        assert covered is None, f"tab to {name}: {covered}"
        page.keyboard.press("Tab")
    else:
        pytest.fail("tabbing never left the form")
    # The walk went down the whole form, both items and the bar's own buttons included.
    assert {"lrn", "items-1-invoice_value", "submit"} <= reached, sorted(reached)


def test_a_table_wider_than_the_phone_scrolls_in_its_own_labelled_region(
    page: Page, people, long_declaration, t
):
    sign_in(page, t, "liwei", PASSWORD)
    page.goto(f"/declarations/{long_declaration.uuid}/")
    goods = page.locator("section[aria-labelledby=h-items] .table-wrap")
    # At a desk the table fits: its box is no stop on the way through the page.
    expect(goods).not_to_have_attribute("tabindex", "0")

    page.set_viewport_size({"width": min(PHONE_WIDTHS), "height": 740})
    expect(goods).to_have_attribute("tabindex", "0")
    expect(goods).to_have_role("region")
    expect(goods).to_have_accessible_name(re.compile(re.escape(t("Goods items"))))
    assert goods.evaluate("box => box.scrollWidth > box.clientWidth")
    # The keyboard scrolls it; the page itself does not move sideways.
    goods.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("box => box.scrollLeft > 0", arg=goods.element_handle())
    assert_fits(page)


def test_the_logo_is_a_wordmark_that_leads_home(page: Page, people, t):
    page.goto("/accounts/login/")
    home = page.get_by_role("banner").get_by_role("link", name=t("eport home"), exact=True)
    expect(home).to_have_attribute("href", "/")
    logo = home.get_by_role("img", name=t("eport home"))
    # A wordmark: wider than tall, and the name is in it as text, not three bars.
    size = logo.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert size[0] >= 3 * size[1], size
    svg = page.request.get(logo.get_attribute("src")).text()
    assert ">eport</text>" in svg
