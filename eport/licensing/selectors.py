"""What each person may see of licences: the one place that decides it, for pages and the API.

A trader sees their company's licences; a licensing officer their agency's; a customs officer the
approved licences (which declarations cite); an auditor every licence; anyone else none.
"""

from __future__ import annotations

import uuid as uuid_module

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from ledger.models import Entry
from ledger.selectors import entries_about

from .models import Licence, LicenceUsage

Status = Licence.Status
LIST_RELATED = ("company", "agency")

# What each side waits for: an agency for its decisions, a trader for answers to its queries.
QUEUE_STATUSES = {"officer": (Status.SUBMITTED,), "trader": (Status.QUERY,)}


def licences_for(user) -> QuerySet[Licence]:
    """Every licence this user may see, with company and agency joined (no N+1 in lists)."""
    queryset = Licence.objects.select_related(*LIST_RELATED)
    if user is None or not getattr(user, "is_authenticated", False):
        return queryset.none()
    if user.is_trader and user.company_id:
        return queryset.filter(company_id=user.company_id)
    if user.is_licensing_officer:
        return queryset.filter(agency_id=user.agency_id)
    if user.is_officer and user.office_id:
        return queryset.filter(status=Status.APPROVED)
    if user.is_auditor:
        return queryset
    return queryset.none()


def get_licence_for(user, uuid) -> Licence:
    """The licence with this uuid if this user may see it; Http404 otherwise (another company's
    licence does not exist)."""
    try:
        key = uuid if isinstance(uuid, uuid_module.UUID) else uuid_module.UUID(str(uuid))
    except (TypeError, ValueError, AttributeError):
        raise Http404(_("No such licence.")) from None
    try:
        return licences_for(user).get(uuid=key)
    except Licence.DoesNotExist:
        raise Http404(_("No such licence.")) from None


def licence_list(user, *, status: str = "", flow: str = "") -> QuerySet[Licence]:
    """The licences this user may see, newest first, with only the given status and flow."""
    queryset = licences_for(user)
    if status:
        queryset = queryset.filter(status=status)
    if flow:
        queryset = queryset.filter(flow=flow)
    return queryset


def licence_queue(user, status: str | None = None) -> QuerySet[Licence]:
    """The licences waiting for this user, oldest first: a licensing officer's agency's
    applications to decide, a trader's queries to answer; ``status`` picks another status."""
    visible = licences_for(user)
    if status:
        statuses = (status,) if status in Status.values else ()
    elif user is not None and getattr(user, "is_licensing_officer", False):
        statuses = QUEUE_STATUSES["officer"]
    elif user is not None and getattr(user, "is_trader", False):
        statuses = QUEUE_STATUSES["trader"]
    else:
        statuses = ()
    return visible.filter(status__in=statuses).order_by("created_at", "pk")


def usages_for(licence: Licence) -> QuerySet[LicenceUsage]:
    """What was written off this licence, oldest first."""
    return LicenceUsage.objects.filter(licence=licence).order_by("created_at", "pk")


def licence_timeline(licence: Licence) -> list[Entry]:
    """Every ledger entry about this licence, oldest first."""
    return list(entries_about(licence.ledger_subject))
