"""The auditor's workspace, declaration receipts, and the public receipt check at /verify/."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid as uuid_module
from datetime import UTC, datetime, time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from eport.declarations.models import Declaration
from eport.declarations.selectors import get_declaration_for
from eport.declarations.snapshot import snapshot
from eport.web.templatetags.eport import ACTION_WORDS
from ledger import keys, merkle, notary, proofs
from ledger.models import Checkpoint, Entry, WitnessRefusal
from ledger.receipts import ReceiptUnavailable, build_receipt, receipt_bytes
from ledger.verify_receipt import verify_receipt

from . import browse, evidence, release_note, services
from . import checkpoints as checkpoint_checks
from . import receipts as declaration_receipts
from .models import VerificationRun

MAX_RECEIPT_BYTES = 1024 * 1024


def auditor_required(view):
    """Signed-in auditors only: others are told the workspace is for the audit function."""

    @login_required
    def wrapped(request, *args, **kwargs):
        if not request.user.is_auditor:
            raise PermissionDenied("The audit workspace is for the customs audit function.")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _int_param(request, name: str) -> int | None:
    value = request.GET.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise browse.FilterError(f"{name} must be a whole number, not {value!r}")
    return int(value)


def _moment(value: str, *, end: bool) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise browse.FilterError(
                f"{value!r} is not a date or time; write 2026-11-27 or 2026-11-27T20:22"
            )
        # "until 27 November" means through the end of that day.
        moment = datetime.combine(day, time.max if end else time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


# --- Ledger browser -------------------------------------------------------------------------


@require_GET
@auditor_required
def workspace(request: HttpRequest) -> HttpResponse:
    """Where the auditor starts: the ledger's head, its latest checkpoint, the last run."""
    head = browse.head_seq()
    latest = Checkpoint.objects.order_by("-size").first()
    return render(
        request,
        "audit/workspace.html",
        {
            "head_seq": head,
            "about": 0 if head is None else head + 1,
            "latest_checkpoint": latest,
            "notarized": notary.latest_notarized(),
            "last_run": VerificationRun.objects.first(),
            "witnesses": checkpoint_checks.witness_standing(),
        },
    )


@require_GET
@auditor_required
def ledger_browser(request: HttpRequest) -> HttpResponse:
    """Entries filtered by time, actor, action and subject; newest first, keyset by seq."""
    form = {name: request.GET.get(name, "").strip() for name in ("actor", "action", "subject")}
    form.update({name: request.GET.get(name, "").strip() for name in ("since", "until")})
    error = ""
    page = None
    try:
        entry_filter = browse.EntryFilter(
            actor=browse.resolve_actor(form["actor"]),
            action=form["action"],
            subject=browse.resolve_subject(form["subject"]),
            since=_moment(form["since"], end=False),
            until=_moment(form["until"], end=True),
        )
        page = browse.browse_entries(
            entry_filter, before=_int_param(request, "before"), after=_int_param(request, "after")
        )
    except browse.FilterError as problem:
        error = str(problem)
    # Plain strings: at 50 rows, template filters on model fields cost more than the query.
    rows = [
        {
            "seq": entry.seq,
            "time": entry.time.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            "actor": entry.actor,
            "action": entry.action,
            "subject": entry.subject,
            "hash": bytes(entry.hash).hex()[:16],
        }
        for entry in (page.entries if page else [])
    ]
    return render(
        request,
        "audit/ledger.html",
        {
            "form": form,
            "error": error,
            "page": page,
            "rows": rows,
            "actions": sorted(ACTION_WORDS),
        },
        status=400 if error else 200,
    )


def _inclusion(entry: Entry) -> dict:
    """The entry's inclusion proof against the latest notarized checkpoint, checked here."""
    checkpoint = notary.latest_notarized()
    if checkpoint is None:
        return {"problem": "No checkpoint is notarized yet."}
    if entry.seq >= checkpoint.size:
        return {
            "checkpoint": checkpoint,
            "problem": (
                f"Not in a notarized checkpoint yet: the latest covers entries 0–"
                f"{checkpoint.size - 1}. The next checkpoint will include it."
            ),
        }
    hashes = proofs.inclusion_proof(entry.seq, checkpoint.size)
    leaf = merkle.leaf_hash(bytes(entry.canonical))
    root = merkle.root_from_inclusion(leaf, entry.seq, checkpoint.size, hashes)
    return {
        "checkpoint": checkpoint,
        "leaf": leaf.hex(),
        "hashes": [item.hex() for item in hashes],
        "root": root.hex(),
        "ok": root == bytes(checkpoint.root),
    }


