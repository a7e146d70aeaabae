"""One tax bill, for everyone who may see it: its lines, dates and status, how it was paid, the
payment instructions and the banks' answers, and its ledger timeline. The trader pays it from an
account under agreement or releases it against a guarantee; an officer of the office records a
payment at a customs counter."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from eport.declarations import lifecycle
from eport.declarations.errors import DeclarationError
from eport.declarations.views.errors import report
from eport.web.timeline import timeline_rows

from .. import rules, selectors, services
from ..forms import CounterPaymentForm, InstructForm, ReleaseForm
from ..models import Guarantee, PaymentAgreement, PaymentInstruction, TaxBill
from .common import report_form, step_offers

I = PaymentInstruction.Status  # noqa: E741


def _allowed(check, *args) -> bool:
    try:
        check(*args)
    except DeclarationError:
        return False
    return True


def _lines(bill: TaxBill, due) -> tuple[list[dict], dict]:
    """The bill's lines and its total: duty, VAT and, when late, the surcharge line."""
    lines = [
        {"label": _("Customs duty"), "amount": bill.duty},
        {"label": _("Import VAT"), "amount": bill.vat},
    ]
    if due is not None:
        if due.late:
            lines.append(
                {
                    "label": _("Late-payment surcharge, 0.05 %% a day for %(days)s day(s) to today")
                    % {"days": due.days_late},
                    "amount": due.surcharge,
                    "surcharge": True,
                }
            )
        return lines, {"label": _("Total due today"), "amount": due.total}
    if bill.surcharge:
        lines.append(
            {
                "label": _("Late-payment surcharge, 0.05 %% a day for %(days)s day(s)")
                % {"days": bill.surcharge_days},
                "amount": bill.surcharge,
                "surcharge": True,
            }
        )
    return lines, {"label": _("Total paid"), "amount": bill.paid_amount}


def _timeline(bill: TaxBill, instructions: list[PaymentInstruction]) -> list[dict]:
    """The bill's ledger entries and those of the instructions this person sees, in order."""
    entries = list(selectors.entries_of(bill))
    for instruction in instructions:
        entries.extend(selectors.entries_of(instruction))
    return timeline_rows(sorted(entries, key=lambda entry: entry.seq))


def _trader_offers(user, bill: TaxBill, pending, today: date) -> dict:
    """The trader's ways to settle an unpaid bill: pay from an account, or (while the
    declaration waits for payment) release it against a guarantee."""
    if pending is not None or not bill.unpaid:
        return {}
    company_id = bill.declaration.company_id
    payable = selectors.payable_agreements(company_id)
    if payable.exists():
        offers = {"instruct_form": InstructForm(agreements=payable)}
    else:
        asked = selectors.agreements_for(user).filter(status=PaymentAgreement.Status.REQUESTED)
        offers = {"instruct_form": None, "agreements_asked": asked.exists()}
    if bill.status != TaxBill.Status.OPEN or not lifecycle.can(bill.declaration, user, "guarantee"):
        return offers
    has_guarantees = selectors.guarantees_for(user).exists()
    if not has_guarantees:
        return offers
    offers["release"] = True
    if today > bill.due_on:
        offers["release_refusal"] = _(
            "The bill was due on %(due)s; a guarantee no longer covers it. Pay it with its "
            "surcharge."
        ) % {"due": bill.due_on.isoformat()}
        return offers
    usable = selectors.usable_guarantees(company_id, today)
    if usable:
        offers["release_form"] = ReleaseForm(
            guarantees=Guarantee.objects.select_related("bank").filter(
                pk__in=[guarantee.pk for guarantee in usable]
            ),
            remaining={guarantee.pk: selectors.remaining(guarantee) for guarantee in usable},
        )
    return offers


def _context(user, bill: TaxBill) -> dict:
    today = selectors.today()
    declaration = bill.declaration
    due = selectors.amount_due(bill, today) if bill.unpaid else None
    instructions = list(
        selectors.instructions_for(user).filter(bill_id=bill.pk).order_by("instructed_at", "pk")
    )
    pending = next((i for i in instructions if i.status == I.PENDING), None)
    lines, total = _lines(bill, due)
    is_trader = _allowed(rules.check_trader_of_bill, bill, user)
    context = {
        "bill": bill,
        "declaration": declaration,
        "declaration_url": (
            "" if user.is_bank else reverse("declarations:detail", args=[declaration.uuid])
        ),
        "due": due,
        "lines": lines,
        "total": total,
        # The bank answers on its own page; here only the trader may withdraw a waiting one.
        "instructions": [
            {
                "instruction": instruction,
                "offers": (
                    step_offers(instruction, user, "payments:instruction_step") if is_trader else []
                ),
            }
            for instruction in instructions
        ],
        "pending": pending,
        # Another bank's reference and staff are not this bank's to read.
        "show_payment": not user.is_bank
        or any(
            i.status == I.CONFIRMED and i.bank_reference == bill.paid_reference
            for i in instructions
        ),
        "guarantee": (
            selectors.guarantees_for(user).filter(pk=bill.guarantee_id).first()
            if bill.guarantee_id
            else None
        ),
        "is_trader": is_trader,
        "aggregate_due_on": selectors.aggregate_due_date(bill) if bill.unpaid else None,
        "counter_form": None,
        "timeline": _timeline(bill, instructions),
    }
    if is_trader:
        context.update(_trader_offers(user, bill, pending, today))
    elif bill.status == TaxBill.Status.OPEN and lifecycle.can(declaration, user, "pay"):
        context["counter_form"] = CounterPaymentForm()
    return context


