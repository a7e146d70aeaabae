"""Presentations and the financing registry: one function per change, one transaction each.

Registrations against a declaration are serialized by a row lock on the declaration, taken in
the same transaction as the ledger entry, so concurrent requests of different banks can never
finance it beyond its invoice total. Every change records one ledger entry about its own subject
(``presentation:<uuid>``, ``financing:<uuid>``) with a state digest, and no other bank's figures.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from eport.accounts.models import Bank
from eport.core.actors import Actor
from eport.core.money import parse_amount
from eport.core.text import control_character_problem
from eport.declarations.errors import StaleError, TransitionError
from eport.declarations.models import Declaration
from ledger.services import record

from . import lifecycle, selectors, signals
from .models import Financing, Presentation
from .snapshot import financing_state, presentation_state

# --- presentations ----------------------------------------------------------------------------


@transaction.atomic
def present_declaration(*, declaration: Declaration, actor: Actor, bank: Bank) -> Presentation:
    """Let ``bank`` see a released declaration of the actor's company, for financing."""
    lifecycle.check_trader_of(declaration, actor)
    declaration = _lock_declaration(declaration)
    lifecycle.check_presentable(declaration)
    if not bank.active:
        raise TransitionError(
            _("The bank %(bic)s is not active in the alliance.") % {"bic": bank.bic}
        )
    presentation = Presentation(declaration=declaration, bank=bank, presented_by=actor)
    try:
        with transaction.atomic():
            presentation.save()
    except IntegrityError:
        raise TransitionError(
            _("This declaration is already presented to %(bank)s.") % {"bank": bank.legal_name}
        ) from None
    record(
        actor=actor,
        action="presentation.created",
        subject=presentation,
        data={
            "declaration": str(declaration.uuid),
            "number": declaration.number,
            "bank": bank.bic,
            "state": presentation_state(presentation),
        },
    )
    signals.presented.send(sender=Presentation, presentation=presentation, actor=actor)
    return presentation


@transaction.atomic
def withdraw_presentation(*, presentation: Presentation, actor: Actor) -> Presentation:
    """End a bank's view of a declaration, while that bank has nothing live registered on it."""
    lifecycle.check_trader_of(presentation.declaration, actor)
    # The declaration's lock orders this withdrawal with registrations against it.
    _lock_declaration(presentation.declaration)
    presentation = (
        Presentation.objects.select_for_update(of=("self",))
        .select_related("declaration", "bank")
        .get(pk=presentation.pk)
    )
    if not presentation.live:
        raise TransitionError(_("This presentation was already withdrawn."))
    live = Financing.objects.filter(
        declaration_id=presentation.declaration_id,
        bank_id=presentation.bank_id,
        status__in=lifecycle.LIVE_STATUSES,
    )
    if live.exists():
        raise TransitionError(
            _(
                "%(bank)s has a live financing registered against this declaration; it can be "
                "withdrawn once that financing is repaid or cancelled."
            )
            % {"bank": presentation.bank.legal_name}
        )
    presentation.withdrawn_at = timezone.now()
    presentation.withdrawn_by = actor
    presentation.save(update_fields=["withdrawn_at", "withdrawn_by"])
    record(
        actor=actor,
        action="presentation.withdrawn",
        subject=presentation,
        data={
            "declaration": str(presentation.declaration.uuid),
            "bank": presentation.bank.bic,
            "state": presentation_state(presentation),
        },
    )
    return presentation


# --- the registry -----------------------------------------------------------------------------


