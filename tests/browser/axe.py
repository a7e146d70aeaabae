"""axe-core over a page the journey has reached: no serious or critical violation may remain.

``assert_accessible(page)`` runs the axe-core that ``axe-playwright-python`` bundles against the
page as it is now (after the journey's last action) and fails with axe's own report of every
serious or critical violation. Minor and moderate ones are counted, not failed.

Every run's counts by impact are appended, one JSON line per page, to the file named by
``EPORT_AXE_REPORT`` when it is set, so a whole run's figures can be summed afterwards.
"""

from __future__ import annotations

import json
import os
from collections import Counter

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

FAILING = ("serious", "critical")
# What axe-core checks: WCAG 2.0, 2.1 and 2.2 A and AA, and its best practices.
OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
}

_axe = Axe()


def violations(page: Page) -> list[dict]:
    """axe-core's violations on the page as it is now."""
    return _axe.run(page, options=OPTIONS).response["violations"]


def describe(found: list[dict]) -> str:
    lines = []
    for violation in found:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node['html'][:160]}")
            summary = node.get("failureSummary", "").replace("\n", " ")
            if summary:
                lines.append(f"        {summary[:300]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


def assert_accessible(page: Page) -> Counter:
    """Fail on any serious or critical axe-core violation; return the counts by impact."""
    found = violations(page)
    counts = Counter()
    for violation in found:
        counts[violation["impact"]] += len(violation["nodes"])
    report = os.environ.get("EPORT_AXE_REPORT")
    if report:
        with open(report, "a", encoding="utf-8") as out:
            path = page.url.split("//", 1)[-1].split("/", 1)[-1]
            out.write(json.dumps({"page": "/" + path, "counts": dict(counts)}) + "\n")
    failing = [violation for violation in found if violation["impact"] in FAILING]
    assert not failing, f"axe-core on {page.url}:\n{describe(failing)}"
    return counts