@require_GET
@auditor_required
def entry_detail(request: HttpRequest, seq: int) -> HttpResponse:
    """One entry: its canonical bytes, hashes, and inclusion proof against the latest checkpoint."""
    entry = get_object_or_404(Entry, seq=seq)
    raw = bytes(entry.canonical)
    content = json.loads(raw)
    declaration = None
    if entry.subject.startswith("declaration:"):
        declaration = Declaration.objects.filter(
            uuid=_uuid_or_none(entry.subject.split(":", 1)[1])
        ).first()
    return render(
        request,
        "audit/entry.html",
        {
            "entry": entry,
            "canonical": raw.decode("utf-8"),
            "pretty": json.dumps(content, indent=2, ensure_ascii=False),
            "content": content,
            "leaf_hash": merkle.leaf_hash(raw).hex(),
            "stored_hash_ok": bytes(entry.hash) == hashlib.sha256(raw).digest(),
            "inclusion": _inclusion(entry),
            "declaration": declaration,
            "has_next": Entry.objects.filter(seq=seq + 1).exists(),
        },
    )


def _uuid_or_none(text: str):
    try:
        return uuid_module.UUID(text)
    except ValueError:
        return None


@require_GET
@auditor_required
def entry_receipt(request: HttpRequest, seq: int) -> HttpResponse:
    """The receipt of any entry, for the auditor (subject snapshot only where it is the state)."""
    entry = get_object_or_404(Entry, seq=seq)
    try:
        if entry.subject.startswith("declaration:"):
            declaration = Declaration.objects.filter(
                uuid=_uuid_or_none(entry.subject.split(":", 1)[1])
            ).first()
            if declaration is not None:
                receipt = declaration_receipts.declaration_receipt(declaration, seq=seq)
            else:
                receipt = build_receipt(seq)
        else:
            receipt = build_receipt(seq)
    except ReceiptUnavailable as problem:
        return _unavailable(request, str(problem), reverse("audit:entry", args=[seq]))
    return _download(receipt_bytes(receipt), f"receipt-entry-{seq}.json", "application/json")


def _unavailable(request, message: str, back: str) -> HttpResponse:
    return render(request, "audit/unavailable.html", {"message": message, "back": back}, status=409)


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Checkpoints and witnesses -------------------------------------------------------------


@require_GET
@auditor_required
def checkpoint_list(request: HttpRequest) -> HttpResponse:
    """Checkpoints newest first with their signatures; witnesses' standing and refusals."""
    try:
        before = _int_param(request, "before")
    except browse.FilterError as problem:
        return render(request, "audit/unavailable.html", {"message": str(problem)}, status=400)
    queryset = Checkpoint.objects.order_by("-size").prefetch_related("cosignatures")
    if before is not None:
        queryset = queryset.filter(size__lt=before)
    rows = list(queryset[:26])
    older = rows[24].size if len(rows) > 25 else None
    rows = rows[:25]
    quorum = notary.quorum()
    witness_names = set(keys.witness_names())
    listed = [
        {
            "checkpoint": checkpoint,
            "witnesses": sorted(
                c.witness for c in checkpoint.cosignatures.all() if c.witness in witness_names
            ),
        }
        for checkpoint in rows
    ]
    for row in listed:
        row["notarized"] = len(row["witnesses"]) >= quorum
    return render(
        request,
        "audit/checkpoints.html",
        {
            "rows": listed,
            "older": older,
            "quorum": quorum,
            "witnesses": checkpoint_checks.witness_standing(),
            "refusals": WitnessRefusal.objects.order_by("-id")[:20],
            "keys": keys.verifier_keys(),
        },
    )


@require_GET
@auditor_required
def checkpoint_detail(request: HttpRequest, size: int) -> HttpResponse:
    """One checkpoint: its signed note and who signed it."""
    checkpoint = get_object_or_404(Checkpoint, size=size)
    return render(
        request,
        "audit/checkpoint.html",
        {
            "checkpoint": checkpoint,
            "note": notary.signed_note(checkpoint),
            "root_hex": bytes(checkpoint.root).hex(),
            "root_b64": base64.b64encode(bytes(checkpoint.root)).decode(),
            "cosignatures": checkpoint.cosignatures.order_by("id"),
            "refusals": WitnessRefusal.objects.filter(size=size),
            "notarized": notary.is_notarized(checkpoint),
        },
    )