@transaction.atomic
def register_financing(
    *,
    declaration: Declaration,
    actor: Actor,
    instrument: str,
    amount: Any,
    value_date: date,
    maturity_date: date,
    bank_reference: str,
    currency: str | None = None,
) -> Financing:
    """Register a financing of the actor's bank against a declaration presented to it.

    Refused, with the remaining balance in the message, when all banks' live financings would
    then exceed the declaration's invoice total.
    """
    lifecycle.check_bank_staff(actor)
    bank_reference = str(bank_reference or "").strip()
    problems: dict[str, list[str]] = {}
    if instrument not in Financing.Instrument.values:
        choices = ", ".join(Financing.Instrument.values)
        problems["instrument"] = [_("Choose the instrument: %(choices)s.") % {"choices": choices}]
    amount_value = parse_amount(amount, "amount", problems)
    if not isinstance(value_date, date):
        problems["value_date"] = [_("Enter the value date, e.g. 2026-12-01.")]
    if not isinstance(maturity_date, date):
        problems["maturity_date"] = [_("Enter the maturity date, e.g. 2027-03-01.")]
    elif isinstance(value_date, date) and maturity_date < value_date:
        problems["maturity_date"] = [_("The maturity date is before the value date.")]
    if not bank_reference:
        problems["bank_reference"] = [_("Enter your bank's own reference for this financing.")]
    elif len(bank_reference) > 35:
        problems["bank_reference"] = [_("Your reference has at most 35 characters.")]
    elif problem := control_character_problem(bank_reference):
        problems["bank_reference"] = [problem]
    if problems:
        raise ValidationError(problems)

    # The lock that serializes every registration against this declaration, held to the commit.
    declaration = _lock_declaration(declaration)
    if not Presentation.objects.filter(
        declaration_id=declaration.pk, bank_id=actor.bank_id, withdrawn_at__isnull=True
    ).exists():
        raise TransitionError(
            _("This declaration is not presented to your bank, so it cannot be financed by it.")
        )
    if currency and currency.strip().upper() != declaration.invoice_currency:
        raise ValidationError(
            {
                "currency": [
                    _("Financings of this declaration are in its invoice currency, %(currency)s.")
                    % {"currency": declaration.invoice_currency}
                ]
            }
        )
    remaining = selectors.financeable_balance(declaration)
    if amount_value > remaining:
        raise TransitionError(
            _(
                "%(amount)s %(currency)s is more than this declaration can still be financed by: "
                "%(remaining)s %(currency)s remain of its invoice total."
            )
            % {
                "amount": amount_value,
                "currency": declaration.invoice_currency,
                "remaining": remaining,
            }
        )
    financing = Financing(
        declaration=declaration,
        bank=actor.bank,
        instrument=instrument,
        amount=amount_value,
        currency=declaration.invoice_currency,
        value_date=value_date,
        maturity_date=maturity_date,
        bank_reference=bank_reference,
        registered_by=actor,
    )
    try:
        with transaction.atomic():
            financing.save()
    except IntegrityError:
        raise ValidationError(
            {
                "bank_reference": [
                    _("Your bank already registered a financing under %(reference)s.")
                    % {"reference": bank_reference}
                ]
            }
        ) from None
    record(
        actor=actor,
        action="financing.registered",
        subject=financing,
        data={
            "declaration": str(declaration.uuid),
            "number": declaration.number,
            "bank": actor.bank.bic,
            "instrument": instrument,
            "amount": f"{amount_value:.2f}",
            "currency": financing.currency,
            "value_date": value_date.isoformat(),
            "maturity_date": maturity_date.isoformat(),
            "bank_reference": bank_reference,
            "state": financing_state(financing),
        },
    )
    return financing


@transaction.atomic
def disburse_financing(
    *, financing: Financing, actor: Actor, version: int, amount: Any = None
) -> Financing:
    """Record the disbursement (at most the registered amount; by default all of it)."""
    financing, target = _begin(financing, actor, "disburse", version)
    problems: dict[str, list[str]] = {}
    disbursed = (
        financing.amount if amount in (None, "") else parse_amount(amount, "amount", problems)
    )
    if not problems and disbursed > financing.amount:
        problems["amount"] = [
            _("At most the registered %(amount)s %(currency)s can be disbursed.")
            % {"amount": financing.amount, "currency": financing.currency}
        ]
    if problems:
        raise ValidationError(problems)
    financing.disbursed_amount = disbursed
    return _finish(financing, target, actor, "financing.disbursed", {"amount": f"{disbursed:.2f}"})


@transaction.atomic
def repay_financing(*, financing: Financing, actor: Actor, version: int) -> Financing:
    """Record that a disbursed financing was repaid; its amount stays consumed."""
    financing, target = _begin(financing, actor, "repay", version)
    return _finish(financing, target, actor, "financing.repaid", {})


@transaction.atomic
def cancel_financing(
    *, financing: Financing, actor: Actor, version: int, reason: str = ""
) -> Financing:
    """Cancel a financing not yet disbursed; its amount is financeable again."""
    financing, target = _begin(financing, actor, "cancel", version)
    return _finish(
        financing, target, actor, "financing.cancelled", {"reason": str(reason or "").strip()}
    )


# --- the shape shared by the financing moves --------------------------------------------------


def _lock_declaration(declaration: Declaration) -> Declaration:
    return Declaration.objects.select_for_update(of=("self",)).get(pk=declaration.pk)


def _begin(financing: Financing, actor: Actor, move: str, version: Any) -> tuple[Financing, str]:
    financing = (
        Financing.objects.select_for_update(of=("self",))
        .select_related("declaration", "bank")
        .get(pk=financing.pk)
    )
    target = lifecycle.check_financing_move(financing, actor, move)
    try:
        expected = int(version)
    except (TypeError, ValueError):
        raise StaleError(
            _("Say which version of the financing you acted on; reload it and try again.")
        ) from None
    if expected != financing.version:
        raise StaleError(
            _(
                "This financing changed after you opened it (you saw version %(seen)s, it is now "
                "version %(now)s); reload it to see its current state."
            )
            % {"seen": expected, "now": financing.version}
        )
    return financing, target


def _finish(financing: Financing, target: str, actor: Actor, action: str, data: dict) -> Financing:
    financing.status = target
    financing.status_changed_at = timezone.now()
    financing.version += 1
    financing.save(update_fields=["status", "status_changed_at", "version", "disbursed_amount"])
    facts = {key: value for key, value in data.items() if value not in ("", None)}
    record(
        actor=actor,
        action=action,
        subject=financing,
        data={
            "declaration": str(financing.declaration.uuid),
            "bank": financing.bank.bic,
            **facts,
            "state": financing_state(financing),
        },
    )
    return financing


# Every financing move's service, looked up once: a move naming a missing service fails here.
MOVE_SERVICES = {name: globals()[move.service] for name, move in lifecycle.MOVES.items()}
