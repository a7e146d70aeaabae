"""The trader's side of trade finance: which banks see a declaration, presenting it to another,
withdrawing a presentation, and every financing of it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from eport.declarations.errors import DeclarationError, NotPermitted, TransitionError
from eport.declarations.models import Declaration
from eport.declarations.selectors import get_declaration_for
from eport.declarations.views.errors import report

from .. import lifecycle, selectors, services
from ..forms import PresentForm


def _own_declaration(user, uuid) -> Declaration:
    """A declaration of the trader's company; Http404 for anyone else."""
    declaration = get_declaration_for(user, uuid)
    try:
        lifecycle.check_trader_of(declaration, user)
    except NotPermitted:
        raise Http404(_("No such declaration.")) from None
    return declaration


def _presentable(declaration: Declaration) -> str:
    """Why the declaration cannot be presented now, or "" when it can."""
    try:
        lifecycle.check_presentable(declaration)
    except TransitionError as refusal:
        return str(refusal)
    return ""


@require_GET
@login_required
def declaration_finance(request: HttpRequest, uuid) -> HttpResponse:
    """Banks a declaration is presented to, the form to present it to another, its financings."""
    user = request.user
    declaration = _own_declaration(user, uuid)
    refusal = _presentable(declaration)
    context = {
        "declaration": declaration,
        "presentations": list(selectors.presentations_for(user).filter(declaration=declaration)),
        "financings": list(selectors.financings_for(user).filter(declaration=declaration)),
        "balance": selectors.financeable_balance(declaration),
        "present_refusal": refusal,
        "form": (
            None if refusal else PresentForm(banks=selectors.banks_to_present_to(declaration))
        ),
    }
    return render(request, "banks/finance.html", context)


@require_POST
@login_required
def present(request: HttpRequest, uuid) -> HttpResponse:
    """Present the declaration to the bank chosen."""
    declaration = _own_declaration(request.user, uuid)
    form = PresentForm(request.POST, banks=selectors.banks_to_present_to(declaration))
    if not form.is_valid():
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, problem)
        return redirect("banks:declaration_finance", declaration.uuid)
    bank = form.cleaned_data["bank"]
    try:
        services.present_declaration(declaration=declaration, actor=request.user, bank=bank)
    except (ValidationError, DeclarationError) as error:
        report(request, error)
    else:
        messages.success(
            request,
            _("Declaration %(number)s presented to %(bank)s.")
            % {"number": declaration.number, "bank": bank.legal_name},
        )
    return redirect("banks:declaration_finance", declaration.uuid)


@require_POST
@login_required
def withdraw(request: HttpRequest, uuid) -> HttpResponse:
    """Withdraw a presentation, unless its bank has a live financing on the declaration."""
    presentation = selectors.get_presentation_for(request.user, uuid)
    declaration = _own_declaration(request.user, presentation.declaration.uuid)
    try:
        services.withdraw_presentation(presentation=presentation, actor=request.user)
    except (ValidationError, DeclarationError) as error:
        report(request, error)
    else:
        messages.success(
            request,
            _("Presentation to %(bank)s withdrawn: it no longer sees this declaration.")
            % {"bank": presentation.bank.legal_name},
        )
    return redirect("banks:declaration_finance", declaration.uuid)
