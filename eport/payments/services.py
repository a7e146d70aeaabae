"""Every change to bills, agreements, instructions and guarantees: one function each, one
transaction each, each change one or more ledger entries with its subject's state digest.

Locks are taken in one order everywhere: the bill, then its instruction, then the guarantee,
then (inside ``eport.declarations.services``) the declaration. A bill's payment moves its
declaration to paid through the declaration's own lifecycle: the bank's confirmation
(``confirm_payment``), the counter's receipt (``pay``) or the guarantee (``guarantee``).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from eport.accounts.models import Bank, Company
from eport.core.actors import Actor
from eport.core.money import parse_amount
from eport.core.text import control_character_problem
from eport.declarations import lifecycle as declaration_lifecycle
from eport.declarations import services as declarations
from eport.declarations.errors import StaleError, TransitionError
from eport.declarations.models import Declaration
from ledger.services import record

from . import dues, rules, selectors, signals
from .models import CNY, Guarantee, PaymentAgreement, PaymentInstruction, Reservation, TaxBill
from .snapshot import state

ACCOUNT = re.compile(r"[0-9A-Z]{8,34}")
MAX_REFERENCE = 35


def _entry(actor: Actor, action: str, subject: Any, data: dict) -> tuple[Any, str, Any, dict]:
    """A ledger entry of ``subject`` with its state as it is now (the change just made)."""
    facts = {key: value for key, value in data.items() if value not in ("", None)}
    return actor, action, subject, {**facts, "state": state(subject)}


def _record(actor: Actor, action: str, subject: Any, data: dict) -> None:
    actor, action, subject, data = _entry(actor, action, subject, data)
    record(actor=actor, action=action, subject=subject, data=data)
    if _awaits_bank(subject):
        signals.awaiting_bank.send(sender=type(subject), subject=subject, actor=actor)


def _awaits_bank(subject: Any) -> bool:
    """Whether the change just made leaves ``subject`` for its bank to confirm."""
    confirm = rules.STEPS.get(type(subject), {}).get("confirm")
    return confirm is not None and confirm.who == rules.BANK and subject.status in confirm.sources


def _write(entries: list) -> None:
    for actor, action, subject, data in entries:
        record(actor=actor, action=action, subject=subject, data=data)


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _reference(value: Any, field: str, problems: dict, missing: str) -> str:
    text = str(value or "").strip()
    if not text:
        problems[field] = [missing]
    elif len(text) > MAX_REFERENCE:
        problems[field] = [
            _("A reference has at most %(most)s characters.") % {"most": MAX_REFERENCE}
        ]
    elif problem := control_character_problem(text):
        problems[field] = [problem]
    return text


def _currency(value: Any, field: str, problems: dict, *, required: bool = False) -> str:
    """CNY, the currency of duties and taxes; left out, it is CNY unless it is ``required``."""
    currency = str(value or "").strip().upper() or ("" if required else CNY)
    if not currency:
        problems[field] = [_("Enter the currency, CNY.")]
    elif currency != CNY:
        problems[field] = [
            _("Duties and taxes are paid in CNY, not %(currency)s.") % {"currency": currency}
        ]
    return currency


def _bump(subject: Any, version: Any) -> None:
    """Refuse a stale version of an agreement, instruction or guarantee, then take the next."""
    try:
        expected = int(version)
    except (TypeError, ValueError):
        raise StaleError(
            _("Say which version you acted on; reload the page and try again.")
        ) from None
    if expected != subject.version:
        raise StaleError(
            _(
                "This changed after you opened it (you saw version %(seen)s, it is now version "
                "%(now)s); reload it to see its current state."
            )
            % {"seen": expected, "now": subject.version}
        )
    subject.version += 1


def _locked(model, pk, *related):
    return model.objects.select_for_update(of=("self",)).select_related(*related).get(pk=pk)


# --- bills ------------------------------------------------------------------------------------


def bill_number(declaration: Declaration) -> str:
    """The bill's number: the declaration's number with the prefix of a tax payment notice."""
    return f"TB{declaration.number}"


# No savepoint: it is issued inside the assessing transaction, which a failure here rolls back
# whole, so a savepoint would only cost two round trips.
@transaction.atomic(savepoint=False)
def issue_bill(*, declaration: Declaration, actor: Actor) -> TaxBill:
    """Issue the tax bill of a just-assessed declaration (once: a second call returns it)."""
    # Asked first as a bare yes/no: the bill is read only on a second call, which is rare.
    if TaxBill.objects.filter(declaration_id=declaration.pk).exists():
        return TaxBill.objects.get(declaration_id=declaration.pk)
    issued_on = selectors.today()
    bill = TaxBill.objects.create(
        number=bill_number(declaration),
        declaration=declaration,
        duty=declaration.duty_total or Decimal("0.00"),
        vat=declaration.vat_total or Decimal("0.00"),
        currency=CNY,
        issued_on=issued_on,
        due_on=dues.due_date(issued_on, settings.EPORT_PAYMENT_DAYS),
    )
    _record(
        actor,
        "bill.issued",
        bill,
        {
            "declaration": str(declaration.uuid),
            "number": bill.number,
            "duty": _money(bill.duty),
            "vat": _money(bill.vat),
            "tax": _money(bill.tax),
            "currency": CNY,
            "issued_on": issued_on.isoformat(),
            "due_on": bill.due_on.isoformat(),
        },
    )
    return bill


def _lock_bill(bill: TaxBill) -> TaxBill:
    return _locked(
        TaxBill, bill.pk, "declaration", "declaration__company", "declaration__office", "guarantee"
    )


def _check_unpaid(bill: TaxBill) -> None:
    if bill.status == TaxBill.Status.PAID:
        raise TransitionError(
            _("Bill %(number)s is already paid (%(on)s).")
            % {"number": bill.number, "on": bill.paid_on.isoformat()}
        )


def _check_no_instruction(bill: TaxBill) -> None:
    waiting = selectors.live_instruction(bill)
    if waiting is not None:
        raise TransitionError(
            _(
                "A payment of bill %(number)s is waiting for %(bank)s to debit account "
                "%(account)s; withdraw it or wait for the bank's answer first."
            )
            % {
                "number": bill.number,
                "bank": waiting.bank.legal_name,
                "account": waiting.agreement.account_number,
            }
        )


def _write_off(
    bill: TaxBill,
    actor: Actor,
    *,
    means: str,
    paid_on: date,
    reference: str,
    due: dues.Due,
    entries: list,
    bank: str | None = None,
) -> dict:
    """Mark the bill paid, adding to ``entries`` the surcharge line first (if late), then the
    payment; returns the facts the declaration's entry repeats. ``bank``: the BIC debited."""
    bill.status = TaxBill.Status.PAID
    bill.means = means
    bill.paid_on = paid_on
    bill.paid_reference = reference
    bill.paid_by = actor
    bill.surcharge_days = due.days_late
    bill.surcharge = due.surcharge
    bill.paid_amount = due.total
    bill.version += 1
    bill.save(update_fields=_WRITTEN_OFF)
    if due.late:
        entries.append(
            _entry(
                actor,
                "bill.surcharged",
                bill,
                {
                    "number": bill.number,
                    "tax": _money(due.tax),
                    "due_on": due.due_on.isoformat(),
                    "paid_on": paid_on.isoformat(),
                    "days": due.days_late,
                    "rate_per_day": "0.05%",
                    "surcharge": _money(due.surcharge),
                    "bank": bank,
                },
            )
        )
    facts = {
        "bill": bill.number,
        "means": means,
        "tax": _money(due.tax),
        "surcharge": _money(due.surcharge),
        "amount": _money(due.total),
        "currency": CNY,
        "paid_on": paid_on.isoformat(),
        "bank": bank,
    }
    entries.append(_entry(actor, "bill.paid", bill, {**facts, "reference": reference}))
    return facts


