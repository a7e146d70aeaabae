"""The inspection and quarantine agency's queue: the declarations its officers inspect, those
waiting for a result first. The result is recorded on the declaration page, through its moves
(``pass_inspection``, ``fail_inspection``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .. import selectors
from ..models import Declaration

PAGE_SIZE = 50
Inspection = Declaration.Inspection

# The queue's tabs: what waits for a result, and what was recorded.
TABS = Inspection.choices


@login_required
@require_GET
def inspection_queue(request: HttpRequest) -> HttpResponse:
    """Inspectors: their agency's declarations in one inspection status (waiting, unless another
    tab is chosen), the oldest submission first; a page that does not exist for anyone else."""
    user = request.user
    if not getattr(user, "is_inspector", False):
        raise Http404(_("No such page."))
    shown = request.GET.get("inspection", Inspection.PENDING)
    if shown not in dict(TABS):
        shown = Inspection.PENDING
    declarations = selectors.inspection_queue(user, inspection=shown)
    page = Paginator(declarations, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "shown": shown,
        "tabs": [
            {"value": value, "label": label, "current": value == shown} for value, label in TABS
        ],
        "waiting_count": (
            page.paginator.count
            if shown == Inspection.PENDING
            else selectors.inspection_queue(user).count()
        ),
    }
    return render(request, "declarations/inspection_queue.html", context)
