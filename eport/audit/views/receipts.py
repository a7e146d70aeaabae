"""Traders' receipts: a declaration's receipts page, receipt downloads, the release note PDF."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from eport.core.receipt_checks import receipt_problem
from eport.declarations.models import Declaration
from eport.declarations.selectors import get_declaration_for
from eport.declarations.snapshot import snapshot
from eport.web.responses import download, unavailable
from ledger import conf as ledger_conf
from ledger.receipts import ReceiptUnavailable, receipt_bytes

from .. import receipts as declaration_receipts
from .. import release_note


def _site_url(request: HttpRequest) -> str:
    # Behind a proxy the request's own address may not be the public one printed on paper.
    return settings.EPORT_SITE_URL or request.build_absolute_uri("/").rstrip("/")


# --- Receipts of a declaration (trader, officers, auditors) -------------------------------


# The page that waits for a receipt asks again by itself: an HTTP Refresh header (the HTML
# standard's declarative refresh, as a meta refresh would be; no script needed, CSP allows it),
# with a link that stops it (WCAG 2.2.1: a person can turn the timing off).
STOP_REFRESHING = "refresh"


def _refreshing(request: HttpRequest, response: HttpResponse, seconds: int, url: str):
    if request.GET.get(STOP_REFRESHING) != "off":
        response["Refresh"] = f"{seconds}; url={url}"
    return response


@require_GET
@login_required
def declaration_receipts_page(request: HttpRequest, uuid) -> HttpResponse:
    """A declaration's entries with their receipts, and the release note once it is released;
    while the release receipt waits for the next checkpoint, the page says when and refreshes."""
    declaration = get_declaration_for(request.user, uuid)
    rows = declaration_receipts.declaration_entries(declaration)
    released = declaration.status == Declaration.Status.RELEASED
    readiness = declaration_receipts.release_receipt_readiness(declaration)
    pending = readiness is not None and not readiness.ready
    response = render(
        request,
        "audit/receipts.html",
        {
            "declaration": declaration,
            "rows": rows,
            "released": released,
            "readiness": readiness,
            "pending": pending,
            "refreshing": pending and request.GET.get(STOP_REFRESHING) != "off",
        },
    )
    if pending:
        page = reverse("audit:receipts", args=[declaration.uuid])
        return _refreshing(request, response, readiness.refresh_seconds, page)
    return response


@require_GET
@login_required
def declaration_receipt(request: HttpRequest, uuid, seq: int | None = None) -> HttpResponse:
    """The receipt (JSON) of the release entry, or of one entry, of a released declaration;
    asked for before the next checkpoint covers the entry, a page that says when it is ready."""
    declaration = get_declaration_for(request.user, uuid)
    back = reverse("audit:receipts", args=[declaration.uuid])
    try:
        receipt = declaration_receipts.released_declaration_receipt(
            request.user, declaration, seq=seq
        )
    except ReceiptUnavailable as problem:
        if not declaration_receipts.entry_is_waiting(declaration, seq):
            return unavailable(request, receipt_problem(problem), back)
        refresh = declaration_receipts.refresh_interval()
        response = render(
            request,
            "audit/receipt_pending.html",
            {
                "declaration": declaration,
                "within_seconds": declaration_receipts.usual_wait(),
                "refresh_seconds": refresh,
                "refreshing": request.GET.get(STOP_REFRESHING) != "off",
                "back": back,
            },
            status=409,
        )
        response["Retry-After"] = str(refresh)
        # Once ready, the receipts page has the link (a download would leave this page as is).
        return _refreshing(request, response, refresh, back)
    filename = declaration_receipts.receipt_filename(declaration, receipt["index"])
    return download(receipt_bytes(receipt), filename, "application/json")


@require_GET
@login_required
def release_note_pdf(request: HttpRequest, uuid) -> HttpResponse:
    """The release note PDF of a released declaration, with its verification QR code."""
    declaration = get_declaration_for(request.user, uuid)
    back = reverse("audit:receipts", args=[declaration.uuid])
    try:
        entry = declaration_receipts.release_entry(declaration)
    except ReceiptUnavailable as problem:
        return unavailable(request, receipt_problem(problem), back)
    pdf = release_note.release_note_pdf(
        snapshot=snapshot(declaration),
        entry=entry,
        site_url=_site_url(request),
        origin=ledger_conf.origin(),
    )
    name = declaration.number or str(declaration.uuid)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="release-note-{name}.pdf"'
    return response
