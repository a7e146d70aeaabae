"""Who may do what with tax bills, payment agreements, payment instructions and guarantees.

The one permission check of payments: services call these before they change anything, pages
and the API to know what to offer. A bill's own payment is a move of its declaration (``pay``,
``confirm_payment``, ``guarantee`` in ``eport.declarations.lifecycle``), checked there; the
agreements, instructions and guarantees move through the steps below. Refusals are sentences:
``NotPermitted`` for the wrong person (403 in the API), ``TransitionError`` for the wrong moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from eport.banks.lifecycle import check_bank_staff, check_person
from eport.declarations.errors import NotPermitted, TransitionError
from eport.declarations.lifecycle import LINE, TEXT, Input

from .models import Guarantee, PaymentAgreement, PaymentInstruction, TaxBill

TRADER = "trader"  # a trader of the company concerned
BANK = "bank"  # staff of the bank concerned
EITHER = "either"  # either of them

# Input kinds besides the declarations' TEXT and LINE.
AMOUNT = "amount"
DATE = "date"

BANK_STAFF_ONLY = _("Only bank staff confirm payments, agreements and guarantees.")


@dataclass(frozen=True)
class Step:
    """A move of an agreement, an instruction or a guarantee, declared once."""

    name: str
    label: Promise
    past: Promise
    sources: frozenset[str]
    target: str
    who: str
    service: str  # the function of services.py that makes it
    inputs: tuple[Input, ...] = ()
    final: bool = False


A = PaymentAgreement.Status
I = PaymentInstruction.Status  # noqa: E741
G = Guarantee.Status

AGREEMENT_STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        Step(
            "confirm",
            _("Confirm agreement"),
            pgettext_lazy("past participle", "confirmed"),
            frozenset({A.REQUESTED}),
            A.ACTIVE,
            BANK,
            service="confirm_agreement",
        ),
        Step(
            "refuse",
            _("Refuse agreement"),
            pgettext_lazy("past participle", "refused"),
            frozenset({A.REQUESTED}),
            A.REFUSED,
            BANK,
            service="refuse_agreement",
            inputs=(Input("reason", _("Reason"), kind=TEXT, required=True, max_length=2000),),
            final=True,
        ),
        Step(
            "end",
            _("End agreement"),
            pgettext_lazy("past participle", "ended"),
            frozenset({A.REQUESTED, A.ACTIVE}),
            A.ENDED,
            EITHER,
            service="end_agreement",
            inputs=(Input("reason", _("Reason"), kind=TEXT, max_length=2000),),
            final=True,
        ),
    )
}

INSTRUCTION_STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        Step(
            "confirm",
            _("Confirm debit"),
            pgettext_lazy("past participle", "confirmed"),
            frozenset({I.PENDING}),
            I.CONFIRMED,
            BANK,
            service="confirm_payment",
            inputs=(
                Input("bill_number", _("Bill number"), kind=LINE, required=True, max_length=24),
                Input("amount", _("Amount debited"), kind=AMOUNT, required=True),
                Input("currency", _("Currency"), kind=LINE, required=True, max_length=3),
                Input(
                    "bank_reference", _("Your reference"), kind=LINE, required=True, max_length=35
                ),
                Input("value_date", _("Value date"), kind=DATE, required=True),
            ),
        ),
        Step(
            "refuse",
            _("Refuse instruction"),
            pgettext_lazy("past participle", "refused"),
            frozenset({I.PENDING}),
            I.REFUSED,
            BANK,
            service="refuse_payment",
            inputs=(Input("reason", _("Reason"), kind=TEXT, required=True, max_length=2000),),
            final=True,
        ),
        Step(
            "withdraw",
            _("Withdraw instruction"),
            pgettext_lazy("past participle", "withdrawn"),
            frozenset({I.PENDING}),
            I.WITHDRAWN,
            TRADER,
            service="withdraw_payment",
            final=True,
        ),
    )
}

GUARANTEE_STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        Step(
            "end",
            _("End guarantee"),
            pgettext_lazy("past participle", "ended"),
            frozenset({G.LIVE}),
            G.ENDED,
            BANK,
            service="end_guarantee",
            final=True,
        ),
    )
}

STEPS = {
    PaymentAgreement: AGREEMENT_STEPS,
    PaymentInstruction: INSTRUCTION_STEPS,
    Guarantee: GUARANTEE_STEPS,
}


def check_trader(actor: Any) -> None:
    """Only a company's traders ask for agreements, instruct payments and use guarantees."""
    check_person(actor)
    if not (actor.is_trader and actor.company_id):
        raise NotPermitted(
            gettext("Only a company's traders pay its bills and ask banks for agreements.")
        )


def check_bank(actor: Any) -> None:
    check_bank_staff(actor, BANK_STAFF_ONLY)


def check_trader_of_bill(bill: TaxBill, actor: Any) -> None:
    check_trader(actor)
    if actor.company_id != bill.declaration.company_id:
        raise NotPermitted(gettext("This bill belongs to another company."))


def _company_id(subject: Any) -> int:
    if isinstance(subject, PaymentInstruction):
        return subject.agreement.company_id
    return subject.company_id


def _as_bank(actor: Any, who: str) -> bool:
    return who == BANK or (who == EITHER and getattr(actor, "is_bank", False))


def check_role(actor: Any, who: str) -> None:
    """The role half of a step's check, needing no subject: bank staff for the bank's steps
    (and for either side's, when a bank's staff asks), a company's traders otherwise."""
    if _as_bank(actor, who):
        check_bank(actor)
    else:
        check_trader(actor)


def _check_party(subject: Any, actor: Any, who: str) -> None:
    check_role(actor, who)
    if _as_bank(actor, who):
        if actor.bank_id != subject.bank_id:
            raise NotPermitted(gettext("This belongs to another bank's customers."))
        return
    if actor.company_id != _company_id(subject):
        raise NotPermitted(gettext("This belongs to another company."))


def check_step(subject: Any, actor: Any, name: str) -> Step:
    """The step ``name`` of this agreement, instruction or guarantee, or the refusal of it."""
    steps = STEPS[type(subject)]
    step = steps.get(name)
    if step is None:
        raise TransitionError(gettext("There is no move called %(name)r.") % {"name": name})
    _check_party(subject, actor, step.who)
    if subject.status not in step.sources:
        raise TransitionError(
            gettext("This is %(status)s, so it cannot be %(past)s. Reload to see its state.")
            % {"status": subject.get_status_display().lower(), "past": step.past}
        )
    return step


def allowed_steps(subject: Any, user: Any) -> list[Step]:
    allowed = []
    for step in STEPS[type(subject)].values():
        try:
            check_step(subject, user, step.name)
        except TransitionError:
            continue
        allowed.append(step)
    return allowed