_WRITTEN_OFF = [
    "status",
    "means",
    "paid_on",
    "paid_reference",
    "paid_by",
    "surcharge_days",
    "surcharge",
    "paid_amount",
    "version",
]


def _restore(bill: TaxBill, actor: Actor, entries: list) -> None:
    """A guaranteed bill is paid: its reservation goes back to the guarantee's balance."""
    reservation = Reservation.objects.filter(bill_id=bill.pk, restored_at__isnull=True).first()
    if reservation is None:
        return
    guarantee = _locked(Guarantee, reservation.guarantee_id, "bank", "company")
    reservation.restored_at = timezone.now()
    reservation.save(update_fields=["restored_at"])
    entries.append(
        _entry(
            actor,
            "guarantee.restored",
            guarantee,
            {
                "bill": bill.number,
                "amount": _money(reservation.amount),
                "remaining": _money(selectors.remaining(guarantee)),
            },
        )
    )


@transaction.atomic
def record_counter_payment(*, bill: TaxBill, actor: Actor, receipt_number: str) -> TaxBill:
    """An officer's record of a bill paid at a customs counter, with its receipt number."""
    declaration_lifecycle.check_role(actor, "pay")
    bill = _lock_bill(bill)
    problems: dict[str, list[str]] = {}
    receipt_number = _reference(
        receipt_number, "receipt_number", problems, _("Enter the counter receipt number.")
    )
    if problems:
        raise ValidationError(problems)
    _check_unpaid(bill)
    if bill.status == TaxBill.Status.GUARANTEED:
        raise TransitionError(
            _(
                "Bill %(number)s was released against a guarantee; the trader pays it by "
                "e-payment through its bank."
            )
            % {"number": bill.number}
        )
    declaration_lifecycle.check_move(bill.declaration, actor, "pay")
    _check_no_instruction(bill)
    paid_on = selectors.today()
    entries: list = []
    facts = _write_off(
        bill,
        actor,
        means=TaxBill.Means.COUNTER,
        paid_on=paid_on,
        reference=receipt_number,
        due=selectors.amount_due(bill, paid_on),
        entries=entries,
    )
    declarations.record_payment(
        declaration=bill.declaration,
        actor=actor,
        reference=receipt_number,
        details=facts,
        preceding=entries,
    )
    return bill


