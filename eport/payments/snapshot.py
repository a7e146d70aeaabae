"""The snapshots of bills, agreements, instructions and guarantees whose digests the ledger records.

Each holds the subject's own figures by stable codes (USCI, BIC, bill number, uuids): never a
database id, and never another bank's figures.
"""

from __future__ import annotations

from decimal import Decimal

from eport.core.ledgering import json_value, state_digest

from . import selectors
from .models import Guarantee, PaymentAgreement, PaymentInstruction, TaxBill


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def bill_snapshot(bill: TaxBill) -> dict:
    declaration = bill.declaration
    return {
        "uuid": str(bill.uuid),
        "number": bill.number,
        "declaration": str(declaration.uuid),
        "declaration_number": declaration.number,
        "company": declaration.company.usci,
        "duty": _money(bill.duty),
        "vat": _money(bill.vat),
        "currency": bill.currency,
        "issued_on": json_value(bill.issued_on),
        "due_on": json_value(bill.due_on),
        "status": bill.status,
        "guarantee": str(bill.guarantee.uuid) if bill.guarantee_id else None,
        "guaranteed_due_on": json_value(bill.guaranteed_due_on),
        "means": bill.means or None,
        "paid_on": json_value(bill.paid_on),
        "paid_reference": bill.paid_reference or None,
        "surcharge_days": bill.surcharge_days,
        "surcharge": _money(bill.surcharge),
        "paid_amount": _money(bill.paid_amount),
    }


def agreement_snapshot(agreement: PaymentAgreement) -> dict:
    return {
        "uuid": str(agreement.uuid),
        "company": agreement.company.usci,
        "bank": agreement.bank.bic,
        "account_number": agreement.account_number,
        "currency": agreement.currency,
        "status": agreement.status,
        "reason": agreement.reason or None,
    }


def instruction_snapshot(instruction: PaymentInstruction) -> dict:
    return {
        "uuid": str(instruction.uuid),
        "bill": instruction.bill.number,
        "agreement": str(instruction.agreement.uuid),
        "bank": instruction.bank.bic,
        "amount": _money(instruction.amount),
        "currency": instruction.currency,
        "status": instruction.status,
        "bank_reference": instruction.bank_reference or None,
        "confirmed_amount": _money(instruction.confirmed_amount),
        "surcharge": _money(instruction.surcharge),
        "value_date": json_value(instruction.value_date),
        "reason": instruction.reason or None,
    }


def guarantee_snapshot(guarantee: Guarantee) -> dict:
    return {
        "uuid": str(guarantee.uuid),
        "bank": guarantee.bank.bic,
        "company": guarantee.company.usci,
        "amount": _money(guarantee.amount),
        "currency": guarantee.currency,
        "valid_from": json_value(guarantee.valid_from),
        "valid_until": json_value(guarantee.valid_until),
        "bank_reference": guarantee.bank_reference,
        "status": guarantee.status,
        # Read afresh, not from a list's annotation: the digest is of the state after a change.
        "reserved": _money(selectors.reserved(guarantee)),
    }


SNAPSHOTS = {
    TaxBill: bill_snapshot,
    PaymentAgreement: agreement_snapshot,
    PaymentInstruction: instruction_snapshot,
    Guarantee: guarantee_snapshot,
}


def snapshot(subject) -> dict:
    return SNAPSHOTS[type(subject)](subject)


def state(subject) -> str:
    """The digest the ledger records of this subject right after a change."""
    return state_digest(snapshot(subject))
