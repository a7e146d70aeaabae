"""The batch check: up to ``MAX_BATCH`` declaration numbers, answered one by one, on the page
or as a CSV file. Every unavailable number gets the same words, whatever the reason."""

from __future__ import annotations

import csv
import io

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from eport.web.responses import download

from .. import selectors
from ..forms import BatchCheckForm
from .common import bank_staff_required

# A cell a spreadsheet would read as a formula is written as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@require_http_methods(["GET", "POST"])
@bank_staff_required
def batch_check(request: HttpRequest) -> HttpResponse:
    """Check declaration numbers, pasted or uploaded, against what is presented to the bank."""
    if request.method == "GET":
        return render(request, "banks/check.html", {"form": BatchCheckForm()})
    form = BatchCheckForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "banks/check.html", {"form": form}, status=400)
    numbers = form.cleaned_data["declaration_numbers"]
    answers = selectors.batch_check(request.user, numbers)
    if request.POST.get("format") == "csv":
        return download(_csv(answers), "batch-check.csv", "text/csv; charset=utf-8")
    detail_url = reverse("banks:declaration", args=["00000000-0000-0000-0000-000000000000"])
    rows = [
        {
            "number": answer.number,
            "available": answer.available,
            "balance": answer.balance,
            "currency": answer.declaration.invoice_currency if answer.available else "",
            "url": (
                detail_url.replace(
                    "00000000-0000-0000-0000-000000000000", str(answer.declaration.uuid)
                )
                if answer.available
                else ""
            ),
        }
        for answer in answers
    ]
    context = {
        "form": BatchCheckForm(),
        "rows": rows,
        "available_count": sum(1 for row in rows if row["available"]),
        "checked_numbers": "\n".join(numbers),
    }
    return render(request, "banks/check.html", context)


def _cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv(answers) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["number", "answer", "financeable_balance", "currency"])
    for answer in answers:
        if answer.available:
            writer.writerow(
                [
                    answer.number,
                    _("verified, presented to you"),
                    f"{answer.balance:.2f}",
                    answer.declaration.invoice_currency,
                ]
            )
        else:
            writer.writerow([_cell(answer.number), _("not available"), "", ""])
    return buffer.getvalue().encode("utf-8")