def _back(bill: TaxBill) -> str:
    return reverse("payments:bill", args=[bill.uuid])


@require_GET
@login_required
def bill_detail(request: HttpRequest, uuid) -> HttpResponse:
    """A bill, for whoever may see it; 404 for anyone else."""
    bill = selectors.get_bill_for(request.user, uuid)
    return render(request, "payments/bill.html", _context(request.user, bill))


@require_POST
@login_required
def instruct(request: HttpRequest, uuid) -> HttpResponse:
    """Instruct the bank under the chosen agreement to pay the bill."""
    user = request.user
    bill = selectors.get_bill_for(user, uuid)
    form = InstructForm(request.POST, agreements=selectors.agreements_for(user))
    try:
        rules.check_trader_of_bill(bill, user)
    except DeclarationError as refusal:
        report(request, refusal)
        return redirect(_back(bill))
    if not form.is_valid():
        report_form(request, form)
        return redirect(_back(bill))
    try:
        instruction = services.instruct_payment(
            bill=bill, actor=user, agreement=form.cleaned_data["agreement"]
        )
    except (ValidationError, DeclarationError) as error:
        report(request, error)
    else:
        messages.success(
            request,
            _(
                "Payment of bill %(bill)s sent to %(bank)s: CNY %(amount)s from account "
                "%(account)s. The bill is paid once the bank confirms the debit."
            )
            % {
                "bill": bill.number,
                "bank": instruction.bank.legal_name,
                "amount": f"{instruction.amount:,.2f}",
                "account": instruction.agreement.account_number,
            },
        )
    return redirect(_back(bill))


@require_POST
@login_required
def release_against_guarantee(request: HttpRequest, uuid) -> HttpResponse:
    """Reserve the bill against the chosen guarantee; the declaration proceeds as paid."""
    user = request.user
    bill = selectors.get_bill_for(user, uuid)
    form = ReleaseForm(request.POST, guarantees=selectors.guarantees_for(user))
    try:
        rules.check_trader_of_bill(bill, user)
    except DeclarationError as refusal:
        report(request, refusal)
        return redirect(_back(bill))
    if not form.is_valid():
        report_form(request, form)
        return redirect(_back(bill))
    guarantee = form.cleaned_data["guarantee"]
    try:
        bill = services.release_against_guarantee(bill=bill, actor=user, guarantee=guarantee)
    except (ValidationError, DeclarationError) as error:
        report(request, error)
    else:
        messages.success(
            request,
            _(
                "Bill %(bill)s released against guarantee %(reference)s: the declaration "
                "proceeds; pay the bill by %(due)s."
            )
            % {
                "bill": bill.number,
                "reference": guarantee.bank_reference,
                "due": bill.guaranteed_due_on.isoformat(),
            },
        )
    return redirect(_back(bill))


@require_POST
@login_required
def counter_payment(request: HttpRequest, uuid) -> HttpResponse:
    """Record the bill as paid at a customs counter, with the receipt number."""
    user = request.user
    bill = selectors.get_bill_for(user, uuid)
    form = CounterPaymentForm(request.POST)
    try:
        lifecycle.check_role(user, "pay")
    except DeclarationError as refusal:
        report(request, refusal)
        return redirect(_back(bill))
    if not form.is_valid():
        report_form(request, form)
        return redirect(_back(bill))
    try:
        bill = services.record_counter_payment(
            bill=bill, actor=user, receipt_number=form.cleaned_data["receipt_number"]
        )
    except (ValidationError, DeclarationError) as error:
        report(request, error)
    else:
        messages.success(
            request,
            _("Bill %(bill)s recorded as paid at the counter, receipt %(receipt)s.")
            % {"bill": bill.number, "receipt": bill.paid_reference},
        )
    return redirect(_back(bill))
