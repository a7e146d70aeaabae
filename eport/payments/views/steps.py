"""Steps of agreements, payment instructions and guarantees (``rules``' STEPS), each made by one
service at the version the person saw; the person is sent back to where they work on it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from eport.declarations.errors import DeclarationError
from eport.declarations.views.errors import report

from .. import rules, selectors, services
from ..forms import StepForm
from .common import report_form


def _confirm_payment(*, instruction, actor, version, **inputs):
    # A confirmation is made once by its bank reference (a retry returns it), not by a version.
    return services.confirm_payment(instruction=instruction, actor=actor, **inputs)


AGREEMENT_SERVICES = {
    "confirm": services.confirm_agreement,
    "refuse": services.refuse_agreement,
    "end": services.end_agreement,
}
INSTRUCTION_SERVICES = {
    "confirm": _confirm_payment,
    "refuse": services.refuse_payment,
    "withdraw": services.withdraw_payment,
}
GUARANTEE_SERVICES = {"end": services.end_guarantee}


def _make(request: HttpRequest, keyword: str, subject, name: str, steps: dict, made) -> None:
    """Make step ``name`` on ``subject`` (passed to the service as ``keyword``) with the posted
    inputs, and say what happened."""
    step = rules.STEPS[type(subject)].get(name)
    if step is None:
        raise Http404(_("No such step."))
    form = StepForm(request.POST, step=step)
    if not form.is_valid():
        report_form(request, form)
        return
    service = steps[name]
    try:
        result = service(
            **{keyword: subject},
            actor=request.user,
            version=form.cleaned_data["version"],
            **form.inputs(),
        )
    except (ValidationError, DeclarationError) as error:
        report(request, error)
        return
    messages.success(request, made(result, step))


@require_POST
@login_required
def agreement_step(request: HttpRequest, uuid, step: str) -> HttpResponse:
    """Confirm, refuse or end a payment agreement."""
    agreement = selectors.get_agreement_for(request.user, uuid)
    _make(
        request,
        "agreement",
        agreement,
        step,
        AGREEMENT_SERVICES,
        lambda done, made: (
            _("Agreement for account %(account)s with %(bank)s %(past)s.")
            % {"account": done.account_number, "bank": done.bank.legal_name, "past": made.past}
        ),
    )
    return redirect("payments:bank" if request.user.is_bank else "payments:overview")


@require_POST
@login_required
def instruction_step(request: HttpRequest, uuid, step: str) -> HttpResponse:
    """Confirm or refuse a payment instruction (its bank), or withdraw it (the trader)."""
    instruction = selectors.get_instruction_for(request.user, uuid)
    _make(
        request,
        "instruction",
        instruction,
        step,
        INSTRUCTION_SERVICES,
        lambda done, made: (
            _("Payment of bill %(bill)s %(past)s.") % {"bill": done.bill.number, "past": made.past}
        ),
    )
    if request.user.is_bank:
        return redirect("payments:bank")
    return redirect(reverse("payments:bill", args=[instruction.bill.uuid]))


@require_POST
@login_required
def guarantee_step(request: HttpRequest, uuid, step: str) -> HttpResponse:
    """End a guarantee that holds no unpaid bill (its bank)."""
    guarantee = selectors.get_guarantee_for(request.user, uuid)
    _make(
        request,
        "guarantee",
        guarantee,
        step,
        GUARANTEE_SERVICES,
        lambda done, made: (
            _("Guarantee %(reference)s %(past)s.")
            % {"reference": done.bank_reference, "past": made.past}
        ),
    )
    return redirect("payments:bank" if request.user.is_bank else "payments:overview")