# --- Verification runs ---------------------------------------------------------------------


@require_GET
@auditor_required
def verification(request: HttpRequest) -> HttpResponse:
    """Start a verification, and the history of runs."""
    return render(
        request,
        "audit/verification.html",
        {"runs": VerificationRun.objects.select_related("requested_by")[:50]},
    )


@require_POST
@auditor_required
def verification_start(request: HttpRequest) -> HttpResponse:
    """Queue a run ("verify now" or "reconcile now") and show its progress."""
    kind = request.POST.get("kind", VerificationRun.Kind.FULL)
    try:
        run = services.request_verification(actor=request.user, kind=kind)
    except services.AuditError as problem:
        messages.error(request, str(problem))
        return redirect("audit:verification")
    return redirect("audit:run", run_id=run.pk)


@require_GET
@auditor_required
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    """One run: a progress bar while it runs (refresh link without JS), its findings after."""
    run = get_object_or_404(VerificationRun.objects.select_related("requested_by"), pk=run_id)
    return render(
        request,
        "audit/run.html",
        {"run": run, "mismatches": run.mismatches.all()[:200]},
    )


@require_GET
@auditor_required
def run_progress(request: HttpRequest, run_id: int) -> JsonResponse:
    """The run's progress as JSON, for the progress bar."""
    run = get_object_or_404(VerificationRun, pk=run_id)
    return JsonResponse(
        {
            "id": run.pk,
            "status": run.status,
            "status_label": run.get_status_display(),
            "finished": run.is_finished,
            "phase": run.phase,
            "checked": run.checked,
            "total": run.total,
            "percent": run.percent,
            "rate": round(run.rate),
            "summary": run.summary,
        }
    )


# --- Evidence ------------------------------------------------------------------------------


@require_GET
@auditor_required
def evidence_form(request: HttpRequest) -> HttpResponse:
    """Choose a declaration or a seq range to export."""
    return render(request, "audit/evidence.html", {"max_entries": evidence.MAX_ENTRIES})


@require_GET
@auditor_required
def evidence_download(request: HttpRequest) -> HttpResponse:
    """The evidence zip of a declaration (by number or uuid) or of a seq range."""
    back = reverse("audit:evidence")
    try:
        declaration_text = request.GET.get("declaration", "").strip()
        if declaration_text:
            subject = browse.resolve_subject(declaration_text)
            declaration = Declaration.objects.filter(
                uuid=_uuid_or_none(subject.split(":", 1)[-1])
            ).first()
            if declaration is None:
                raise browse.FilterError(f"no declaration matches {declaration_text!r}")
            package = evidence.declaration_package(declaration)
        else:
            from_seq, to_seq = _int_param(request, "from"), _int_param(request, "to")
            if from_seq is None or to_seq is None:
                raise browse.FilterError("give a declaration, or both ends of a seq range")
            package = evidence.range_package(from_seq, to_seq)
    except (browse.FilterError, evidence.EvidenceError) as problem:
        return render(
            request,
            "audit/evidence.html",
            {"max_entries": evidence.MAX_ENTRIES, "error": str(problem), "back": back},
            status=400,
        )
    return _download(package.content, package.filename, "application/zip")


# --- Receipts of a declaration (trader, officers, auditors) -------------------------------


def _site_url(request: HttpRequest) -> str:
    return getattr(settings, "EPORT_SITE_URL", "") or request.build_absolute_uri("/").rstrip("/")


@require_GET
@login_required
def declaration_receipts_page(request: HttpRequest, uuid) -> HttpResponse:
    """A declaration's entries with their receipts, and the release note once it is released."""
    declaration = get_declaration_for(request.user, uuid)
    rows = declaration_receipts.declaration_entries(declaration)
    released = declaration.status == Declaration.Status.RELEASED
    return render(
        request,
        "audit/receipts.html",
        {"declaration": declaration, "rows": rows, "released": released},
    )


@require_GET
@login_required
def declaration_receipt(request: HttpRequest, uuid, seq: int | None = None) -> HttpResponse:
    """The receipt (JSON) of the release entry, or of one entry, of a released declaration."""
    declaration = get_declaration_for(request.user, uuid)
    back = reverse("audit:receipts", args=[declaration.uuid])
    try:
        if declaration.status != Declaration.Status.RELEASED:
            declaration_receipts.release_entry(declaration)  # raises with the reason
        receipt = declaration_receipts.declaration_receipt(declaration, seq=seq)
    except ReceiptUnavailable as problem:
        return _unavailable(request, str(problem), back)
    filename = declaration_receipts.receipt_filename(declaration, receipt["index"])
    return _download(receipt_bytes(receipt), filename, "application/json")