# --- payment agreements -----------------------------------------------------------------------


def normalise_account(value: Any) -> str:
    """An account number as banks print it, without spaces or hyphens, upper case."""
    return re.sub(r"[\s-]", "", str(value or "")).upper()


@transaction.atomic
def request_agreement(
    *, actor: Actor, bank: Bank, account_number: str, currency: str = CNY
) -> PaymentAgreement:
    """A trader asks an alliance bank to debit one of its company's accounts for its bills."""
    rules.check_trader(actor)
    problems: dict[str, list[str]] = {}
    account = normalise_account(account_number)
    if not ACCOUNT.fullmatch(account):
        problems["account_number"] = [
            _("Enter the account number: 8 to 34 letters and digits, as the bank issued it.")
        ]
    _currency(currency, "currency", problems)
    if problems:
        raise ValidationError(problems)
    if not bank.active:
        raise TransitionError(
            _("The bank %(bic)s is not active in the alliance.") % {"bic": bank.bic}
        )
    agreement = PaymentAgreement(
        company_id=actor.company_id,
        bank=bank,
        account_number=account,
        currency=CNY,
        requested_by=actor,
    )
    try:
        with transaction.atomic():
            agreement.save()
    except IntegrityError:
        raise ValidationError(
            {
                "account_number": [
                    _(
                        "Account %(account)s already has an agreement with %(bank)s, asked for or "
                        "in force."
                    )
                    % {"account": account, "bank": bank.legal_name}
                ]
            }
        ) from None
    agreement.company = Company.objects.get(pk=actor.company_id)
    _record(
        actor,
        "agreement.requested",
        agreement,
        {
            "company": agreement.company.usci,
            "bank": bank.bic,
            "account_number": account,
            "currency": CNY,
        },
    )
    return agreement


def _agreement_step(agreement, actor, name, version, reason="") -> PaymentAgreement:
    agreement = _locked(PaymentAgreement, agreement.pk, "company", "bank")
    step = rules.check_step(agreement, actor, name)
    _bump(agreement, version)
    reason = str(reason or "").strip()
    if any(i.name == "reason" and i.required for i in step.inputs) and not reason:
        raise ValidationError({"reason": [_("Give the reason.")]})
    now = timezone.now()
    agreement.status = step.target
    if name == "end":
        if agreement.instructions.filter(status=PaymentInstruction.Status.PENDING).exists():
            raise TransitionError(
                _(
                    "A payment from this account is waiting for the bank; the agreement can end "
                    "once the bank has answered it or it is withdrawn."
                )
            )
        agreement.ended_by, agreement.ended_at = actor, now
    else:
        agreement.decided_by, agreement.decided_at = actor, now
    agreement.reason = reason
    agreement.save()
    _record(
        actor,
        _ACTIONS[name],
        agreement,
        {"bank": agreement.bank.bic, "account_number": agreement.account_number, "reason": reason},
    )
    return agreement


