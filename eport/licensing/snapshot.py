"""The snapshot of a licence whose digest every ledger entry about it records (``state``)."""

from __future__ import annotations

from eport.core.ledgering import json_value, state_digest

from .models import Licence


def _amount(value, places: int) -> str | None:
    return None if value is None else f"{value:.{places}f}"


def licence_snapshot(licence: Licence) -> dict:
    """What a licence is: the application, the decision and what is left of it."""
    return {
        "uuid": str(licence.uuid),
        "number": licence.number,
        "company": licence.company.usci,
        "agency": licence.agency.code,
        "applied_by": f"user:{licence.applied_by_id}",
        "flow": licence.flow,
        "hs_code": licence.hs_code,
        "description": licence.description,
        "quantity": _amount(licence.quantity, 3),
        "unit": licence.unit,
        "value": _amount(licence.value, 2),
        "currency": licence.currency,
        "counterparty_country": licence.counterparty_country,
        "valid_from": json_value(licence.valid_from),
        "valid_until": json_value(licence.valid_until),
        "status": licence.status,
        "remaining_quantity": _amount(licence.remaining_quantity, 3),
        "remaining_value": _amount(licence.remaining_value, 2),
        "query": licence.query,
        "decision_reason": licence.decision_reason,
        "decided_by": f"user:{licence.decided_by_id}" if licence.decided_by_id else None,
        "decided_at": json_value(licence.decided_at),
        "version": licence.version,
    }


def licence_state(licence: Licence) -> str:
    """The digest of the licence's snapshot (SHA-256 of its RFC 8785 bytes)."""
    return state_digest(licence_snapshot(licence))
