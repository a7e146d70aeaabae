"""The release note: a one-page PDF of a released declaration with a QR code to verify it.

Byte-identical for the same inputs: reportlab's invariant mode fixes the document id, the
creation date is the release entry's time, and nothing else varies (no clock, no random id). The
note prints the declaration's key facts, its goods lines and the release entry's hash, amounts with
the reader's separators and the release time with its zone; the QR code carries the verification
link, which names the entry by seq and hash.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import urlencode

import segno
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from eport.accounts.models import CustomsOffice
from eport.web.templatetags.eport import moment
from ledger.models import Entry

LATIN = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"
MONO = "Courier"
# A standard CJK font every PDF reader has; names and places may be written in Chinese.
CJK = "STSong-Light"
_registered = False


def _fonts() -> None:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(CJK))
        _registered = True


def verification_url(site_url: str, entry: Entry) -> str:
    """The public link that checks the release entry: ``<site>/verify/?seq=N&entry=<hash>``."""
    query = urlencode({"seq": entry.seq, "entry": entry.entry_hash})
    return f"{site_url.rstrip('/')}/verify/?{query}"


def _font_for(text: str, bold: bool = False) -> str:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return CJK
    return LATIN_BOLD if bold else LATIN


def _text(pdf: canvas.Canvas, x: float, y: float, text: str, size: float = 10, bold=False) -> None:
    pdf.setFont(_font_for(text, bold), size)
    pdf.drawString(x, y, text)


def _qr(pdf: canvas.Canvas, payload: str, x: float, y: float, width: float) -> None:
    code = segno.make(payload, error="m", micro=False)
    matrix = code.matrix
    border = 2
    count = len(matrix) + 2 * border
    module = width / count
    pdf.setFillColorRGB(0, 0, 0)
    for row_number, row in enumerate(matrix):
        top = y + width - (row_number + border + 1) * module
        column = 0
        # One rectangle per horizontal run of dark modules keeps the page small.
        while column < len(row):
            if row[column]:
                start = column
                while column < len(row) and row[column]:
                    column += 1
                pdf.rect(
                    x + (start + border) * module,
                    top,
                    (column - start) * module,
                    module,
                    stroke=0,
                    fill=1,
                )
            else:
                column += 1


def _amount(value: str | None, places: int = 2) -> str:
    """A snapshot's decimal string with the reader's separators: "1620060.00" → "1,620,060.00"."""
    if value in (None, ""):
        return "—"
    return number_format(Decimal(value), places, force_grouping=True)


def _quantity(value: str | None) -> str:
    """A quantity as a person writes it, without trailing zeros: "1200.000" → "1,200"."""
    if value in (None, ""):
        return "—"
    number = Decimal(value).normalize()
    places = max(0, -number.as_tuple().exponent)
    return number_format(number, places, force_grouping=True)


def _money(value: str | None, currency: str = "CNY") -> str:
    return f"{_amount(value)} {currency}" if value not in (None, "") else "—"


def _office_words(code: str) -> str:
    """The office by code and name, "2201 Shanghai Customs District"; the code alone if unknown."""
    if not code:
        return "—"
    name = CustomsOffice.objects.filter(code=code).values_list("name", flat=True).first()
    return f"{code} {name}" if name else code


def _fit(text: str, width: float, size: float) -> str:
    """``text`` cut with "..." so that it fits ``width`` points at ``size``."""
    text = " ".join(str(text).split())
    if pdfmetrics.stringWidth(text, _font_for(text), size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "...", _font_for(text), size) > width:
        text = text[:-1]
    return text.rstrip() + "..."


class _Page:
    """Where the next line goes; a new page (with the running head) when this one is full."""

    def __init__(self, pdf: canvas.Canvas, top: float, bottom: float, head: str):
        self.pdf, self.top, self.bottom, self.head = pdf, top, bottom, head
        self.y = top

    def down(self, height: float) -> float:
        if self.y - height < self.bottom:
            self.pdf.showPage()
            self.y = self.top
            _text(self.pdf, 20 * mm, self.y, self.head, 9)
            self.y -= 8 * mm
        self.y -= height
        return self.y


# The goods table: (heading, x offset from the left margin in mm, width in mm, right-aligned).
GOODS_COLUMNS = (
    ("line", 0, 8, True),
    ("hs_code", 10, 22, False),
    ("description", 33, 52, False),
    ("quantity", 86, 24, True),
    ("customs_value", 111, 24, True),
    ("duty", 136, 17, True),
    ("vat", 154, 16, True),
)


def _goods_headings() -> dict[str, str]:
    return {
        "line": _("Line"),
        "hs_code": _("HS code"),
        "description": _("Description"),
        "quantity": _("Quantity"),
        "customs_value": _("Value (CNY)"),
        "duty": _("Duty (CNY)"),
        "vat": _("VAT (CNY)"),
    }


def _goods_cells(item: dict) -> dict[str, str]:
    return {
        "line": str(item.get("line", "")),
        "hs_code": str(item.get("hs_code") or ""),
        "description": str(item.get("description") or ""),
        "quantity": f"{_quantity(item.get('quantity'))} {item.get('unit') or ''}".strip(),
        "customs_value": _amount(item.get("customs_value")),
        "duty": _amount(item.get("duty")),
        "vat": _amount(item.get("vat")),
    }


def _goods_row(pdf: canvas.Canvas, y: float, cells: dict[str, str], size: float, bold=False):
    left = 20 * mm
    for name, offset, width, right in GOODS_COLUMNS:
        text = _fit(cells[name], width * mm, size)
        pdf.setFont(_font_for(text, bold), size)
        if right:
            pdf.drawRightString(left + (offset + width) * mm, y, text)
        else:
            pdf.drawString(left + offset * mm, y, text)


def release_note_pdf(*, snapshot: dict, entry: Entry, site_url: str, origin: str) -> bytes:
    """Return the release note PDF of a declaration's snapshot and its release entry."""
    _fonts()
    content = json.loads(bytes(entry.canonical))
    released = datetime.strptime(content["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1, pageCompression=0)
    pdf.setDateFormatter(lambda *parts: released.strftime("D:%Y%m%d%H%M%S+00'00'"))
    number = snapshot.get("number") or "—"
    pdf.setTitle(_("Release note %(number)s") % {"number": number})
    pdf.setAuthor(_("eport customs single window"))
    pdf.setSubject(
        _("Ledger entry %(seq)s %(hash)s") % {"seq": entry.seq, "hash": entry.entry_hash}
    )
    pdf.setCreator("eport")
    pdf.setProducer("eport")

    width, height = A4
    left = 20 * mm
    y = height - 25 * mm
    _text(pdf, left, y, _("Customs release note"), 18, bold=True)
    y -= 8 * mm
    _text(pdf, left, y, _("Declaration %(number)s") % {"number": number}, 12, bold=True)
    y -= 6 * mm
    _text(pdf, left, y, _("Released %(moment)s") % {"moment": moment(released, "seconds")}, 10)

    flow = snapshot.get("flow", "")
    items = snapshot.get("items") or []
    facts = [
        (_("Flow / procedure"), f"{flow.capitalize()} / {snapshot.get('procedure_code', '')}"),
        (_("Office of lodgement"), _office_words(snapshot.get("office") or "")),
        (_("Declarant (USCI)"), snapshot.get("company") or "—"),
        (_("Trader reference (LRN)"), snapshot.get("lrn") or "—"),
        (
            _("Consignor"),
            f"{snapshot.get('consignor_name', '')} ({snapshot.get('consignor_country', '')})",
        ),
        (
            _("Consignee"),
            f"{snapshot.get('consignee_name', '')} ({snapshot.get('consignee_country', '')})",
        ),
        (_("Transport document"), snapshot.get("transport_document") or "—"),
        (_("Goods items"), str(len(items))),
        (
            _("Invoice total"),
            _money(snapshot.get("invoice_total"), snapshot.get("invoice_currency", "")),
        ),
        (_("Customs value"), _money(snapshot.get("customs_value"))),
        (_("Duty"), _money(snapshot.get("duty_total"))),
        (_("VAT"), _money(snapshot.get("vat_total"))),
        (_("Payment reference"), snapshot.get("payment_reference") or "—"),
        (_("Lane"), (snapshot.get("lane") or "—").capitalize()),
    ]
    y -= 12 * mm
    for label, value in facts:
        _text(pdf, left, y, label, 9)
        # Beside the QR code the value column stops short of it.
        _text(pdf, left + 48 * mm, y, _fit(str(value), 70 * mm, 10), 10)
        y -= 6 * mm

    url = verification_url(site_url, entry)
    qr_size = 45 * mm
    _qr(pdf, url, width - left - qr_size, height - 25 * mm - qr_size + 6 * mm, qr_size)

    page = _Page(
        pdf,
        top=height - 20 * mm,
        bottom=18 * mm,
        head=_("Release note %(number)s") % {"number": number},
    )
    page.y = y - 4 * mm
    _text(pdf, left, page.down(0), _("Goods"), 12, bold=True)
    headings = _goods_headings()
    _goods_row(pdf, page.down(7 * mm), headings, 8, bold=True)
    for item in items:
        if page.y - 5 * mm < page.bottom:
            page.down(5 * mm)
            _goods_row(pdf, page.down(5 * mm), headings, 8, bold=True)
        _goods_row(pdf, page.down(5 * mm), _goods_cells(item), 8)

    _text(pdf, left, page.down(12 * mm), _("Ledger record"), 12, bold=True)
    page.down(2 * mm)
    ledger_facts = [
        (_("Ledger"), origin),
        (_("Entry"), f"{entry.seq} ({content['action']})"),
        (_("Entry hash (SHA-256)"), entry.entry_hash[:32]),
        ("", entry.entry_hash[32:]),
        (_("Declaration state"), content.get("data", {}).get("state", "—")[:32]),
        ("", content.get("data", {}).get("state", "")[32:]),
    ]
    for label, value in ledger_facts:
        y = page.down(5 * mm)
        _text(pdf, left, y, label, 9)
        pdf.setFont(MONO, 9)
        pdf.drawString(left + 48 * mm, y, value)

    page.down(3 * mm)
    # Translators: four lines of the printed note, each at most about 85 characters wide.
    lines = [
        _("How to check this note: scan the code, or open the link below, to see the release"),
        _("entry checked against the notarized ledger. For an offline check, download the"),
        _("receipt and run:  python -m ledger.verify_receipt receipt.json --keys keys.txt"),
        _("with the verifier keys published at /ledger/keys (the ledger's and the witnesses')."),
    ]
    for line in lines:
        _text(pdf, left, page.down(4.5 * mm), line, 9)
    pdf.setFont(MONO, 7.5)
    pdf.drawString(left, page.down(6.5 * mm), url)

    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