_ACTIONS = {
    "confirm": "agreement.confirmed",
    "refuse": "agreement.refused",
    "end": "agreement.ended",
}


@transaction.atomic
def confirm_agreement(
    *, agreement: PaymentAgreement, actor: Actor, version: int
) -> PaymentAgreement:
    """The bank puts the agreement in force: the account can pay the company's bills."""
    return _agreement_step(agreement, actor, "confirm", version)


@transaction.atomic
def refuse_agreement(
    *, agreement: PaymentAgreement, actor: Actor, version: int, reason: str
) -> PaymentAgreement:
    return _agreement_step(agreement, actor, "refuse", version, reason)


@transaction.atomic
def end_agreement(
    *, agreement: PaymentAgreement, actor: Actor, version: int, reason: str = ""
) -> PaymentAgreement:
    """Either side ends an agreement; a payment waiting on it must be answered first."""
    return _agreement_step(agreement, actor, "end", version, reason)


# --- e-payment --------------------------------------------------------------------------------


@transaction.atomic
def instruct_payment(
    *, bill: TaxBill, actor: Actor, agreement: PaymentAgreement
) -> PaymentInstruction:
    """The trader instructs the bank under ``agreement`` to pay the bill (tax and any surcharge)."""
    rules.check_trader_of_bill(bill, actor)
    bill = _lock_bill(bill)
    _check_unpaid(bill)
    agreement = PaymentAgreement.objects.select_related("bank").get(pk=agreement.pk)
    if agreement.company_id != bill.declaration.company_id:
        raise ValidationError({"agreement": [_("That account is not your company's.")]})
    if not agreement.live or not agreement.bank.active:
        raise TransitionError(
            _("Account %(account)s is not under an agreement in force, so it cannot pay bills.")
            % {"account": agreement.account_number}
        )
    _check_no_instruction(bill)
    due = selectors.amount_due(bill)
    instruction = PaymentInstruction.objects.create(
        bill=bill,
        agreement=agreement,
        bank=agreement.bank,
        amount=due.total,
        currency=CNY,
        instructed_by=actor,
    )
    _record(
        actor,
        "payment.instructed",
        instruction,
        {
            "bill": bill.number,
            "bank": agreement.bank.bic,
            "account_number": agreement.account_number,
            "tax": _money(due.tax),
            "surcharge": _money(due.surcharge),
            "amount": _money(due.total),
            "currency": CNY,
        },
    )
    return instruction


def _lock_instruction(instruction: PaymentInstruction) -> tuple[TaxBill, PaymentInstruction]:
    """The instruction and its bill, both locked, in one query."""
    locked = (
        PaymentInstruction.objects.select_for_update(of=("self", "bill"))
        .select_related("bill__declaration__company", "agreement", "bank")
        .get(pk=instruction.pk)
    )
    return locked.bill, locked


