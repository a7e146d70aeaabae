"""One financing: its facts, its ledger timeline, the moves allowed now, and the registration
receipt. The registering bank, the declaring company's traders and auditors see it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from eport.declarations.errors import DeclarationError
from eport.declarations.views.common import INCOMPLETE_FORM
from eport.declarations.views.errors import report
from eport.web.responses import download, unavailable
from eport.web.timeline import timeline_rows
from ledger.receipts import ReceiptUnavailable, receipt_bytes

from .. import lifecycle, selectors, services
from ..forms import MoveForm
from ..models import Financing


def _declaration_url(user, financing: Financing) -> str:
    """Where this person reads the financed declaration."""
    if user.is_bank:
        return reverse("banks:declaration", args=[financing.declaration.uuid])
    if user.is_trader:
        return reverse("banks:declaration_finance", args=[financing.declaration.uuid])
    return reverse("declarations:detail", args=[financing.declaration.uuid])


@require_GET
@login_required
def financing_detail(request: HttpRequest, uuid) -> HttpResponse:
    """A financing's facts, timeline and allowed moves; 404 for anyone who may not see it."""
    user = request.user
    financing = selectors.get_financing_for(user, uuid)
    context = {
        "financing": financing,
        "declaration": financing.declaration,
        "declaration_url": _declaration_url(user, financing),
        "moves": lifecycle.allowed_financing_moves(financing, user),
        "timeline": timeline_rows(selectors.financing_entries(financing)),
    }
    return render(request, "banks/financing.html", context)


@require_POST
@login_required
def financing_move(request: HttpRequest, uuid, move: str) -> HttpResponse:
    """Make one move on a financing, at the version the person saw."""
    financing = selectors.get_financing_for(request.user, uuid)
    registered = lifecycle.MOVES.get(move)
    if registered is None:
        raise Http404(_("No such move."))
    back = reverse("banks:financing", args=[financing.uuid])
    form = MoveForm(request.POST, move=registered)
    if not form.is_valid():
        messages.error(request, INCOMPLETE_FORM)
        return redirect(back)
    if registered.final and not form.cleaned_data["confirm"]:
        messages.error(
            request,
            _("Tick the box to confirm: %(label)s is final.") % {"label": registered.label},
        )
        return redirect(back)
    try:
        financing = services.MOVE_SERVICES[move](
            financing=financing,
            actor=request.user,
            version=form.cleaned_data["version"],
            **{field.name: form.cleaned_data[field.name] for field in registered.inputs},
        )
    except (ValidationError, DeclarationError) as error:
        report(request, error)
    else:
        messages.success(
            request,
            _("Financing %(reference)s %(past)s.")
            % {"reference": financing.bank_reference, "past": registered.past},
        )
    return redirect(back)


@require_GET
@login_required
def registration_receipt(request: HttpRequest, uuid) -> HttpResponse:
    """The receipt (JSON) of the financing's registration entry; 409 while not notarized."""
    financing = selectors.get_financing_for(request.user, uuid)
    try:
        receipt = selectors.registration_receipt(financing)
    except ReceiptUnavailable as problem:
        back = reverse("banks:financing", args=[financing.uuid])
        return unavailable(request, str(problem), back)
    filename = f"financing-{financing.uuid}-registration-receipt.json"
    return download(receipt_bytes(receipt), filename, "application/json")
