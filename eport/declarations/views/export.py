"""The declarations list as CSV: the same filters and the same people's view as the list page.

Streamed row by row from a server-side cursor, so a list of 100,000 declarations never sits in
memory (bench/export_csv.py measures it). UTF-8 with a byte order mark, which Excel needs to
read Chinese names; a text cell that a spreadsheet would run as a formula is written as text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from ..forms import ListFilterForm
from ..models import Declaration
from .listing import listed_declarations

# Rows fetched from the database at a time, and rows written to the response at a time.
CHUNK_SIZE = 2000
ROWS_PER_WRITE = 500
BOM = "\ufeff"
# A spreadsheet reads a cell starting with one of these as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = (
    "number",
    "lrn",
    "flow",
    "status",
    "lane",
    "company__name",
    "transport_document",
    "office__code",
    "submitted_at",
    "updated_at",
    "customs_value",
    "duty_total",
    "vat_total",
)


def _headers() -> list[str]:
    zone = timezone.get_current_timezone_name()
    return [
        _("Number"),
        _("LRN"),
        _("Flow"),
        _("Status"),
        _("Lane"),
        pgettext("company", "Trader"),
        _("Transport document"),
        _("Office"),
        _("Submitted (%(zone)s)") % {"zone": zone},
        _("Updated (%(zone)s)") % {"zone": zone},
        _("Customs value (CNY)"),
        _("Duty (CNY)"),
        _("VAT (CNY)"),
    ]


def safe_cell(value) -> str | Decimal:
    """A text cell as text: one a spreadsheet would evaluate gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _moment(value, zone) -> str:
    if value is None:
        return ""
    return value.astimezone(zone).isoformat(timespec="seconds")


class _Echo:
    """A file that hands back what is written to it: csv.writer then returns each line."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[dict]) -> Iterator[str]:
    """The CSV text of these declaration rows (``COLUMNS``), headers first, in chunks."""
    flows = {value: str(label) for value, label in Declaration.Flow.choices}
    statuses = {value: str(label) for value, label in Declaration.Status.choices}
    lanes = {value: str(label) for value, label in Declaration.Lane.choices}
    # Looked up once: timezone.localtime() per cell was most of the export's time.
    zone = timezone.get_current_timezone()
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(_headers())
    batch = []
    for row in rows:
        assessed = row["customs_value"] is not None
        batch.append(
            writer.writerow(
                [
                    row["number"] or "",
                    safe_cell(row["lrn"]),
                    flows.get(row["flow"], row["flow"]),
                    statuses.get(row["status"], row["status"]),
                    lanes.get(row["lane"], row["lane"]),
                    safe_cell(row["company__name"]),
                    safe_cell(row["transport_document"]),
                    row["office__code"],
                    _moment(row["submitted_at"], zone),
                    _moment(row["updated_at"], zone),
                    row["customs_value"] if assessed else "",
                    row["duty_total"] if assessed else "",
                    row["vat_total"] if assessed else "",
                ]
            )
        )
        if len(batch) >= ROWS_PER_WRITE:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


@login_required
@require_GET
def declaration_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered list, every page of it, as a CSV download."""
    declarations = listed_declarations(request.user, ListFilterForm(request.GET))
    rows = declarations.values(*COLUMNS).iterator(chunk_size=CHUNK_SIZE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in csv_lines(rows)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="declarations-{stamp}.csv"'
    return response