@transaction.atomic
def confirm_payment(
    *,
    instruction: PaymentInstruction,
    actor: Actor,
    bill_number: str,
    amount: Any,
    currency: str,
    bank_reference: str,
    value_date: date,
) -> PaymentInstruction:
    """The bank confirms it debited the trader: the bill is written off and, if it was waiting
    for this payment, its declaration is paid (a green-lane one released).

    A retry of the same confirmation (same bank reference) confirms once and returns it.
    """
    rules.check_bank(actor)
    problems: dict[str, list[str]] = {}
    reference = _reference(
        bank_reference, "bank_reference", problems, _("Enter your bank's reference for the debit.")
    )
    amount_value = parse_amount(amount, "amount", problems)
    currency = _currency(currency, "currency", problems, required=True)
    if not isinstance(value_date, date):
        problems["value_date"] = [_("Enter the value date of the debit, e.g. 2026-12-01.")]
    if problems:
        raise ValidationError(problems)
    bill, instruction = _lock_instruction(instruction)
    if (
        instruction.status == PaymentInstruction.Status.CONFIRMED
        and instruction.bank_id == actor.bank_id
    ):
        if instruction.bank_reference == reference:
            return instruction  # the same confirmation again: already done
        raise TransitionError(
            _("This payment was already confirmed under your reference %(reference)s.")
            % {"reference": instruction.bank_reference}
        )
    rules.check_step(instruction, actor, "confirm")
    number = str(bill_number or "").strip().upper()
    if number != bill.number:
        problems["bill_number"] = [
            _("This instruction is for bill %(bill)s, not %(given)s.")
            % {"bill": bill.number, "given": number or "—"}
        ]
    today = selectors.today()
    if value_date > today:
        problems["value_date"] = [
            _("The value date %(date)s is in the future.") % {"date": value_date.isoformat()}
        ]
    elif value_date < instruction.instructed_at.astimezone(timezone.get_current_timezone()).date():
        problems["value_date"] = [
            _("The value date %(date)s is before the trader's instruction.")
            % {"date": value_date.isoformat()}
        ]
    if problems:
        raise ValidationError(problems)
    due = selectors.amount_due(bill, value_date)
    if amount_value != due.total:
        raise ValidationError({"amount": [_amount_difference(bill, due, amount_value)]})
    if PaymentInstruction.objects.filter(bank_id=actor.bank_id, bank_reference=reference).exists():
        raise ValidationError(
            {
                "bank_reference": [
                    _("Your bank already confirmed another payment under %(reference)s.")
                    % {"reference": reference}
                ]
            }
        )
    guaranteed = bill.status == TaxBill.Status.GUARANTEED
    instruction.status = PaymentInstruction.Status.CONFIRMED
    instruction.bank_reference = reference
    instruction.confirmed_amount = amount_value
    instruction.surcharge = due.surcharge
    instruction.value_date = value_date
    instruction.decided_by = actor
    instruction.decided_at = timezone.now()
    instruction.version += 1
    instruction.save(update_fields=_CONFIRMED)
    entries = [
        _entry(
            actor,
            "payment.confirmed",
            instruction,
            {
                "bill": bill.number,
                "bank": instruction.bank.bic,
                "bank_reference": reference,
                "amount": _money(amount_value),
                "currency": CNY,
                "value_date": value_date.isoformat(),
            },
        )
    ]
    facts = _write_off(
        bill,
        actor,
        means=TaxBill.Means.E_PAYMENT,
        paid_on=value_date,
        reference=reference,
        due=due,
        entries=entries,
        bank=instruction.bank.bic,
    )
    if guaranteed:
        _restore(bill, actor, entries)
        _write(entries)
    else:
        # The declaration's move appends these entries before its own, as its last step.
        declarations.record_bank_payment(
            declaration=bill.declaration,
            actor=actor,
            reference=reference,
            details=facts,
            preceding=entries,
        )
    return instruction


_CONFIRMED = [
    "status",
    "bank_reference",
    "confirmed_amount",
    "surcharge",
    "value_date",
    "decided_by",
    "decided_at",
    "version",
]


def _amount_difference(bill: TaxBill, due: dues.Due, confirmed: Decimal) -> str:
    difference = confirmed - due.total
    if due.late:
        asked = _(
            "Bill %(bill)s asks for %(total)s CNY on %(on)s: tax %(tax)s and a surcharge of "
            "%(surcharge)s for %(days)s day(s) late."
        ) % {
            "bill": bill.number,
            "total": _money(due.total),
            "on": due.on.isoformat(),
            "tax": _money(due.tax),
            "surcharge": _money(due.surcharge),
            "days": due.days_late,
        }
    else:
        asked = _("Bill %(bill)s asks for %(total)s CNY on %(on)s.") % {
            "bill": bill.number,
            "total": _money(due.total),
            "on": due.on.isoformat(),
        }
    return (
        asked
        + " "
        + _("You confirmed %(amount)s CNY, %(difference)s %(direction)s.")
        % {
            "amount": _money(confirmed),
            "difference": _money(abs(difference)),
            "direction": _("too much") if difference > 0 else _("too little"),
        }
    )


