"""A declaration presented to the bank: customs' facts, its receipt verified, the balance still
financeable, the bank's own financings of it, and the form that registers another."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from eport.declarations.errors import NotPermitted, TransitionError
from eport.declarations.models import Declaration
from eport.web.responses import download, unavailable
from ledger.receipts import ReceiptUnavailable, receipt_bytes

from .. import lifecycle, selectors, services
from ..forms import FinancingForm
from .common import bank_staff_required, verdict_of


def _page(request: HttpRequest, declaration: Declaration, form: FinancingForm, status=200):
    user = request.user
    try:
        lifecycle.check_bank_staff(user)
        register_refusal = ""
    except NotPermitted as refusal:
        register_refusal = str(refusal)
    context = {
        "declaration": declaration,
        "items": list(declaration.items.all()),
        "verdict": verdict_of(lambda: selectors.presented_receipt(user, declaration)),
        "balance": selectors.financeable_balance(declaration),
        "financings": list(selectors.financings_for(user).filter(declaration=declaration)),
        "form": form,
        "register_refusal": register_refusal,
    }
    return render(request, "banks/declaration.html", context, status=status)


@require_GET
@bank_staff_required
def presented_declaration(request: HttpRequest, uuid) -> HttpResponse:
    """A declaration presented to the user's bank; 404 for any other."""
    declaration = selectors.get_presented_declaration(request.user, uuid)
    return _page(request, declaration, FinancingForm(currency=declaration.invoice_currency))


@require_POST
@bank_staff_required
def register_financing(request: HttpRequest, uuid) -> HttpResponse:
    """Register a financing of the user's bank against a declaration presented to it."""
    declaration = selectors.get_presented_declaration(request.user, uuid)
    form = FinancingForm(request.POST, currency=declaration.invoice_currency)
    if not form.is_valid():
        return _page(request, declaration, form, status=400)
    try:
        financing = services.register_financing(
            declaration=declaration, actor=request.user, **form.cleaned_data
        )
    except ValidationError as error:
        form.attach(error)
        return _page(request, declaration, form, status=400)
    except NotPermitted as refusal:
        messages.error(request, str(refusal))
        return _page(request, declaration, form, status=403)
    except TransitionError as refusal:
        messages.error(request, str(refusal))
        return _page(request, declaration, form, status=409)
    messages.success(
        request,
        _("Financing %(reference)s registered: %(amount)s %(currency)s.")
        % {
            "reference": financing.bank_reference,
            "amount": financing.amount,
            "currency": financing.currency,
        },
    )
    return redirect("banks:financing", financing.uuid)


@require_GET
@bank_staff_required
def presented_declaration_receipt(request: HttpRequest, uuid) -> HttpResponse:
    """The receipt (JSON) of the latest ledger entry of a declaration presented to the bank."""
    declaration = selectors.get_presented_declaration(request.user, uuid)
    try:
        receipt = selectors.presented_receipt(request.user, declaration)
    except ReceiptUnavailable as problem:
        back = reverse("banks:declaration", args=[declaration.uuid])
        return unavailable(request, str(problem), back)
    filename = f"receipt-{declaration.number}-entry-{receipt['index']}.json"
    return download(receipt_bytes(receipt), filename, "application/json")
