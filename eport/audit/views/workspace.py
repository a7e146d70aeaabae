"""The auditor's workspace: ledger browser, entries, checkpoints, verification runs, evidence."""

from __future__ import annotations

import base64
import hashlib
import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from eport.core.receipt_checks import receipt_problem
from eport.declarations.models import Declaration
from eport.declarations.selectors import declaration_receipt
from eport.web.responses import download, unavailable
from eport.web.templatetags.eport import ACTION_WORDS, time_tag
from ledger import keys, merkle, notarized, proofs
from ledger.models import Checkpoint, Entry, WitnessRefusal
from ledger.receipts import ReceiptUnavailable, build_receipt, receipt_bytes

from .. import browse, evidence, services
from .. import checkpoints as checkpoint_checks
from ..models import VerificationRun
from ..run_state import progress_line, run_state
from .common import auditor_required, int_param, parse_moment, uuid_or_none

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
            "notarized": notarized.latest_notarized(),
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
            since=parse_moment(form["since"], end=False),
            until=parse_moment(form["until"], end=True),
        )
        page = browse.browse_entries(
            entry_filter, before=int_param(request, "before"), after=int_param(request, "after")
        )
    except browse.FilterError as problem:
        error = str(problem)
    # Plain strings: at 50 rows, template filters on model fields cost more than the query.
    # Each entry's page differs only by its number: one reverse() for the whole page.
    entry_url = reverse("audit:entry", args=[0])[: -len("0/")]
    rows = [
        {
            "seq": entry.seq,
            "url": f"{entry_url}{entry.seq}/",
            "time": time_tag(entry.time, "seconds utc"),
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
    checkpoint = notarized.latest_notarized()
    if checkpoint is None:
        return {"problem": _("No checkpoint is notarized yet.")}
    if entry.seq >= checkpoint.size:
        return {
            "checkpoint": checkpoint,
            "problem": _(
                "Not in a notarized checkpoint yet: the latest covers entries 0–%(last)s. "
                "The next checkpoint will include it."
            )
            % {"last": checkpoint.size - 1},
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
            uuid=uuid_or_none(entry.subject.split(":", 1)[1])
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


@require_GET
@auditor_required
def entry_receipt(request: HttpRequest, seq: int) -> HttpResponse:
    """The receipt of any entry, for the auditor (subject snapshot only where it is the state)."""
    entry = get_object_or_404(Entry, seq=seq)
    try:
        if entry.subject.startswith("declaration:"):
            declaration = Declaration.objects.filter(
                uuid=uuid_or_none(entry.subject.split(":", 1)[1])
            ).first()
            if declaration is not None:
                receipt = declaration_receipt(request.user, declaration, seq)
            else:
                receipt = build_receipt(seq)
        else:
            receipt = build_receipt(seq)
    except ReceiptUnavailable as problem:
        return unavailable(request, receipt_problem(problem), reverse("audit:entry", args=[seq]))
    return download(receipt_bytes(receipt), f"receipt-entry-{seq}.json", "application/json")


# --- Checkpoints and witnesses -------------------------------------------------------------


@require_GET
@auditor_required
def checkpoint_list(request: HttpRequest) -> HttpResponse:
    """Checkpoints newest first with their signatures; witnesses' standing and refusals."""
    try:
        before = int_param(request, "before")
    except browse.FilterError as problem:
        return unavailable(request, str(problem), status=400)
    queryset = Checkpoint.objects.order_by("-size").prefetch_related("cosignatures")
    if before is not None:
        queryset = queryset.filter(size__lt=before)
    rows = list(queryset[:26])
    older = rows[24].size if len(rows) > 25 else None
    rows = rows[:25]
    quorum = notarized.quorum()
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
            "note": notarized.signed_note(checkpoint),
            "root_hex": bytes(checkpoint.root).hex(),
            "root_b64": base64.b64encode(bytes(checkpoint.root)).decode(),
            "cosignatures": checkpoint.cosignatures.order_by("id"),
            "refusals": WitnessRefusal.objects.filter(size=size),
            "notarized": notarized.is_notarized(checkpoint),
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
        {
            "run": run,
            "mismatches": run.mismatches.all()[:200],
            "waiting_for_broker": services.is_waiting_for_broker(run),
        },
    )


@require_GET
@auditor_required
def run_progress(request: HttpRequest, run_id: int) -> JsonResponse:
    """The run's progress as JSON, for the progress bar."""
    run = get_object_or_404(VerificationRun, pk=run_id)
    state = run_state(run, waiting_for_broker=services.is_waiting_for_broker(run))
    return JsonResponse(
        {
            "id": run.pk,
            "status": run.status,
            "status_label": run.get_status_display(),
            "finished": run.is_finished,
            "phase": run.phase,
            "phase_label": str(run.phase_label),
            "checked": run.checked,
            "total": run.total,
            "percent": run.percent,
            "rate": round(run.rate),
            "summary": run.summary,
            # The line under the bar, in the reader's language, with the numbers localised.
            "progress_text": progress_line(run) if run.phase else "",
            # The badge and the line as the page shows them (eport.audit.run_state).
            "state": state.as_json(),
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
                uuid=uuid_or_none(subject.split(":", 1)[-1])
            ).first()
            if declaration is None:
                raise browse.FilterError(
                    _("no declaration matches %(text)r") % {"text": declaration_text}
                )
            package = evidence.declaration_package(declaration)
        else:
            from_seq, to_seq = int_param(request, "from"), int_param(request, "to")
            if from_seq is None or to_seq is None:
                raise browse.FilterError(_("give a declaration, or both ends of a seq range"))
            package = evidence.range_package(from_seq, to_seq)
    except (browse.FilterError, evidence.EvidenceError) as problem:
        return render(
            request,
            "audit/evidence.html",
            {"max_entries": evidence.MAX_ENTRIES, "error": str(problem), "back": back},
            status=400,
        )
    return download(package.content, package.filename, "application/zip")