def _instruction_step(instruction, actor, name, version, reason="") -> PaymentInstruction:
    instruction = _lock_instruction(instruction)[1]  # not "_, instruction": _ is gettext
    step = rules.check_step(instruction, actor, name)
    _bump(instruction, version)
    reason = str(reason or "").strip()
    if any(i.name == "reason" and i.required for i in step.inputs) and not reason:
        raise ValidationError({"reason": [_("Give the reason, so the trader can act on it.")]})
    instruction.status = step.target
    instruction.reason = reason
    instruction.decided_by = actor
    instruction.decided_at = timezone.now()
    instruction.save()
    _record(
        actor,
        {"refuse": "payment.refused", "withdraw": "payment.withdrawn"}[name],
        instruction,
        {"bill": instruction.bill.number, "bank": instruction.bank.bic, "reason": reason},
    )
    return instruction


@transaction.atomic
def refuse_payment(
    *, instruction: PaymentInstruction, actor: Actor, version: int, reason: str
) -> PaymentInstruction:
    """The bank cannot debit the account (no funds, account closed...): the bill stays open."""
    return _instruction_step(instruction, actor, "refuse", version, reason)


@transaction.atomic
def withdraw_payment(
    *, instruction: PaymentInstruction, actor: Actor, version: int
) -> PaymentInstruction:
    """The trader takes back an instruction the bank has not answered yet."""
    return _instruction_step(instruction, actor, "withdraw", version)


# --- guarantees -------------------------------------------------------------------------------


@transaction.atomic
def issue_guarantee(
    *,
    actor: Actor,
    company: Company,
    amount: Any,
    valid_from: date,
    valid_until: date,
    bank_reference: str,
    currency: str = CNY,
) -> Guarantee:
    """A bank's general guarantee for a trader's duties and taxes."""
    rules.check_bank(actor)
    problems: dict[str, list[str]] = {}
    amount_value = parse_amount(amount, "amount", problems)
    _currency(currency, "currency", problems)
    reference = _reference(
        bank_reference, "bank_reference", problems, _("Enter your bank's reference for it.")
    )
    if not isinstance(valid_from, date):
        problems["valid_from"] = [_("Enter the first day it is valid, e.g. 2026-12-01.")]
    if not isinstance(valid_until, date):
        problems["valid_until"] = [_("Enter the last day it is valid, e.g. 2027-11-30.")]
    elif isinstance(valid_from, date) and valid_until < valid_from:
        problems["valid_until"] = [_("The guarantee ends before it starts.")]
    if problems:
        raise ValidationError(problems)
    guarantee = Guarantee(
        bank=actor.bank,
        company=company,
        amount=amount_value,
        currency=CNY,
        valid_from=valid_from,
        valid_until=valid_until,
        bank_reference=reference,
        issued_by=actor,
    )
    try:
        with transaction.atomic():
            guarantee.save()
    except IntegrityError:
        raise ValidationError(
            {
                "bank_reference": [
                    _("Your bank already issued a guarantee under %(reference)s.")
                    % {"reference": reference}
                ]
            }
        ) from None
    _record(
        actor,
        "guarantee.issued",
        guarantee,
        {
            "bank": actor.bank.bic,
            "company": company.usci,
            "amount": _money(amount_value),
            "currency": CNY,
            "valid_from": valid_from.isoformat(),
            "valid_until": valid_until.isoformat(),
            "bank_reference": reference,
        },
    )
    return guarantee


@transaction.atomic
def end_guarantee(*, guarantee: Guarantee, actor: Actor, version: int) -> Guarantee:
    """The bank ends a guarantee that holds no unpaid bill."""
    guarantee = _locked(Guarantee, guarantee.pk, "bank", "company")
    rules.check_step(guarantee, actor, "end")
    _bump(guarantee, version)
    held = selectors.reserved(guarantee)
    if held:
        raise TransitionError(
            _(
                "Unpaid bills still hold %(held)s CNY of this guarantee; it can end once they "
                "are paid."
            )
            % {"held": _money(held)}
        )
    guarantee.status = Guarantee.Status.ENDED
    guarantee.ended_by, guarantee.ended_at = actor, timezone.now()
    guarantee.save()
    _record(actor, "guarantee.ended", guarantee, {"bank": guarantee.bank.bic})
    return guarantee


