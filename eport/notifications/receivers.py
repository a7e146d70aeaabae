"""Who is told what, when the domains below say something happened (their signals).

Each receiver runs inside the transaction of the change, so the notifications it creates are
committed with that change or not at all.
"""

from __future__ import annotations

from eport.declarations.models import Declaration
from eport.payments.models import PaymentInstruction

from . import kinds, selectors, services
from .kinds import Kind
from .models import Notification

Status = Declaration.Status
# The moves that release: an officer's, and the payments after which a green-lane declaration is
# released at once (later moves on a released declaration, a post-clearance pick, are not).
RELEASING = frozenset({"release", "pay", "confirm_payment", "guarantee"})


def _tell_traders(declaration: Declaration, kind: str, message: str, **params) -> None:
    services.notify(
        recipients=selectors.traders_of(declaration.company_id),
        kind=kind,
        message=message,
        params={"number": declaration.number, **params},
        subject_type=Notification.Subject.DECLARATION,
        subject_uuid=declaration.uuid,
    )


def on_declaration_moved(sender, *, declaration, move, actor, reason="", **kwargs) -> None:
    """The declaring company's traders hear of what they must act on or wait for; the officer
    who raised a query hears the answer."""
    status = declaration.status
    if move == "query":
        _tell_traders(
            declaration, Kind.QUERY_RAISED, kinds.QUERY_RAISED, question=services.quote(reason)
        )
    elif move == "inspect":
        _tell_traders(declaration, Kind.INSPECTION_ORDERED, kinds.INSPECTION_ORDERED)
    elif move == "reject":
        _tell_traders(declaration, Kind.REJECTED, kinds.REJECTED, reason=services.quote(reason))
    elif status == Status.ASSESSED and move in ("assess", "submit"):
        # A green-lane submission is assessed in the same move.
        amount = (declaration.duty_total or 0) + (declaration.vat_total or 0)
        _tell_traders(declaration, Kind.ASSESSED, kinds.ASSESSED, amount=f"{amount:.2f}")
    elif status == Status.RELEASED and move in RELEASING:
        _tell_traders(declaration, Kind.RELEASED, kinds.RELEASED)
    elif move == "amend" and declaration.assigned_officer_id:
        officer = declaration.assigned_officer
        if officer.is_active:
            services.notify(
                recipients=[officer],
                kind=Kind.QUERY_ANSWERED,
                message=kinds.QUERY_ANSWERED,
                params={"number": declaration.number},
                subject_type=Notification.Subject.DECLARATION,
                subject_uuid=declaration.uuid,
            )


def on_presented(sender, *, presentation, actor, **kwargs) -> None:
    """The bank's staff hear that a declaration was presented to their bank."""
    declaration = presentation.declaration
    services.notify(
        recipients=selectors.staff_of(presentation.bank_id),
        kind=Kind.PRESENTED,
        message=kinds.PRESENTED,
        params={"number": declaration.number, "company": _company_name(declaration)},
        subject_type=Notification.Subject.PRESENTATION,
        subject_uuid=declaration.uuid,
    )


def on_awaiting_bank(sender, *, subject, actor, **kwargs) -> None:
    """The bank's staff hear of a payment or an agreement waiting for their confirmation."""
    if isinstance(subject, PaymentInstruction):
        declaration = subject.bill.declaration
        services.notify(
            recipients=selectors.staff_of(subject.bank_id),
            kind=Kind.PAYMENT_AWAITING,
            message=kinds.PAYMENT_AWAITING,
            params={
                "company": _company_name(declaration),
                "bill": subject.bill.number,
                "amount": f"{subject.amount:.2f}",
                "account": subject.agreement.account_number,
            },
            subject_type=Notification.Subject.INSTRUCTION,
            subject_uuid=subject.uuid,
        )
    else:  # a payment agreement
        services.notify(
            recipients=selectors.staff_of(subject.bank_id),
            kind=Kind.AGREEMENT_AWAITING,
            message=kinds.AGREEMENT_AWAITING,
            params={"company": subject.company.name, "account": subject.account_number},
            subject_type=Notification.Subject.AGREEMENT,
            subject_uuid=subject.uuid,
        )


def _company_name(declaration: Declaration) -> str:
    return declaration.company.name
