"""Every page a journey reaches: accessible (axe-core) and no wider than a 320–375 px phone.

``check_page(page)`` runs axe-core on the page as it is (``assert_accessible``), then narrows the
viewport to each phone width in turn and fails if the document scrolls sideways
(``document.documentElement.scrollWidth`` wider than ``innerWidth``), naming the elements that
stick out. The viewport is put back as it was, so the journey goes on where it was.

Each page's widths are appended, one JSON line per page, to the file named by
``EPORT_WIDTH_REPORT`` when it is set. With ``EPORT_LAYOUT_SURVEY=1`` nothing fails: the axe
counts and the widths are only recorded (``EPORT_AXE_REPORT``, ``EPORT_WIDTH_REPORT``), to
survey a whole run's pages at once.
"""

from __future__ import annotations

import json
import os

from playwright.sync_api import Page

from tests.browser import axe

PHONE_WIDTHS = (320, 360, 375)
PHONE_HEIGHT = 740

# The elements that reach past the viewport's right edge, innermost first: what makes it scroll.
_STICKING_OUT = """() => {
  const edge = document.documentElement.clientWidth;
  const out = [];
  for (const element of document.body.querySelectorAll("*")) {
    const rect = element.getBoundingClientRect();
    if (rect.width === 0 || rect.right <= edge + 0.5) continue;
    // A box positioned absolutely escapes a scrolling ancestor that is not its containing block.
    let clipped = false;
    const escapes = getComputedStyle(element).position === "absolute";
    for (let up = element.parentElement; !escapes && up && up !== document.body;
         up = up.parentElement) {
      const style = getComputedStyle(up);
      if (style.overflowX !== "visible" && up.getBoundingClientRect().right <= edge + 0.5) {
        clipped = true;
        break;
      }
    }
    if (clipped) continue;
    const name = element.tagName.toLowerCase()
      + (element.id ? "#" + element.id : "")
      + (element.classList.length ? "." + [...element.classList].join(".") : "");
    out.push(`${name} (right edge ${Math.round(rect.right)} px)`);
  }
  const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = texts.nextNode(); node; node = texts.nextNode()) {
    if (!node.textContent.trim()) continue;
    range.selectNodeContents(node);
    const rect = range.getBoundingClientRect();
    if (rect.width === 0 || rect.right <= edge + 0.5) continue;
    const parent = node.parentElement;
    if (parent.closest(".table-wrap, .visually-hidden, [hidden]")) continue;
    const name = parent.tagName.toLowerCase()
      + (parent.classList.length ? "." + [...parent.classList].join(".") : "");
    const text = node.textContent.trim().slice(0, 30);
    out.push(`text "${text}" in ${name} (right edge ${Math.round(rect.right)} px)`);
  }
  return out.slice(-8).reverse();
}"""


def surveying() -> bool:
    return os.environ.get("EPORT_LAYOUT_SURVEY") == "1"


def page_widths(page: Page) -> dict[int, dict]:
    """The document's width at each phone width, and what sticks out where it is too wide."""
    desktop = page.viewport_size
    widths = {}
    try:
        for width in PHONE_WIDTHS:
            page.set_viewport_size({"width": width, "height": PHONE_HEIGHT})
            measured = page.evaluate(
                "() => ({scroll: document.documentElement.scrollWidth, inner: innerWidth})"
            )
            if measured["scroll"] > measured["inner"]:
                measured["sticking_out"] = page.evaluate(_STICKING_OUT)
            widths[width] = measured
    finally:
        page.set_viewport_size(desktop)
    return widths


def assert_fits(page: Page) -> dict[int, dict]:
    """Fail if the page scrolls sideways at 320, 360 or 375 px."""
    widths = page_widths(page)
    report = os.environ.get("EPORT_WIDTH_REPORT")
    if report:
        path = "/" + page.url.split("//", 1)[-1].split("/", 1)[-1]
        scrolls = {width: measured["scroll"] for width, measured in widths.items()}
        line = {"page": path, "scroll_width": scrolls}
        sticking_out = [measured.get("sticking_out") for measured in widths.values()]
        if any(sticking_out):
            line["sticking_out"] = next(filter(None, sticking_out))
        with open(report, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")
    too_wide = {width: measured for width, measured in widths.items() if measured["scroll"] > width}
    if not surveying():
        assert not too_wide, f"{page.url} scrolls sideways on a phone: " + "; ".join(
            f"{measured['scroll']} px wide at {width} px ({', '.join(measured['sticking_out'])})"
            for width, measured in too_wide.items()
        )
    return widths


def check_page(page: Page) -> None:
    """axe-core finds nothing serious or critical, and the page fits a phone's width."""
    if surveying():
        found = axe.violations(page)
        report = os.environ.get("EPORT_AXE_REPORT")
        if report:
            counts: dict[str, int] = {}
            for violation in found:
                impact = violation["impact"]
                counts[impact] = counts.get(impact, 0) + len(violation["nodes"])
            path = "/" + page.url.split("//", 1)[-1].split("/", 1)[-1]
            rules = {
                violation["id"]: [
                    " ".join(map(str, node["target"])) for node in violation["nodes"][:20]
                ]
                for violation in found
                if violation["impact"] in axe.FAILING
            }
            with open(report, "a", encoding="utf-8") as out:
                out.write(json.dumps({"page": path, "counts": counts, "rules": rules}) + "\n")
    else:
        axe.assert_accessible(page)
    assert_fits(page)
