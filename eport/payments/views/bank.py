"""The bank's side of duties and taxes: payment instructions waiting for its answer, agreement
requests and agreements in force, the guarantees it issued (and the form issuing another), and
its daily statement of confirmed payments."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from eport.banks.views.common import bank_staff_required
from eport.declarations.errors import DeclarationError, NotPermitted
from eport.web.responses import download, unavailable

from .. import selectors, services
from ..forms import GuaranteeForm, StatementForm
from ..models import PaymentAgreement, PaymentInstruction
from ..statement import statement_csv, statement_filename
from .common import confirm_initial, guarantee_rows, step_offers


def _page(request: HttpRequest, guarantee_form: GuaranteeForm, status: int = 200) -> HttpResponse:
    user = request.user
    today = selectors.today()
    waiting = (
        selectors.instructions_for(user)
        .filter(status=PaymentInstruction.Status.PENDING)
        .order_by("instructed_at", "pk")
    )
    agreements = selectors.agreements_for(user).filter(
        status__in=[PaymentAgreement.Status.REQUESTED, PaymentAgreement.Status.ACTIVE]
    )
    context = {
        "waiting": [
            {
                "instruction": instruction,
                "due": selectors.amount_due(instruction.bill, today),
                "offers": step_offers(
                    instruction,
                    user,
                    "payments:instruction_step",
                    {"confirm": confirm_initial(instruction.bill, today)},
                ),
            }
            for instruction in waiting
        ],
        "agreements": [
            {
                "agreement": agreement,
                "offers": step_offers(agreement, user, "payments:agreement_step"),
            }
            for agreement in agreements.order_by("requested_at", "pk")
        ],
        "guarantees": guarantee_rows(selectors.guarantees_for(user), user, today),
        "guarantee_form": guarantee_form,
        "statement_form": StatementForm(initial={"value_date": today}),
        "statement_dates": selectors.statement_dates(user.bank_id),
    }
    return render(request, "payments/bank.html", context, status=status)


@require_GET
@bank_staff_required
def bank_payments(request: HttpRequest) -> HttpResponse:
    """What the bank has to answer, what it has agreed and guaranteed, and its statements."""
    return _page(request, GuaranteeForm())


@require_POST
@bank_staff_required
def issue_guarantee(request: HttpRequest) -> HttpResponse:
    """Issue a general guarantee for a company's duties and taxes."""
    form = GuaranteeForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        guarantee = services.issue_guarantee(actor=request.user, **form.cleaned_data)
    except ValidationError as error:
        form.attach(error)
        return _page(request, form, status=400)
    except DeclarationError as refusal:
        messages.error(request, str(refusal))
        return _page(request, form, status=403 if isinstance(refusal, NotPermitted) else 409)
    messages.success(
        request,
        _("Guarantee %(reference)s issued for %(company)s: CNY %(amount)s.")
        % {
            "reference": guarantee.bank_reference,
            "company": guarantee.company.name,
            "amount": f"{guarantee.amount:,.2f}",
        },
    )
    return redirect("payments:bank")


@require_GET
@bank_staff_required
def statement(request: HttpRequest) -> HttpResponse:
    """The CSV statement of the payments the bank confirmed with one value date."""
    form = StatementForm(request.GET)
    if not form.is_valid():
        return unavailable(request, " ".join(form.problems()), reverse("payments:bank"), status=400)
    value_date = form.cleaned_data["value_date"]
    bank = request.user.bank
    return download(
        statement_csv(bank, value_date),
        statement_filename(bank, value_date),
        "text/csv; charset=utf-8",
    )
