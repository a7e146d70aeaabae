"""Every table header says what its column holds: a header cell with nothing in it leaves a
screen reader's user guessing (axe-core's empty-table-header)."""

import re
from pathlib import Path

from django.conf import settings

EMPTY_HEADER = re.compile(r"<th\b[^>]*>\s*</th>")


def test_no_template_has_an_empty_table_header():
    templates = Path(settings.BASE_DIR) / "templates"
    empty = [
        f"{path.relative_to(templates)}:{text[: match.start()].count(chr(10)) + 1}"
        for path in sorted(templates.rglob("*.html"))
        for text in [path.read_text(encoding="utf-8")]
        for match in EMPTY_HEADER.finditer(text)
    ]
    assert not empty, empty
