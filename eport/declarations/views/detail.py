"""One declaration: everything about it, the moves allowed now, and its ledger timeline."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import date as date_filter
from django.utils.timezone import template_localtime
from django.views.decorators.http import require_GET

from eport.web.templatetags.eport import moment
from eport.web.timeline import timeline_rows

from .. import access, lifecycle, selectors, services
from ..fields import FIELD_WORDS
from ..forms import DocumentForm
from ..models import Declaration
from . import officework


@login_required
@require_GET
def declaration_detail(request: HttpRequest, uuid) -> HttpResponse:
    """Everything about one declaration, the actions allowed now, and its ledger timeline."""
    return detail_page(request, selectors.get_declaration_for(request.user, uuid))


def detail_page(
    request: HttpRequest, declaration: Declaration, *, document_form=None, status: int = 200
) -> HttpResponse:
    """The declaration page; ``document_form`` is a refused upload, shown with its problems."""
    user = request.user
    moves = lifecycle.allowed_moves(declaration, user)
    move_names = {move.name for move in moves}
    entries = selectors.timeline(declaration)
    items = list(declaration.items.all())
    context = {
        "declaration": declaration,
        "items": items,
        # A draft shows what customs would assess now, worked out by the assessment's own code.
        "estimate": (
            services.estimate_duties(declaration, items=items)
            if declaration.status == Declaration.Status.DRAFT
            else None
        ),
        "documents": list(declaration.documents.all()),
        "queries": list(declaration.queries.all()),
        "amendments": list(declaration.amendments.all()) if not user.is_trader else [],
        "field_words": FIELD_WORDS,
        "inspections": list(declaration.inspections.all()),
        # Other agencies' controls: the items' licences and the inspection agency's panel.
        "agency_controls": bool(declaration.inspection_status)
        or any(item.licence_number or item.needs_inspection for item in items),
        "inspection_items": [item for item in items if item.needs_inspection],
        # Moves with a page of their own (edit, amend, attach) are links, the rest buttons.
        "actions": [move for move in moves if not move.own_page],
        "can_edit": "edit" in move_names,
        "can_amend": "amend" in move_names,
        "can_attach": "attach" in move_names,
        "can_copy": access.may_copy(user, declaration),
        "document_form": (document_form or DocumentForm()) if "attach" in move_names else None,
        "timeline": _timeline_rows(entries),
        # The release receipt's check finds the release entry among them (no second read).
        "ledger_entries": entries,
        "assessed": declaration.customs_value is not None,
        "show_risk_reasons": not user.is_trader,
        "trader_instructions": (
            selectors.risk_reasons_for(user, declaration) if user.is_trader else []
        ),
    }
    # Document previews; customs' internal records (notes, post-clearance pick) for those who
    # may see them.
    context.update(
        officework.page_context(
            user, declaration, context["documents"], may_reassign="reassign" in move_names
        )
    )
    return render(request, "declarations/detail.html", context, status=status)


def _timeline_rows(entries) -> list[dict]:
    rows = timeline_rows(entries)
    for row in rows:
        data = row["data"]
        row["lane"] = data.get("lane", "") if row["action"].endswith("risk_assessed") else ""
        row["reason"] = data.get("reason", "") if isinstance(data.get("reason"), str) else ""
        if row["action"] == "declaration.inspection_passed":
            row["reason"] = str(data.get("certificate", ""))
        # The time as the template's filters would write it (two filter nodes per row less).
        row["datetime"] = date_filter(template_localtime(row["time"]), "c")
        row["when"] = moment(row["time"], "seconds")
    return rows
