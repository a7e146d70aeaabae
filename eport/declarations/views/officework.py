"""Customs' own work on a declaration page: internal notes, post-clearance picks, and what the
page shows of them and of document previews (served by ``preview``).

Notes and picks are internal: a person who may not see them (traders, banks) gets a 404 from
their URLs, as if they did not exist (``selectors.may_see_internal``).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import access, selectors, services
from ..errors import DeclarationError
from .common import detail_url
from .errors import report

# What the page shows inline: the checked content types of uploads, by how they are shown.
PREVIEW_KINDS = {"application/pdf": "frame", "image/png": "image", "image/jpeg": "image"}


def page_context(user, declaration, documents, *, may_reassign: bool = True) -> dict:
    """What the declaration page shows of this module's parts: document previews, and customs'
    internal records to those who may see them. ``may_reassign``: whether the page offers the
    reassign move, the only one that lists the colleagues (else they are not read)."""
    internal = selectors.may_see_internal(user, declaration)
    return {
        "previews": [
            {"document": document, "kind": PREVIEW_KINDS[document.content_type]}
            for document in documents
            if document.content_type in PREVIEW_KINDS
        ],
        "show_internal": internal,
        "notes": list(selectors.notes_for(user, declaration)) if internal else [],
        "can_add_note": access.may_write_internal(user, declaration),
        "post_clearance": selectors.post_clearance_for(user, declaration) if internal else None,
        "can_pick_post_clearance": (
            internal and access.post_clearance_refusal(user, declaration) is None
        ),
        "colleagues": (
            list(selectors.colleagues_for(user))
            if may_reassign and getattr(user, "is_officer", False)
            else []
        ),
        "note_max_length": services.NOTE_MAX_LENGTH,
    }


def _internal_declaration(request: HttpRequest, uuid):
    declaration = selectors.get_declaration_for(request.user, uuid)
    if not selectors.may_see_internal(request.user, declaration):
        raise Http404(_("No such page."))
    return declaration


@login_required
@require_POST
def note_add(request: HttpRequest, uuid) -> HttpResponse:
    """Add an internal note to a declaration of the officer's office."""
    declaration = _internal_declaration(request, uuid)
    try:
        services.add_note(
            declaration=declaration, actor=request.user, text=request.POST.get("text", "")
        )
    except (ValidationError, DeclarationError) as error:
        report(request, error)
    else:
        messages.success(request, _("Internal note added."))
    return redirect(detail_url(declaration) + "#notes")


@login_required
@require_POST
def post_clearance_pick(request: HttpRequest, uuid) -> HttpResponse:
    """Pick a released green-lane declaration for post-clearance review, with the reason."""
    declaration = _internal_declaration(request, uuid)
    try:
        services.pick_for_post_clearance(
            declaration=declaration, actor=request.user, reason=request.POST.get("reason", "")
        )
    except (ValidationError, DeclarationError) as error:
        report(request, error)
    else:
        messages.success(
            request,
            _("Declaration %(declaration)s picked for post-clearance review.")
            % {"declaration": declaration},
        )
    return redirect(detail_url(declaration) + "#post-clearance")


PICKS_PER_PAGE = 50


@login_required
@require_GET
def post_clearance_list(request: HttpRequest) -> HttpResponse:
    """The declarations picked for post-clearance review: the office's (officers), all
    (auditors); a page that does not exist for anyone else."""
    user = request.user
    if not (getattr(user, "is_officer", False) or getattr(user, "is_auditor", False)):
        raise Http404(_("No such page."))
    page = Paginator(selectors.post_clearance_picks_for(user), PICKS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "declarations/post_clearance_list.html", {"page": page})
