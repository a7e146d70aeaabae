"""The public /verify/ page: check a receipt (pasted, uploaded, or from a release note's link)."""

from __future__ import annotations

import base64
import hashlib
import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from eport.core.client import client_address
from eport.core.counters import count_request
from eport.core.receipt_checks import receipt_problem, shown_checks
from eport.declarations.models import Declaration
from eport.declarations.selectors import declaration_ledger
from ledger import keys
from ledger.models import Entry
from ledger.receipts import ReceiptUnavailable, build_receipt, verify_with_trusted_keys

from .. import receipts as declaration_receipts
from ..verdict import ledger_news, plain_verdict
from .common import WHOLE_NUMBER, uuid_or_none

MAX_RECEIPT_BYTES = 1024 * 1024

# --- Public verification -------------------------------------------------------------------

RATE_WINDOW = 60  # seconds: EPORT_VERIFY_RATE_LIMIT checks per client address per window


def _rate_limited(request: HttpRequest) -> bool:
    """Count this check against the client's budget; True once the budget is spent."""
    count = count_request(f"audit:verify:{client_address(request) or 'unknown'}", RATE_WINDOW)
    return count > settings.EPORT_VERIFY_RATE_LIMIT


def _summary(report, receipt: dict | None) -> dict | None:
    """The cleared declaration's key facts, from the receipt's subject once it has verified."""
    subject_check = report.get("subject")
    if subject_check is None or not subject_check.ok or receipt is None:
        return None
    subject = receipt.get("subject")
    return subject if isinstance(subject, dict) else None


def _summary_labels(summary: dict | None) -> dict:
    """The snapshot's status, flow and lane in words (the raw value if it is not a known one)."""
    if summary is None:
        return {}
    labels = {}
    for name, choices in (
        ("status", Declaration.Status),
        ("flow", Declaration.Flow),
        ("lane", Declaration.Lane),
    ):
        value = summary.get(name)
        labels[name] = choices(value).label if value in choices.values else value
    return labels


def _entry_facts(report, receipt) -> dict | None:
    entry_check = report.get("entry")
    if entry_check is None or not entry_check.ok:
        return None
    raw = base64.b64decode(receipt["entry"])
    content = json.loads(raw)
    return {
        "seq": content.get("seq"),
        "time": content.get("time"),
        "action": content.get("action"),
        "subject": content.get("subject"),
        "hash": hashlib.sha256(raw).hexdigest(),
    }


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "") and "text/html" not in (
        request.headers.get("Accept", "")
    )


def _receipt_from_entry_link(seq_text: str, hash_text: str) -> tuple[dict | None, str]:
    """The ledger's own receipt for a release entry named by a release note's QR code."""
    if not WHOLE_NUMBER.fullmatch(seq_text) or len(hash_text) != 64:
        return None, _(
            "The link is incomplete: it needs the entry's seq and its 64-character hash."
        )
    entry = Entry.objects.filter(seq=int(seq_text)).first()
    if entry is None or entry.entry_hash != hash_text.lower():
        return None, _(
            "No entry %(seq)s with hash %(hash)s is in this ledger: the release note was "
            "not issued here, or it was altered."
        ) % {"seq": seq_text, "hash": hash_text}
    if entry.action != declaration_receipts.RELEASE_ACTION:
        return None, _(
            "Only release entries can be checked from a link; upload the receipt instead."
        )
    declaration = Declaration.objects.filter(
        uuid=uuid_or_none(entry.subject.split(":", 1)[-1])
    ).first()
    # The entry's hash in the link is the capability: anyone holding the note may see its receipt.
    subject = declaration_ledger(declaration).subject_for(entry) if declaration else None
    try:
        return build_receipt(entry.seq, subject=subject), ""
    except ReceiptUnavailable as problem:
        return None, _("The entry exists, but %(problem)s.") % {"problem": receipt_problem(problem)}


@csrf_exempt  # it changes nothing and banks post receipts from scripts
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Check a receipt (pasted, uploaded, or named by a release note's link); no login."""
    context: dict = {"max_kb": MAX_RECEIPT_BYTES // 1024}
    seq_text = request.GET.get("seq", "").strip()
    hash_text = request.GET.get("entry", "").strip()
    receipt_text: bytes | str | None = None
    if request.method == "GET" and not (seq_text or hash_text):
        return render(request, "audit/verify.html", context)
    if _rate_limited(request):
        message = _(
            "Too many checks from your address: at most %(limit)s a minute. Wait a minute and "
            "try again, or verify offline with python -m ledger.verify_receipt."
        ) % {"limit": settings.EPORT_VERIFY_RATE_LIMIT}
        if _wants_json(request):
            return JsonResponse({"error": message}, status=429)
        return render(request, "audit/verify.html", {**context, "error": message}, status=429)

    if request.method == "GET":
        receipt, problem = _receipt_from_entry_link(seq_text, hash_text)
        context["from_link"] = True
        if receipt is None:
            context["error"] = problem
            return render(request, "audit/verify.html", context, status=404)
        receipt_text = json.dumps(receipt)
    else:
        upload = request.FILES.get("receipt_file")
        if upload is not None:
            if upload.size > MAX_RECEIPT_BYTES:
                context["error"] = _(
                    "The file is %(size)s KB; a receipt is at most %(limit)s KB. "
                    "Is it the right file?"
                ) % {"size": upload.size // 1024, "limit": MAX_RECEIPT_BYTES // 1024}
                return render(request, "audit/verify.html", context, status=400)
            receipt_text = upload.read()
        else:
            receipt_text = request.POST.get("receipt", "")
            if not receipt_text and request.content_type == "application/json":
                receipt_text = request.body[: MAX_RECEIPT_BYTES + 1]
        if not receipt_text or not str(receipt_text).strip():
            context["error"] = _("Paste a receipt or choose a receipt file to check.")
            return render(request, "audit/verify.html", context, status=400)
        if len(receipt_text) > MAX_RECEIPT_BYTES:
            context["error"] = _("A receipt is at most %(limit)s KB.") % {
                "limit": MAX_RECEIPT_BYTES // 1024
            }
            return render(request, "audit/verify.html", context, status=400)
        context["pasted"] = receipt_text if isinstance(receipt_text, str) else ""

    report = verify_with_trusted_keys(receipt_text)
    # The verifier already parsed it: only a receipt that passed the format check is read again.
    format_check = report.get("format")
    parsed = json.loads(receipt_text) if format_check is not None and format_check.ok else None
    facts = _entry_facts(report, parsed) if parsed is not None else None
    summary = _summary(report, parsed)
    if _wants_json(request):
        return JsonResponse(
            {
                "valid": report.valid,
                "checks": [
                    {"name": check.name, "ok": check.ok, "detail": check.detail}
                    for check in report.checks
                ],
                "entry": facts,
            }
        )
    checks = shown_checks(report.checks)
    context.update(
        {
            "verdict": plain_verdict(report, parsed, ledger_news(report, parsed)),
            "report": report,
            "checks": checks,
            "failed": [check for check in checks if not check["ok"]],
            "facts": facts,
            "summary": summary,
            "summary_labels": _summary_labels(summary),
            "keys": keys.verifier_keys(),
        }
    )
    return render(request, "audit/verify.html", context)
