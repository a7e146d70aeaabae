"""The bank's workspace: the declarations presented to it, with the facts a bank examines."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import selectors
from .common import bank_staff_required

PAGE_SIZE = 25


def _page_number(request: HttpRequest) -> int:
    text = request.GET.get("page", "").strip()
    # A malformed page number is the first page, never an error page.
    return int(text) if text.isdigit() and 0 < len(text) < 7 and int(text) > 0 else 1


@require_GET
@bank_staff_required
def workspace(request: HttpRequest) -> HttpResponse:
    """Declarations presented to the user's bank, newest release first, with their balances."""
    page_number = _page_number(request)
    offset = (page_number - 1) * PAGE_SIZE
    declarations = selectors.with_financeable_balance(
        selectors.presented_declarations(request.user)
    ).prefetch_related("items")
    # One row more than a page tells whether there is a next page without counting them all.
    rows = list(declarations[offset : offset + PAGE_SIZE + 1])
    return render(
        request,
        "banks/workspace.html",
        {
            "declarations": rows[:PAGE_SIZE],
            "page_number": page_number,
            "has_next": len(rows) > PAGE_SIZE,
            "has_previous": page_number > 1,
            "first_row": offset + 1,
            "last_row": offset + min(len(rows), PAGE_SIZE),
        },
    )
