"""What each person may see: the one place the visibility rule of declarations lives.

A trader sees its company's declarations, an officer its office's (drafts are the trader's own
business and stay invisible), an inspection agency's officer those whose goods wait for (or had)
its inspection, an auditor everything. Anything outside that does not exist for the
person asking: lookups raise Http404, never "forbidden".
"""

from __future__ import annotations

import uuid as uuid_module
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    prefetch_related_objects,
)
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from eport.accounts.models import Company
from ledger.models import Entry
from ledger.receipts import build_receipt, subject_digest
from ledger.selectors import EntryNotFound, entries_about, recorded_state

from . import risk
from .models import Declaration, DeclarationNote, Document, GoodsItem, PostClearanceReview
from .snapshot import snapshot, state_digest

__all__ = [
    "HELD",
    "OPEN_STATUSES",
    "DeclarationLedger",
    "ListFilters",
    "colleagues_for",
    "date_range_problem",
    "declaration_ledger",
    "declaration_list",
    "declaration_receipt",
    "declarations_for",
    "get_declaration_for",
    "get_document_for",
    "inspection_queue",
    "may_see_internal",
    "notes_for",
    "officer_queue",
    "post_clearance_for",
    "post_clearance_picks_for",
    "queue_order",
    "risk_reasons_for",
    "snapshot",
    "state_digest",
    "status_counts",
    "timeline",
    "with_related",
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
    if user.is_agency and user.agency_id:
        # Only inspection agencies are ever a declaration's inspection agency.
        return queryset.filter(inspection_agency_id=user.agency_id).exclude(status=Status.DRAFT)
    if user.is_auditor:
        return queryset
    return queryset.none()


def _parse_uuid(value) -> uuid_module.UUID:
    try:
        return value if isinstance(value, uuid_module.UUID) else uuid_module.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise Http404(_("No such declaration.")) from None


def get_declaration_for(user, uuid, *, id_only: bool = False) -> Declaration:
    """The declaration with this uuid if this user may see it; Http404 otherwise.

    ``id_only``: only its id is read (any other field is read when first used), for a service
    that locks and reads the declaration itself; building the full row's query costs more CPU
    than running it.
    """
    visible = declarations_for(user)
    if id_only:
        visible = visible.select_related(None).only("pk")
    # get(), not first(): the uuid is unique, and an ORDER BY would only cost compiling it.
    try:
        return visible.get(uuid=_parse_uuid(uuid))
    except Declaration.DoesNotExist:
        raise Http404(_("No such declaration.")) from None


def get_document_for(user, uuid) -> Document:
    """The document with this uuid if this user may see its declaration; Http404 otherwise."""
    visible = declarations_for(user).values("pk")
    document = (
        Document.objects.select_related("declaration")
        .filter(uuid=_parse_uuid(uuid), declaration_id__in=visible)
        .first()
    )
    if document is None:
        raise Http404(_("No such document."))
    return document


@dataclass(frozen=True)
class ListFilters:
    """What a list of declarations may be narrowed by; each filter means the same everywhere.

    ``q``: a declaration number (or its start), an LRN or a transport document. ``status``: one
    status, or ``OPEN`` for those an office still has to act on. ``company``: the declarant's
    USCI, or part of its name. ``age_days``: submitted at least that many days ago.
    ``hs_code``: the start of any goods item's HS code. ``party``: part of the consignor's,
    consignee's or declarant's name, in any case. ``date_from``/``date_to``: the day (in the
    current time zone, both included) the declaration was submitted, or last updated when
    ``date_by`` is ``UPDATED``. ``inspection``: an inspection status (``Declaration.Inspection``),
    or ``NO_INSPECTION`` for declarations whose goods need none.
    """

    q: str = ""
    status: str = ""
    lane: str = ""
    flow: str = ""
    company: str = ""
    age_days: int | None = None
    hs_code: str = ""
    party: str = ""
    date_from: date | None = None
    date_to: date | None = None
    date_by: str = ""
    inspection: str = ""


OPEN = "open"
NO_INSPECTION = "none"
SUBMITTED, UPDATED = "submitted", "updated"
# How many companies a party search looks up by id before it matches their names instead.
PARTY_COMPANIES = 500


def date_range_problem(date_from: date | None, date_to: date | None) -> str:
    """Why this date range cannot be searched ("" when it can): the one rule pages and API use."""
    if date_from and date_to and date_to < date_from:
        return _(
            "The end date %(to)s is before the start date %(from)s: choose an end date on or "
            "after the start date."
        ) % {"to": date_to.isoformat(), "from": date_from.isoformat()}
    return ""


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def declaration_list(user, filters: ListFilters = ListFilters()) -> QuerySet[Declaration]:
    """The declarations this user may see that match ``filters``, unordered."""
    queryset = declarations_for(user)
    if filters.status == OPEN:
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.lane:
        queryset = queryset.filter(lane=filters.lane)
    if filters.flow:
        queryset = queryset.filter(flow=filters.flow)
    if filters.inspection:
        inspection = "" if filters.inspection == NO_INSPECTION else filters.inspection
        queryset = queryset.filter(inspection_status=inspection)
    if filters.age_days is not None:
        queryset = queryset.filter(
            submitted_at__lte=timezone.now() - timedelta(days=filters.age_days)
        )
    company = filters.company.strip()
    if company:
        if len(company) == 18 and company.isalnum():
            queryset = queryset.filter(company__usci=company.upper())
        else:
            queryset = queryset.filter(company__name__icontains=company)
    text = filters.q.strip()
    if text:
        condition = Q(lrn=text) | Q(transport_document=text.upper())
        if text.isdigit():
            condition |= Q(number=text) if len(text) == 18 else Q(number__startswith=text)
        queryset = queryset.filter(condition)
    hs_code = filters.hs_code.strip()
    if hs_code:
        # EXISTS, not a join: a declaration with several matching items is listed once.
        queryset = queryset.filter(
            Exists(
                GoodsItem.objects.filter(declaration_id=OuterRef("pk"), hs_code__startswith=hs_code)
            )
        )
    party = filters.party.strip()
    if party:
        # The companies are looked up first, so each of the three conditions is answered by an
        # index (trigram indexes on the party names, migration 0007) and PostgreSQL ORs them.
        # A word most companies' names share is matched by name instead: a list that long
        # would not be read from the index anyway.
        companies = list(
            Company.objects.filter(name__icontains=party).values_list("pk", flat=True)[
                : PARTY_COMPANIES + 1
            ]
        )
        if len(companies) > PARTY_COMPANIES:
            declarant = Q(company__name__icontains=party)
        else:
            declarant = Q(company_id__in=companies)
        queryset = queryset.filter(
            Q(consignor_name__icontains=party) | Q(consignee_name__icontains=party) | declarant
        )
    if not date_range_problem(filters.date_from, filters.date_to):
        field = "updated_at" if filters.date_by == UPDATED else "submitted_at"
        if filters.date_from:
            queryset = queryset.filter(**{f"{field}__gte": _start_of(filters.date_from)})
        if filters.date_to:
            end = _start_of(filters.date_to + timedelta(days=1))
            queryset = queryset.filter(**{f"{field}__lt": end})
    return queryset


def queue_order(queryset: QuerySet[Declaration]) -> QuerySet[Declaration]:
    """An office's work order: red lane first, then the oldest submission first."""
    return queryset.annotate(
        lane_rank=Case(
            When(lane=Declaration.Lane.RED, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("lane_rank", "submitted_at", "id")


def officer_queue(user, *, lane="", status="", age_days=None, company="") -> QuerySet[Declaration]:
    """The office's work (the open statuses unless ``status`` says otherwise), in work order."""
    if user is None or not getattr(user, "is_officer", False) or not user.office_id:
        return Declaration.objects.none()
    filters = ListFilters(
        status=status or OPEN, lane=lane or "", age_days=age_days, company=company or ""
    )
    return queue_order(declaration_list(user, filters))


def inspection_queue(user, *, inspection: str = "") -> QuerySet[Declaration]:
    """An inspection agency's work: its declarations waiting for inspection (or in the
    ``inspection`` status asked for), the oldest submission first."""
    if user is None or not getattr(user, "is_agency", False) or not user.agency_id:
        return Declaration.objects.none()
    filters = ListFilters(inspection=inspection or Declaration.Inspection.PENDING)
    return declaration_list(user, filters).order_by("submitted_at", "id")


def status_counts(user) -> dict[str, int]:
    """How many declarations this user may see are in each status."""
    return dict(
        declarations_for(user)
        .order_by()
        .values_list("status")
        # COUNT(*), not COUNT(id): the (company, status, ...) index alone answers it.
        .annotate(n=Count("*"))
        .values_list("status", "n")
    )


# Related rows a caller already holds, kept on the declaration under these names as
# ``Prefetch(..., to_attr=...)`` would, so whoever shows it reads only what is missing.
HELD = {"items": "held_items", "documents": "held_documents", "queries": "held_queries"}


def with_related(declaration: Declaration) -> Declaration:
    """The declaration with its goods items, documents and queries held (``HELD``)."""
    missing = [
        Prefetch(name, to_attr=attribute)
        for name, attribute in HELD.items()
        if not hasattr(declaration, attribute)
    ]
    if missing:
        prefetch_related_objects([declaration], *missing)
    return declaration


def timeline(declaration: Declaration) -> list[Entry]:
    """Every ledger entry about this declaration (documents included), oldest first."""
    return list(entries_about(declaration.ledger_subject))


def risk_reasons_for(user, declaration: Declaration) -> list[str]:
    """Why the declaration is in its lane: rule names and notes for customs and auditors,
    only what to expect (e.g. "Documentary check") for traders and other agencies' officers."""
    reasons = declaration.risk_reasons or []
    if getattr(user, "is_trader", False) or getattr(user, "is_agency", False):
        return risk.trader_instructions(reasons)
    lines = []
    for match in reasons:
        text = f"{match.get('name')} ({match.get('lane')}): {match.get('reason', '')}"
        if match.get("officer_note"):
            text += f". {match['officer_note']}"
        lines.append(text)
    return lines


# --- A declaration's ledger entries and receipts ---------------------------------------------


@dataclass(frozen=True)
class DeclarationLedger:
    """A declaration's ledger entries, oldest first, and the snapshot its receipts may carry.

    ``snapshot`` is the live declaration's snapshot only when it is the state the latest entry
    recorded (``state``); otherwise None, and no receipt carries a snapshot.
    """

    entries: list[Entry]
    snapshot: dict | None
    state: str | None

    def subject_for(self, entry: Entry) -> dict | None:
        """The snapshot for ``entry``'s receipt: only if the entry recorded exactly that state."""
        if self.snapshot is not None and recorded_state(entry) == self.state:
            return self.snapshot
        return None

    def entry(self, seq: int | None = None) -> Entry:
        """The entry ``seq`` of this declaration (default: its latest); EntryNotFound if none."""
        if not self.entries:
            raise EntryNotFound(_("This declaration has no ledger entries."))
        if seq is None:
            return self.entries[-1]
        for entry in self.entries:
            if entry.seq == seq:
                return entry
        raise EntryNotFound(_("Entry %(seq)s is not about this declaration.") % {"seq": seq})


def declaration_ledger(declaration: Declaration) -> DeclarationLedger:
    """The declaration's entries and the snapshot receipts may carry; the caller scoped it."""
    entries = list(entries_about(declaration.ledger_subject))
    latest_state = recorded_state(entries[-1]) if entries else None
    live = snapshot(declaration)
    if latest_state is not None and subject_digest(live) == latest_state:
        return DeclarationLedger(entries, live, latest_state)
    return DeclarationLedger(entries, None, None)


def declaration_receipt(user, declaration: Declaration, seq: int | None = None) -> dict:
    """The spec-5 receipt of the declaration's entry ``seq`` (default: its latest), for ``user``.

    Http404 if the user may not see the declaration, EntryNotFound if it has no such entry,
    ReceiptUnavailable while no notarized checkpoint covers the entry. The snapshot is included
    only when it is the state the latest entry recorded and this entry recorded it too.
    """
    if not declarations_for(user).filter(pk=declaration.pk).exists():
        raise Http404(_("No such declaration."))
    ledger = declaration_ledger(declaration)
    entry = ledger.entry(seq)
    return build_receipt(entry.seq, subject=ledger.subject_for(entry))


# --- Customs' internal records: notes and post-clearance picks -------------------------------


def may_see_internal(user, declaration: Declaration) -> bool:
    """Whether ``user`` sees customs' internal records of this declaration (notes, picks).

    Its office's officers and auditors do; traders and banks never learn such records exist.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_auditor:
        return True
    return bool(user.is_officer and user.office_id and user.office_id == declaration.office_id)


def notes_for(user, declaration: Declaration) -> QuerySet[DeclarationNote]:
    """The internal notes on this declaration that ``user`` may read (none for traders), oldest
    first."""
    if not may_see_internal(user, declaration):
        return DeclarationNote.objects.none()
    return DeclarationNote.objects.filter(declaration=declaration).select_related("author")


def post_clearance_for(user, declaration: Declaration) -> PostClearanceReview | None:
    """This declaration's post-clearance pick, if there is one and ``user`` may know of it."""
    if not may_see_internal(user, declaration):
        return None
    return (
        PostClearanceReview.objects.filter(declaration=declaration)
        .select_related("officer")
        .first()
    )


def colleagues_for(user) -> QuerySet:
    """The active officers of this officer's office: whom a declaration may be reassigned to."""
    officers = get_user_model().objects.filter(role="officer", is_active=True)
    if not getattr(user, "is_officer", False) or not user.office_id:
        return officers.none()
    return officers.filter(office_id=user.office_id).order_by("username")


def post_clearance_picks_for(user) -> QuerySet[PostClearanceReview]:
    """The post-clearance picks this user may see, newest first: an officer's office's, every one
    for auditors, none for anyone else (traders are not told their declaration was picked)."""
    picks = PostClearanceReview.objects.select_related(
        "declaration__company", "declaration__office", "officer"
    ).order_by("-created_at", "-id")
    if user is None or not getattr(user, "is_authenticated", False):
        return picks.none()
    if user.is_auditor:
        return picks
    if user.is_officer and user.office_id:
        return picks.filter(declaration__office_id=user.office_id)
    return picks.none()
