"""Goods lines from a CSV or Excel (.xlsx) file: bytes in, rows or every problem out.

Nothing here saves anything. Each row is checked with the declaration's own item validation
(``validation.item_problems``), and every problem of the file is reported at once, named by its
row (the header is row 1, as a spreadsheet numbers it) and column: "Row 4, column hs_code: ...".
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook

from . import validation
from .fields import ITEM_FIELDS

# The template's columns, in order; valuation_method may be left out (1: transaction value), and
# so may licence_number (only goods under licence control cite one).
COLUMNS = ITEM_FIELDS
OPTIONAL_COLUMNS = ("valuation_method", "licence_number")
REQUIRED_COLUMNS = tuple(name for name in COLUMNS if name not in OPTIONAL_COLUMNS)
COLUMN_HELP = {
    "hs_code": gettext_lazy("10-digit HS commodity code, e.g. 8471300000"),
    "description": gettext_lazy("description of the goods, at most 300 characters"),
    "origin_country": gettext_lazy("country of origin, ISO 3166-1 two-letter code, e.g. CN"),
    "quantity": gettext_lazy("quantity, a number such as 10 or 2.5"),
    "unit": gettext_lazy("unit of the quantity, UN/ECE Rec. 20, e.g. PCE, KGM, LTR"),
    "net_mass": gettext_lazy("net mass in kg, e.g. 12.500"),
    "gross_mass": gettext_lazy("gross mass in kg, at least the net mass, e.g. 13.000"),
    "invoice_value": gettext_lazy("the line's invoice value in the invoice currency, e.g. 1250.00"),
    "valuation_method": gettext_lazy("optional, 1 to 6 (1: transaction value, the default)"),
    "licence_number": gettext_lazy(
        "optional: the number of your approved import or export licence, for goods that need one"
    ),
}
EXAMPLE_ROW = {
    "hs_code": "8471300000",
    "description": "Laptop computers",
    "origin_country": "CN",
    "quantity": "10",
    "unit": "PCE",
    "net_mass": "20.000",
    "gross_mass": "25.000",
    "invoice_value": "5000.00",
    "valuation_method": "1",
    "licence_number": "",
}
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = validation.MAX_ITEMS

_ZIP_MAGIC = b"PK\x03\x04"
# Files people upload by mistake: PDF, PNG, JPEG, GIF.
_OTHER_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and .doc) format


@dataclass
class Result:
    """The goods lines read (dicts named by ``ITEM_FIELDS``), or the problems, never both."""

    items: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def read_goods_lines(content: bytes, *, max_rows: int = MAX_ROWS) -> Result:
    """Read and check the goods lines of a CSV or .xlsx file, told apart by their content."""
    if not content or not content.strip():
        return Result(problems=[_("The file is empty; fill in the template and upload it again.")])
    if len(content) > MAX_BYTES:
        return Result(
            problems=[
                _("The file is larger than %(limit)s MB; split the goods lines over several files.")
                % {"limit": MAX_BYTES // (1024 * 1024)}
            ]
        )
    if content.startswith(_ZIP_MAGIC):
        table, problems = _xlsx_rows(content, max_rows)
    elif content.startswith(_OTHER_MAGIC):
        return Result(problems=[_not_a_table()])
    elif content.startswith(_OLE_MAGIC):
        return Result(
            problems=[
                _(
                    "This is an old Excel .xls workbook; save it as an Excel workbook (.xlsx) or "
                    "as CSV UTF-8 and upload that."
                )
            ]
        )
    else:
        table, problems = _csv_rows(content, max_rows)
    if problems:
        return Result(problems=problems)
    return _check(table)


def _csv_rows(content: bytes, max_rows: int) -> tuple[list[list], list[str]]:
    if b"\x00" in content:
        return [], [_not_a_table()]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return [], [
            _(
                "The file is not UTF-8 text (the byte at position %(position)s cannot be read). "
                "Save it as CSV UTF-8 (with or without BOM) and upload it again."
            )
            % {"position": error.start + 1}
        ]
    # The header row decides the separator: Excel writes ";" where "," is the decimal comma.
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(",;\t", key=first_line.count)
    rows: list[list] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(row)
            if len(rows) > max_rows + 1:
                return [], [_too_many_rows(max_rows)]
    except csv.Error as error:
        return [], [
            _("Row %(row)s cannot be read as CSV (%(why)s); check its quotes.")
            % {"row": len(rows) + 1, "why": error}
        ]
    return rows, []


def _xlsx_rows(content: bytes, max_rows: int) -> tuple[list[list], list[str]]:
    # Formulas are read as written ("=SUM(F2:F9)"), never evaluated: _check refuses them.
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception:
        return [], [_not_a_table()]
    try:
        if not workbook.worksheets:
            return [], [_not_a_table()]
        rows: list[list] = []
        for cells in workbook.worksheets[0].iter_rows(values_only=True):
            rows.append([_cell_text(value) for value in cells])
            if len(rows) > max_rows + 1:
                return [], [_too_many_rows(max_rows)]
        return rows, []
    except Exception:
        return [], [_not_a_table()]
    finally:
        workbook.close()


def _cell_text(value) -> str:
    """A cell as the text a person typed: numbers without float noise, dates refused later."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _check(table: list[list]) -> Result:
    rows = table
    # Blank lines at the end (and blank lines anywhere) are what spreadsheets leave: skipped.
    if not rows or not any(str(cell).strip() for cell in rows[0]):
        return Result(
            problems=[
                _("The first row must name the columns: %(columns)s.")
                % {"columns": ", ".join(COLUMNS)}
            ]
        )
    header = [str(cell).strip().lower() for cell in rows[0]]
    problems: list[str] = []
    if not any(name in COLUMNS for name in header):
        return Result(
            problems=[
                _(
                    "The first row names none of the columns (%(columns)s); download the "
                    "template and keep its first row."
                )
                % {"columns": ", ".join(COLUMNS)}
            ]
        )
    unknown = [name for name in header if name and name not in COLUMNS]
    if unknown:
        problems.append(
            _("Unknown column(s) %(unknown)s; the columns are %(columns)s.")
            % {"unknown": ", ".join(unknown), "columns": ", ".join(COLUMNS)}
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        problems.append(
            _("Column(s) missing from the first row: %(missing)s.")
            % {"missing": ", ".join(missing)}
        )
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        problems.append(
            _("Column(s) named twice: %(repeated)s.") % {"repeated": ", ".join(repeated)}
        )
    if problems:
        return Result(problems=problems)

    items: list[dict] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(str(cell).strip() for cell in row):
            continue
        if len(row) > len(header) and any(str(cell).strip() for cell in row[len(header) :]):
            problems.append(
                _("Row %(row)s has more cells than the first row has columns.") % {"row": number}
            )
            continue
        formulas = [
            header[position]
            for position, cell in enumerate(row[: len(header)])
            if str(cell).lstrip().startswith("=")
        ]
        if formulas:
            problems.extend(
                _(
                    "Row %(row)s, column %(column)s: this cell holds a formula; type (or paste) "
                    "its value instead."
                )
                % {"row": number, "column": column or "?"}
                for column in formulas
            )
            continue
        data = {
            name: row[position] if position < len(row) else ""
            for position, name in enumerate(header)
            if name
        }
        if not str(data.get("valuation_method", "")).strip():
            data.pop("valuation_method", None)
        cleaned, found = validation.item_problems(data, 0)
        for key, messages in found.errors.items():
            column = key.rsplit(".", 1)[-1]
            problems.extend(
                _("Row %(row)s, column %(column)s: %(message)s")
                % {"row": number, "column": column, "message": message}
                for message in messages
            )
        items.append(cleaned)
    if problems:
        return Result(problems=problems)
    if not items:
        return Result(
            problems=[_("The file has no goods lines below its first row; add at least one.")]
        )
    return Result(items=items)


def _not_a_table() -> str:
    return _(
        "This file is neither CSV nor an Excel workbook (.xlsx); download the template, fill it "
        "in and upload it as .csv or .xlsx."
    )


def _too_many_rows(max_rows: int) -> str:
    return _(
        "The file has more than %(max)s goods lines, the most a declaration holds; split them "
        "over several declarations."
    ) % {"max": max_rows}


def template_csv() -> bytes:
    """The CSV template: the header row and one example line, UTF-8 with a BOM (for Excel)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow([EXAMPLE_ROW[name] for name in COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    """The Excel template: the header row and one example line, every cell text."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "goods"
    sheet.append(list(COLUMNS))
    sheet.append([EXAMPLE_ROW[name] for name in COLUMNS])
    for column in sheet.iter_cols(min_row=2, max_row=2):
        for cell in column:
            cell.number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
