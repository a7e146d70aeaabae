"""Who may read a ledger entry's bytes, with banks (EPORT_LEDGER_ENTRY_ACCESS, spec section 6).

Entries about presentations and financings are read by auditors, the bank concerned and the
declaring company's traders, never by customs officers or another bank. A bank reads the entries
about a declaration while that declaration is presented to it. Everything else is as
``eport.declarations.access`` says.
"""

from __future__ import annotations

import uuid

from eport.declarations.access import may_see_entry as may_see_declaration_entry

from .models import Financing, Presentation
from .selectors import presented_declarations

_BANKING_SUBJECTS = {"financing": Financing, "presentation": Presentation}


def may_see_entry(user, entry) -> bool:
    """True when ``user`` may read this ledger entry."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    kind, _, identifier = entry.subject.partition(":")
    if kind in _BANKING_SUBJECTS:
        if user.is_auditor:
            return True
        try:
            key = uuid.UUID(identifier)
        except ValueError:
            return False
        rows = _BANKING_SUBJECTS[kind].objects.filter(uuid=key)
        if user.is_bank and user.bank_id:
            return rows.filter(bank_id=user.bank_id).exists()
        if user.is_trader and user.company_id:
            return rows.filter(declaration__company_id=user.company_id).exists()
        return False
    if user.is_bank:
        if kind != "declaration":
            return kind == "bank" and user.bank_id is not None and identifier == user.bank.bic
        try:
            key = uuid.UUID(identifier)
        except ValueError:
            return False
        return presented_declarations(user).filter(uuid=key).exists()
    return may_see_declaration_entry(user, entry)