@require_GET
@login_required
def release_note_pdf(request: HttpRequest, uuid) -> HttpResponse:
    """The release note PDF of a released declaration, with its verification QR code."""
    declaration = get_declaration_for(request.user, uuid)
    back = reverse("audit:receipts", args=[declaration.uuid])
    try:
        entry = declaration_receipts.release_entry(declaration)
    except ReceiptUnavailable as problem:
        return _unavailable(request, str(problem), back)
    pdf = release_note.release_note_pdf(
        snapshot=snapshot(declaration),
        entry=entry,
        site_url=_site_url(request),
        origin=settings.EPORT_LEDGER_ORIGIN,
    )
    name = declaration.number or str(declaration.uuid)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="release-note-{name}.pdf"'
    return response


# --- Public verification -------------------------------------------------------------------

RATE_LIMIT = 30  # checks per client address per window
RATE_WINDOW = 60  # seconds


def _client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")


def _rate_limited(request: HttpRequest) -> bool:
    """Count this check against the client's budget; True once the budget is spent."""
    limit = getattr(settings, "EPORT_VERIFY_RATE_LIMIT", RATE_LIMIT)
    key = f"audit:verify:{_client_address(request)}"
    cache.add(key, 0, timeout=RATE_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=RATE_WINDOW)
        count = 1
    return count > limit


def _summary(report, receipt: dict | None) -> dict | None:
    """The cleared declaration's key facts, from the receipt's subject once it has verified."""
    subject_check = report.get("subject")
    if subject_check is None or not subject_check.ok or receipt is None:
        return None
    subject = receipt.get("subject")
    return subject if isinstance(subject, dict) else None


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
    if not seq_text.isdigit() or len(hash_text) != 64:
        return None, "The link is incomplete: it needs the entry's seq and its 64-character hash."
    entry = Entry.objects.filter(seq=int(seq_text)).first()
    if entry is None or entry.entry_hash != hash_text.lower():
        return None, (
            f"No entry {seq_text} with hash {hash_text} is in this ledger: the release note was "
            "not issued here, or it was altered."
        )
    if entry.action != declaration_receipts.RELEASE_ACTION:
        return None, "Only release entries can be checked from a link; upload the receipt instead."
    declaration = Declaration.objects.filter(
        uuid=_uuid_or_none(entry.subject.split(":", 1)[-1])
    ).first()
    try:
        if declaration is not None:
            return declaration_receipts.declaration_receipt(declaration, seq=entry.seq), ""
        return build_receipt(entry.seq), ""
    except ReceiptUnavailable as problem:
        return None, f"The entry exists, but {problem}."


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
        message = (
            f"Too many checks from your address: at most {RATE_LIMIT} a minute. Wait a minute "
            "and try again, or verify offline with python -m ledger.verify_receipt."
        )
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
                context["error"] = (
                    f"The file is {upload.size // 1024} KB; a receipt is at most "
                    f"{MAX_RECEIPT_BYTES // 1024} KB. Is it the right file?"
                )
                return render(request, "audit/verify.html", context, status=400)
            receipt_text = upload.read()
        else:
            receipt_text = request.POST.get("receipt", "")
            if not receipt_text and request.content_type == "application/json":
                receipt_text = request.body[: MAX_RECEIPT_BYTES + 1]
        if not receipt_text or not str(receipt_text).strip():
            context["error"] = "Paste a receipt or choose a receipt file to check."
            return render(request, "audit/verify.html", context, status=400)
        if len(receipt_text) > MAX_RECEIPT_BYTES:
            context["error"] = f"A receipt is at most {MAX_RECEIPT_BYTES // 1024} KB."
            return render(request, "audit/verify.html", context, status=400)
        context["pasted"] = receipt_text if isinstance(receipt_text, str) else ""

    trusted = keys.verifier_keys()
    report = verify_receipt(
        receipt_text,
        trusted,
        ledger_key_name=keys.ledger_key_name(),
        quorum=notary.quorum(),
    )
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
    context.update({"report": report, "facts": facts, "summary": summary, "keys": trusted})
    return render(request, "audit/verify.html", context)
