"""Declaration numbers: office (4) + year (4) + flow digit (1) + sequence (9), gap-free.

The counter row of (office, year, flow) is locked inside the caller's submit transaction (on
PostgreSQL by the INSERT ... ON CONFLICT DO UPDATE that increments it, elsewhere by SELECT ...
FOR UPDATE), so concurrent submissions queue on it, and a submission that rolls back returns its
number with it: numbers are never skipped and never used twice.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

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
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        sequence = _take_postgresql(connection, office_code, year, flow_digit)
    else:
        sequence = _take(office_code, year, flow_digit)
    if sequence is None:
        raise DeclarationError(
            _(
                "Office %(office)s has used all %(count)s declaration numbers for %(year)s; "
                "contact customs."
            )
            % {"office": office_code, "count": f"{MAX_SEQUENCE:,}", "year": year}
        )
    return format_number(
        office_code=office_code, year=year, flow_digit=flow_digit, sequence=sequence
    )


# One round trip: the first submission of the year creates the counter at 1; later ones (and a
# concurrent creator, which waits for the other's commit on the unique index) increment it. The
# row stays locked until the submitting transaction ends. A counter at the maximum is left as it
# is and no row comes back.
_TAKE_SQL = """
INSERT INTO declarations_numbersequence AS counter (office_code, year, flow_digit, last)
VALUES (%s, %s, %s, 1)
ON CONFLICT (office_code, year, flow_digit)
DO UPDATE SET last = counter.last + 1 WHERE counter.last < %s
RETURNING last
"""


def _take_postgresql(connection, office_code: str, year: int, flow_digit: str) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(_TAKE_SQL, [office_code, year, flow_digit, MAX_SEQUENCE])
        row = cursor.fetchone()
    return None if row is None else row[0]


def _take(office_code: str, year: int, flow_digit: str) -> int | None:
    key = {"office_code": office_code, "year": year, "flow_digit": flow_digit}
    # INSERT ... ON CONFLICT DO NOTHING: the first submission of the year creates the counter;
    # a concurrent creator waits for the other's commit instead of failing, then both lock it.
    NumberSequence.objects.bulk_create([NumberSequence(**key, last=0)], ignore_conflicts=True)
    counter = NumberSequence.objects.select_for_update().get(**key)
    if counter.last >= MAX_SEQUENCE:
        return None
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last
