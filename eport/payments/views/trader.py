"""The trader's "Duties and taxes": its bills (open, released against a guarantee, paid), its
payment agreements with the form asking a bank for another, and its guarantees. Customs officers
read their office's bills here and auditors everyone's, with the agreements and guarantees."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from eport.declarations.errors import DeclarationError, NotPermitted

from .. import selectors, services
from ..forms import AgreementRequestForm
from ..models import PaymentInstruction, TaxBill
from .common import guarantee_rows, reader_required, step_offers, trader_required

# Paid bills shown: the latest ones; each stays on its declaration's page.
PAID_SHOWN = 25
# Unpaid bills shown to customs and auditors, who read every company's: the soonest due.
UNPAID_SHOWN = 200


def _page(request: HttpRequest, form: AgreementRequestForm | None, status: int = 200):
    user = request.user
    limit = None if user.is_trader else UNPAID_SHOWN
    today = selectors.today()
    bills = selectors.bills_for(user)
    waiting = set(
        selectors.instructions_for(user)
        .filter(status=PaymentInstruction.Status.PENDING)
        .values_list("bill_id", flat=True)
    )

    def rows(queryset):
        return [
            {"bill": bill, "due": selectors.amount_due(bill, today), "waiting": bill.pk in waiting}
            for bill in queryset
        ]

    open_bills = bills.filter(status=TaxBill.Status.OPEN).order_by("due_on", "pk")
    guaranteed = bills.filter(status=TaxBill.Status.GUARANTEED).order_by("guaranteed_due_on", "pk")
    context = {
        "is_trader": user.is_trader,
        "unpaid_shown": limit,
        "open_count": open_bills.count() if limit else None,
        "guaranteed_count": guaranteed.count() if limit else None,
        "open_bills": rows(open_bills[:limit]),
        "guaranteed_bills": rows(guaranteed[:limit]),
        "paid_bills": list(
            bills.filter(status=TaxBill.Status.PAID).order_by("-paid_on", "-pk")[:PAID_SHOWN]
        ),
        "paid_shown": PAID_SHOWN,
        "agreements": [
            {
                "agreement": agreement,
                "offers": step_offers(agreement, user, "payments:agreement_step"),
            }
            for agreement in selectors.agreements_for(user)
        ],
        "guarantees": guarantee_rows(selectors.guarantees_for(user), user, today),
        "form": form,
    }
    return render(request, "payments/overview.html", context, status=status)


@require_GET
@reader_required
def overview(request: HttpRequest) -> HttpResponse:
    """The bills, payment agreements and guarantees this person may see; traders ask for
    agreements here."""
    return _page(request, AgreementRequestForm() if request.user.is_trader else None)


@require_POST
@trader_required
def request_agreement(request: HttpRequest) -> HttpResponse:
    """Ask an alliance bank for a payment agreement on one of the company's accounts."""
    form = AgreementRequestForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        agreement = services.request_agreement(actor=request.user, **form.cleaned_data)
    except ValidationError as error:
        form.attach(error)
        return _page(request, form, status=400)
    except DeclarationError as refusal:
        messages.error(request, str(refusal))
        return _page(request, form, status=403 if isinstance(refusal, NotPermitted) else 409)
    messages.success(
        request,
        _(
            "Agreement for account %(account)s asked of %(bank)s. Bills can be paid from it once "
            "the bank confirms it."
        )
        % {"account": agreement.account_number, "bank": agreement.bank.legal_name},
    )
    return redirect("payments:overview")
