"""What the payments pages share: the traders' gate, the steps a person is offered, balances."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.urls import reverse
from django.utils.translation import gettext as _

from eport.banks.views.common import only_for

from .. import rules, selectors
from ..forms import PaymentsForm, StepForm
from ..models import Guarantee, TaxBill

# Signed-in traders of a company only.
trader_required = only_for(
    lambda user: user.is_trader and user.company_id,
    lambda: _(
        "Duties and taxes are paid by a company's traders. Officers and auditors open a "
        "declaration's tax bill from the declaration's page; bank staff answer payments under "
        "Payments in the bank workspace."
    ),
)

# Traders (their company's), customs officers (their office's bills) and auditors (all).
reader_required = only_for(
    lambda user: (
        (user.is_trader and user.company_id)
        or (user.is_officer and user.office_id)
        or user.is_auditor
    ),
    lambda: _(
        "Bank staff answer payments, agreements and guarantees under Payments in the bank "
        "workspace."
    ),
)


def report_form(request, form: PaymentsForm) -> None:
    """Show every problem of a form as a message on the next page."""
    for problem in form.problems():
        messages.error(request, problem)


@dataclass(frozen=True)
class StepOffer:
    """A step a person may take now: its form (with the version seen) and where it posts."""

    step: rules.Step
    form: StepForm
    url: str


def step_offers(subject, user, url_name: str, initial: dict | None = None) -> list[StepOffer]:
    """The steps ``user`` may take on this agreement, instruction or guarantee now, each with a
    form whose ids are its own (a page lists many)."""
    initial = initial or {}
    return [
        StepOffer(
            step,
            StepForm(
                step=step,
                initial={"version": subject.version, **initial.get(step.name, {})},
                auto_id=f"{step.name}-{subject.uuid}-%s",
            ),
            reverse(url_name, args=[subject.uuid, step.name]),
        )
        for step in rules.allowed_steps(subject, user)
    ]


@dataclass(frozen=True)
class GuaranteeRow:
    """A guarantee with what is left of it and the overdue bill that freezes it, if any."""

    guarantee: Guarantee
    remaining: object
    frozen_by: TaxBill | None
    offers: list[StepOffer]


def guarantee_rows(guarantees, user, on: date) -> list[GuaranteeRow]:
    return [
        GuaranteeRow(
            guarantee,
            selectors.remaining(guarantee),
            (
                selectors.overdue_bills(guarantee, on).first()
                if guarantee.status == Guarantee.Status.LIVE
                else None
            ),
            step_offers(guarantee, user, "payments:guarantee_step"),
        )
        for guarantee in guarantees
    ]


def confirm_initial(bill: TaxBill, on: date) -> dict:
    """The bank's confirmation form filled in with the bill's figures for a debit on ``on``."""
    return {
        "bill_number": bill.number,
        "amount": f"{selectors.amount_due(bill, on).total:.2f}",
        "currency": bill.currency,
        "value_date": on,
    }
