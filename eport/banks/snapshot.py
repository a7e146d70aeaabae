"""The snapshots of presentations and financings whose digests the ledger records."""

from __future__ import annotations

from eport.core.ledgering import json_value, state_digest

from .models import Financing, Presentation


def presentation_snapshot(presentation: Presentation) -> dict:
    return {
        "uuid": str(presentation.uuid),
        "declaration": str(presentation.declaration.uuid),
        "bank": presentation.bank.bic,
        "presented_at": json_value(presentation.presented_at),
        "withdrawn_at": json_value(presentation.withdrawn_at),
    }


def financing_snapshot(financing: Financing) -> dict:
    """What a financing is: no other bank's financings and no balance, only its own figures."""
    return {
        "uuid": str(financing.uuid),
        "declaration": str(financing.declaration.uuid),
        "bank": financing.bank.bic,
        "instrument": financing.instrument,
        "amount": f"{financing.amount:.2f}",
        "currency": financing.currency,
        "value_date": financing.value_date.isoformat(),
        "maturity_date": financing.maturity_date.isoformat(),
        "bank_reference": financing.bank_reference,
        "status": financing.status,
        "disbursed_amount": (
            None if financing.disbursed_amount is None else f"{financing.disbursed_amount:.2f}"
        ),
    }


def presentation_state(presentation: Presentation) -> str:
    return state_digest(presentation_snapshot(presentation))


def financing_state(financing: Financing) -> str:
    return state_digest(financing_snapshot(financing))
