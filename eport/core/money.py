"""Amounts of money as people and programs type them: Decimals in cents, never floats."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("99999999999999.99")


def decimal_from_text(value: Any) -> Decimal:
    """The Decimal a person or program typed, in ASCII digits only; else InvalidOperation.

    Python's Decimal also reads other scripts' digits (Arabic-Indic, full-width), which a record
    shared with customs and banks must not hold in place of the digits everyone reads alike.
    """
    text = str(value).strip()
    if not text.isascii():
        raise InvalidOperation(text)
    return Decimal(text)


def parse_amount(value: Any, field: str, problems: dict[str, list[str]]) -> Decimal:
    """``value`` as a positive amount in cents; otherwise a problem under ``field`` (and 0)."""
    try:
        amount = decimal_from_text(value)
    except (InvalidOperation, ValueError):
        problems[field] = [_("Enter the amount as a number such as 125000.00.")]
        return Decimal("0")
    if not amount.is_finite() or amount <= 0:
        problems[field] = [_("The amount must be more than zero.")]
        return Decimal("0")
    # Too large before anything else: quantizing a number beyond the context's 28 digits raises.
    if amount > MAX_AMOUNT:
        problems[field] = [_("The amount is too large.")]
        return Decimal("0")
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        problems[field] = [_("Give the amount in cents at most, e.g. 125000.50.")]
        return Decimal("0")
    return amount.quantize(CENT)
