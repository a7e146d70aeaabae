"""What each person may see: the one place the visibility rule of declarations lives.

A trader sees its company's declarations, an officer its office's (drafts are the trader's own
business and stay invisible), an auditor everything. Anything outside that does not exist for the
person asking: lookups raise Http404, never "forbidden".
"""

from __future__ import annotations

import uuid as uuid_module
from datetime import timedelta

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from ledger.models import Entry

from . import risk
from .models import Declaration, Document
from .snapshot import snapshot, state_digest

__all__ = [
    "OPEN_STATUSES",
    "declarations_for",
    "get_declaration_for",
    "get_document_for",
    "officer_queue",
    "risk_reasons_for",
    "search_declarations",
    "snapshot",
    "state_digest",
    "timeline",
]

Status = Declaration.Status
# Declarations an office still has to act on or wait for; the queue shows these by default.
OPEN_STATUSES = (
    Status.SUBMITTED,
    Status.UNDER_REVIEW,
    Status.QUERY,
    Status.INSPECTION,
    Status.ASSESSED,
    Status.PAID,
)
LIST_RELATED = ("company", "office", "assigned_officer")


def declarations_for(user) -> QuerySet[Declaration]:
    """Every declaration this user may see, with company and office joined (no N+1 in lists)."""
    queryset = Declaration.objects.select_related(*LIST_RELATED)
    if user is None or not getattr(user, "is_authenticated", False):
        return queryset.none()
    if user.is_trader and user.company_id:
        return queryset.filter(company_id=user.company_id)
    if user.is_officer and user.office_id:
        return queryset.filter(office_id=user.office_id).exclude(status=Status.DRAFT)
    if user.is_auditor:
        return queryset
    return queryset.none()


def _parse_uuid(value) -> uuid_module.UUID:
    try:
        return value if isinstance(value, uuid_module.UUID) else uuid_module.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise Http404("No such declaration.") from None


def get_declaration_for(user, uuid) -> Declaration:
    """The declaration with this uuid if this user may see it; Http404 otherwise."""
    declaration = declarations_for(user).filter(uuid=_parse_uuid(uuid)).first()
    if declaration is None:
        raise Http404("No such declaration.")
    return declaration


def get_document_for(user, uuid) -> Document:
    """The document with this uuid if this user may see its declaration; Http404 otherwise."""
    visible = declarations_for(user).values("pk")
    document = (
        Document.objects.select_related("declaration")
        .filter(uuid=_parse_uuid(uuid), declaration_id__in=visible)
        .first()
    )
    if document is None:
        raise Http404("No such document.")
    return document


def officer_queue(
    user, *, lane=None, status=None, age_days=None, company=None
) -> QuerySet[Declaration]:
    """The office's work: red lane first, then the oldest submission first.

    ``status`` defaults to the open statuses; ``age_days`` keeps declarations submitted at least
    that many days ago; ``company`` is a Company, its id or its USCI.
    """
    if user is None or not getattr(user, "is_officer", False) or not user.office_id:
        return Declaration.objects.none()
    queryset = Declaration.objects.select_related(*LIST_RELATED).filter(office_id=user.office_id)
    if status:
        queryset = queryset.filter(status=status)
    else:
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    if lane:
        queryset = queryset.filter(lane=lane)
    if age_days not in (None, ""):
        queryset = queryset.filter(submitted_at__lte=timezone.now() - timedelta(days=int(age_days)))
    if company not in (None, ""):
        if hasattr(company, "pk"):
            queryset = queryset.filter(company_id=company.pk)
        elif str(company).isdigit() and len(str(company)) != 18:
            queryset = queryset.filter(company_id=int(company))
        else:
            queryset = queryset.filter(company__usci=str(company).strip().upper())
    return queryset.annotate(
        lane_rank=Case(
            When(lane=Declaration.Lane.RED, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("lane_rank", "submitted_at", "id")


def search_declarations(user, q: str, status=None) -> QuerySet[Declaration]:
    """Visible declarations whose number (or its start), LRN or transport document is ``q``."""
    queryset = declarations_for(user)
    if status:
        queryset = queryset.filter(status=status)
    text = (q or "").strip()
    if not text:
        return queryset.order_by("-created_at")
    condition = Q(lrn=text) | Q(transport_document=text.upper())
    if text.isdigit():
        condition |= Q(number=text) if len(text) == 18 else Q(number__startswith=text)
    return queryset.filter(condition).order_by("-created_at")


def timeline(declaration: Declaration) -> list[Entry]:
    """Every ledger entry about this declaration (documents included), oldest first."""
    return list(Entry.objects.filter(subject=declaration.ledger_subject).order_by("seq"))


def risk_reasons_for(user, declaration: Declaration) -> list[str]:
    """Why the declaration is in its lane: rule names and notes for customs and auditors,
    only what to expect (e.g. "Documentary check") for traders."""
    reasons = declaration.risk_reasons or []
    if getattr(user, "is_trader", False):
        return risk.trader_instructions(reasons)
    lines = []
    for match in reasons:
        text = f"{match.get('name')} ({match.get('lane')}): {match.get('reason', '')}"
        if match.get("officer_note"):
            text += f". {match['officer_note']}"
        lines.append(text)
    return lines