@transaction.atomic
def release_against_guarantee(*, bill: TaxBill, actor: Actor, guarantee: Guarantee) -> TaxBill:
    """Reserve the bill's tax from the guarantee: the declaration proceeds as paid and the bill
    stays open, due by the aggregate date. Concurrent reservations are serialized by the
    guarantee's row lock, so they can never overdraw it."""
    rules.check_trader_of_bill(bill, actor)
    bill = _lock_bill(bill)
    _check_unpaid(bill)
    if bill.status == TaxBill.Status.GUARANTEED:
        raise TransitionError(
            _("Bill %(number)s is already released against a guarantee.") % {"number": bill.number}
        )
    declaration_lifecycle.check_move(bill.declaration, actor, "guarantee")
    _check_no_instruction(bill)
    today = selectors.today()
    if today > bill.due_on:
        raise TransitionError(
            _(
                "Bill %(number)s was due on %(due)s; a guarantee no longer covers it. Pay it "
                "with its surcharge."
            )
            % {"number": bill.number, "due": bill.due_on.isoformat()}
        )
    guarantee = _locked(Guarantee, guarantee.pk, "bank", "company")
    if guarantee.company_id != bill.declaration.company_id:
        raise ValidationError({"guarantee": [_("That guarantee is not your company's.")]})
    _check_usable(guarantee, today)
    left = selectors.remaining(guarantee)
    if bill.tax > left:
        raise TransitionError(
            _("Guarantee %(reference)s has %(left)s CNY left; bill %(number)s needs %(tax)s CNY.")
            % {
                "reference": guarantee.bank_reference,
                "left": _money(left),
                "number": bill.number,
                "tax": _money(bill.tax),
            }
        )
    Reservation.objects.create(guarantee=guarantee, bill=bill, amount=bill.tax, reserved_by=actor)
    bill.status = TaxBill.Status.GUARANTEED
    bill.guarantee = guarantee
    bill.guaranteed_due_on = selectors.aggregate_due_date(bill)
    bill.version += 1
    bill.save(update_fields=["status", "guarantee", "guaranteed_due_on", "version"])
    reserved = _entry(
        actor,
        "guarantee.reserved",
        guarantee,
        {"bill": bill.number, "amount": _money(bill.tax), "remaining": _money(left - bill.tax)},
    )
    guaranteed = _entry(
        actor,
        "bill.guaranteed",
        bill,
        {
            "number": bill.number,
            "guarantee": str(guarantee.uuid),
            "bank": guarantee.bank.bic,
            "amount": _money(bill.tax),
            "due_on": bill.guaranteed_due_on.isoformat(),
        },
    )
    declarations.record_guarantee(
        declaration=bill.declaration,
        actor=actor,
        reference=guarantee.bank_reference,
        details={
            "bill": bill.number,
            "amount": _money(bill.tax),
            "bank": guarantee.bank.bic,
            "due_on": bill.guaranteed_due_on.isoformat(),
        },
        preceding=[reserved, guaranteed],
    )
    return bill


def _check_usable(guarantee: Guarantee, on: date) -> None:
    if guarantee.status != Guarantee.Status.LIVE or not guarantee.bank.active:
        raise TransitionError(
            _("Guarantee %(reference)s is not in force.") % {"reference": guarantee.bank_reference}
        )
    if not guarantee.valid_from <= on <= guarantee.valid_until:
        raise TransitionError(
            _("Guarantee %(reference)s is valid from %(start)s until %(end)s, not today.")
            % {
                "reference": guarantee.bank_reference,
                "start": guarantee.valid_from.isoformat(),
                "end": guarantee.valid_until.isoformat(),
            }
        )
    overdue = selectors.overdue_bills(guarantee, on).first()
    if overdue is not None:
        raise TransitionError(
            _(
                "Guarantee %(reference)s is frozen: bill %(bill)s was due on %(due)s and is not "
                "paid yet. Pay it to use the guarantee again."
            )
            % {
                "reference": guarantee.bank_reference,
                "bill": overdue.number,
                "due": overdue.guaranteed_due_on.isoformat(),
            }
        )


# Every step's service, looked up once: a step naming a missing service fails here.
STEP_SERVICES = {
    (kind, name): globals()[step.service]
    for kind, steps in rules.STEPS.items()
    for name, step in steps.items()
}
