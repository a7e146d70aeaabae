"""The release note: a one-page PDF of a released declaration with a QR code to verify it.

Byte-identical for the same inputs: reportlab's invariant mode fixes the document id, the
creation date is the release entry's time, and nothing else varies (no clock, no random id). The
note prints only the declaration's key facts and the release entry's hash; the QR code carries the
verification link, which names the entry by seq and hash.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from urllib.parse import urlencode

import segno
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

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


def _money(value: str | None, currency: str = "CNY") -> str:
    return f"{value} {currency}" if value not in (None, "") else "—"


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
    moment = released.strftime("%Y-%m-%d %H:%M:%S")
    _text(pdf, left, y, _("Released %(moment)s UTC") % {"moment": moment}, 10)

    flow = snapshot.get("flow", "")
    facts = [
        (_("Flow / procedure"), f"{flow.capitalize()} / {snapshot.get('procedure_code', '')}"),
        (_("Office of lodgement"), snapshot.get("office") or "—"),
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
        (_("Goods items"), str(len(snapshot.get("items") or []))),
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
        _text(pdf, left + 48 * mm, y, str(value), 10)
        y -= 6 * mm

    y -= 6 * mm
    _text(pdf, left, y, _("Ledger record"), 12, bold=True)
    y -= 7 * mm
    ledger_facts = [
        (_("Ledger"), origin),
        (_("Entry"), f"{entry.seq} ({content['action']})"),
        (_("Entry hash (SHA-256)"), entry.entry_hash[:32]),
        ("", entry.entry_hash[32:]),
        (_("Declaration state"), content.get("data", {}).get("state", "—")[:32]),
        ("", content.get("data", {}).get("state", "")[32:]),
    ]
    for label, value in ledger_facts:
        _text(pdf, left, y, label, 9)
        pdf.setFont(MONO, 9)
        pdf.drawString(left + 48 * mm, y, value)
        y -= 5 * mm

    url = verification_url(site_url, entry)
    qr_size = 45 * mm
    _qr(pdf, url, width - left - qr_size, height - 25 * mm - qr_size + 6 * mm, qr_size)

    y -= 8 * mm
    # Translators: four lines of the printed note, each at most about 85 characters wide.
    lines = [
        _("How to check this note: scan the code, or open the link below, to see the release"),
        _("entry checked against the notarized ledger. For an offline check, download the"),
        _("receipt and run:  python -m ledger.verify_receipt receipt.json --keys keys.txt"),
        _("with the verifier keys published at /ledger/keys (the ledger's and the witnesses')."),
    ]
    for line in lines:
        _text(pdf, left, y, line, 9)
        y -= 4.5 * mm
    y -= 2 * mm
    pdf.setFont(MONO, 7.5)
    pdf.drawString(left, y, url)

    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
