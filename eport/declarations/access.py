"""Who may read a ledger entry's bytes (EPORT_LEDGER_ENTRY_ACCESS, spec section 6).

Auditors and customs officers read every entry. A trader reads the entries about its own company's
declarations (documents are recorded under their declaration's subject), its company and itself.
"""

from __future__ import annotations

import uuid

from .selectors import declarations_for


def may_see_entry(user, entry) -> bool:
    """True when ``user`` may read this ledger entry."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_auditor or user.is_officer:
        return True
    if not user.is_trader or not user.company_id:
        return False
    kind, _, identifier = entry.subject.partition(":")
    if kind == "declaration":
        try:
            key = uuid.UUID(identifier)
        except ValueError:
            return False
        return declarations_for(user).filter(uuid=key).exists()
    if kind == "company":
        return identifier == user.company.usci
    if kind == "user":
        return identifier == str(user.pk)
    return False
