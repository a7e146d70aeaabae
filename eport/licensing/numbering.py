"""Licence numbers: ``<YY>-<agency code>-<6-digit sequence per agency and year>``.

A number is taken when a licence is approved, inside the approving transaction, under a row lock
on the agency (SELECT ... FOR UPDATE): approvals of one agency queue on it, so two of them never
read the same last number, and an approval that rolls back returns its number with it. Approval
is final and numbers are unique, so the highest number of the year is always the last one given.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext as _

from eport.accounts.models import Agency

from .errors import LicenceError
from .models import Licence

MAX_SEQUENCE = 999_999
# What a licence number looks like (agency codes are 2 to 10 capitals or digits).
NUMBER = re.compile(r"^[0-9]{2}-[A-Z0-9]{2,10}-[0-9]{6}$", re.IGNORECASE)


def format_number(*, year: int, agency_code: str, sequence: int) -> str:
    return f"{year % 100:02d}-{agency_code}-{sequence:06d}"


def next_number(*, agency_id: int, year: int) -> str:
    """Take the next licence number of this agency and year, inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number must run inside the approving transaction")
    agency = Agency.objects.select_for_update().only("code").get(pk=agency_id)
    prefix = format_number(year=year, agency_code=agency.code, sequence=0)[:-6]
    # Zero-padded to a fixed width, so the greatest number is the greatest sequence.
    last = (
        Licence.objects.filter(agency_id=agency_id, number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    sequence = int(last[len(prefix) :]) + 1 if last else 1
    if sequence > MAX_SEQUENCE:
        raise LicenceError(
            _(
                "Agency %(agency)s has used all %(count)s licence numbers for %(year)s; contact "
                "the single window's operators."
            )
            % {"agency": agency.code, "count": f"{MAX_SEQUENCE:,}", "year": year}
        )
    return format_number(year=year, agency_code=agency.code, sequence=sequence)
