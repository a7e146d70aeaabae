"""Declaration numbers: office (4) + year (4) + flow digit (1) + sequence (9), gap-free.

The counter row of (office, year, flow) is locked with SELECT ... FOR UPDATE inside the caller's
submit transaction, so concurrent submissions queue on it, and a submission that rolls back
returns its number with it: numbers are never skipped and never used twice.
"""

from __future__ import annotations

from django.db import transaction

from .errors import DeclarationError
from .models import Declaration, NumberSequence

FLOW_DIGITS = {Declaration.Flow.IMPORT: "1", Declaration.Flow.EXPORT: "0"}
MAX_SEQUENCE = 999_999_999


def format_number(*, office_code: str, year: int, flow_digit: str, sequence: int) -> str:
    return f"{office_code}{year:04d}{flow_digit}{sequence:09d}"


def next_number(*, office_code: str, year: int, flow: str) -> str:
    """Take the next number of this office, year and flow, inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number must run inside the submitting transaction")
    flow_digit = FLOW_DIGITS[flow]
    key = {"office_code": office_code, "year": year, "flow_digit": flow_digit}
    # INSERT ... ON CONFLICT DO NOTHING: the first submission of the year creates the counter;
    # a concurrent creator waits for the other's commit instead of failing, then both lock it.
    NumberSequence.objects.bulk_create([NumberSequence(**key, last=0)], ignore_conflicts=True)
    counter = NumberSequence.objects.select_for_update().get(**key)
    if counter.last >= MAX_SEQUENCE:
        raise DeclarationError(
            f"Office {office_code} has used all {MAX_SEQUENCE:,} declaration numbers for {year}; "
            "contact customs."
        )
    counter.last += 1
    counter.save(update_fields=["last"])
    return format_number(
        office_code=office_code, year=year, flow_digit=flow_digit, sequence=counter.last
    )
