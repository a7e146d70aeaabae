"""Who may read a ledger entry's bytes (EPORT_LEDGER_ENTRY_ACCESS, spec section 6).

Entries about bills, agreements, payment instructions and guarantees are read by whoever may see
that subject (``selectors``): the company's traders, the bank concerned, the office's officers
for bills and instructions, auditors. A bank that sees a bill (it was asked to debit it, or it
guarantees it) reads the bill's entries except those naming another bank: never another bank's
debit or guarantee. Everything else is as ``eport.banks.access`` says.
"""

from __future__ import annotations

import uuid

from eport.banks.access import may_see_entry as may_see_banking_entry

from . import selectors

_SUBJECTS = {
    "bill": selectors.bills_for,
    "agreement": selectors.agreements_for,
    "payment": selectors.instructions_for,
    "guarantee": selectors.guarantees_for,
}


def may_see_entry(user, entry) -> bool:
    """True when ``user`` may read this ledger entry."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    kind, _, identifier = entry.subject.partition(":")
    visible = _SUBJECTS.get(kind)
    if visible is None:
        return may_see_banking_entry(user, entry)
    if user.is_auditor:
        return True  # as the selectors say, without a query per entry (bundles ask 256 at once)
    try:
        key = uuid.UUID(identifier)
    except ValueError:
        return False
    if not visible(user).filter(uuid=key).exists():
        return False
    if kind == "bill" and user.is_bank:
        data = entry.data if isinstance(entry.data, dict) else {}
        return data.get("bank") in (None, user.bank.bic)
    return True
