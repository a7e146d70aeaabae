"""Who is told what, when the domains below say something happened (their signals).

Each receiver runs inside the transaction of the change, so the notifications it creates are
committed with that change or not at all.
"""

from __future__ import annotations

from eport.declarations.models import Declaration
from eport.licensing.models import Licence
from eport.payments.models import PaymentInstruction

from . import kinds, selectors, services
from .kinds import Kind
from .models import Notification

Status = Declaration.Status
Inspection = Declaration.Inspection
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
    """The declaring company's traders hear of what they must act on or wait for, and of the
    inspection agency's result; the officer who raised a query hears the answer; the inspection
    agency's officers hear of goods waiting for them."""
    status = declaration.status
    _tell_inspectors_if_waiting(declaration, move)
    if move == "pass_inspection":
        _tell_traders(
            declaration,
            Kind.INSPECTION_PASSED,
            kinds.INSPECTION_PASSED,
            agency=declaration.inspection_agency.name,
            certificate=declaration.inspection_certificate,
        )
    elif move == "fail_inspection":
        _tell_traders(
            declaration,
            Kind.INSPECTION_FAILED,
            kinds.INSPECTION_FAILED,
            agency=declaration.inspection_agency.name,
            reason=services.quote(declaration.inspection_reason),
        )
    elif move == "query":
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


def _tell_inspectors_if_waiting(declaration: Declaration, move: str) -> None:
    """The inspection agency's officers hear once the declaration starts waiting for them: on
    submission, or when an amendment (or an officer's reclassification) puts goods on the
    statutory inspection list."""
    if declaration.inspection_status != Inspection.PENDING:
        return
    if move == "submit":
        newly = True
    elif move == "amend":
        amendment = declaration.amendments.order_by("-created_at", "-id").first()
        newly = amendment is not None and (
            amendment.before.get("inspection_status") != Inspection.PENDING
        )
    elif move == "assess":
        # An assessment leaves no snapshot of before: the agency has not heard of it yet.
        newly = not Notification.objects.filter(
            kind=Kind.INSPECTION_WAITING, subject_uuid=declaration.uuid
        ).exists()
    else:
        return
    if newly:
        services.notify(
            recipients=selectors.officers_of(declaration.inspection_agency_id),
            kind=Kind.INSPECTION_WAITING,
            message=kinds.INSPECTION_WAITING,
            params={"number": declaration.number, "company": _company_name(declaration)},
            subject_type=Notification.Subject.DECLARATION,
            subject_uuid=declaration.uuid,
        )


def _about_licence(licence: Licence, recipients: list, kind: str, message: str, **params):
    services.notify(
        recipients=recipients,
        kind=kind,
        message=message,
        params={"goods": services.quote(licence.description), **params},
        subject_type=Notification.Subject.LICENCE,
        subject_uuid=licence.uuid,
    )


def on_licence_applied(sender, *, licence, actor, **kwargs) -> None:
    """The licensing officers of the agency applied to hear of the new application."""
    _about_licence(
        licence,
        selectors.officers_of(licence.agency_id),
        Kind.LICENCE_APPLIED,
        kinds.LICENCE_APPLIED[licence.flow],
        company=licence.company.name,
        hs_code=licence.hs_code,
    )


def on_licence_moved(sender, *, licence, move, actor, reason="", **kwargs) -> None:
    """The applying company's traders hear of the agency's query and decision; the agency's
    licensing officers hear the answer to its query."""
    if move in ("query", "approve", "refuse"):
        traders, agency = selectors.traders_of(licence.company_id), licence.agency.name
    if move == "query":
        _about_licence(
            licence,
            traders,
            Kind.LICENCE_QUERIED,
            kinds.LICENCE_QUERIED,
            agency=agency,
            question=services.quote(reason),
        )
    elif move == "approve":
        _about_licence(
            licence,
            traders,
            Kind.LICENCE_APPROVED,
            kinds.LICENCE_APPROVED,
            agency=agency,
            number=licence.number,
            valid_from=licence.valid_from.isoformat(),
            valid_until=licence.valid_until.isoformat(),
        )
    elif move == "refuse":
        _about_licence(
            licence,
            traders,
            Kind.LICENCE_REFUSED,
            kinds.LICENCE_REFUSED,
            agency=agency,
            reason=services.quote(reason),
        )
    elif move == "answer":
        _about_licence(
            licence,
            selectors.officers_of(licence.agency_id),
            Kind.LICENCE_ANSWERED,
            kinds.LICENCE_ANSWERED,
            company=licence.company.name,
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
