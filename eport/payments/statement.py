"""A bank's daily statement: the bills it confirmed with one value date, as CSV.

One function builds it, for the bank's page and the API alike. Every row is the bank's own
confirmation (``selectors.statement``), so a statement never holds another bank's figures.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from django.utils import timezone

from eport.accounts.models import Bank

from . import selectors

COLUMNS = (
    "value_date",
    "bank_reference",
    "bill_number",
    "declaration_number",
    "company_usci",
    "company_name",
    "account_number",
    "tax",
    "surcharge",
    "amount",
    "currency",
    "confirmed_at",
)
# A cell starting with one of these is a formula to a spreadsheet: such text is quoted.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def statement_filename(bank: Bank, value_date: date) -> str:
    return f"statement-{bank.bic}-{value_date.isoformat()}.csv"


def statement_csv(bank: Bank, value_date: date) -> str:
    """The bills ``bank`` confirmed with ``value_date``, one row each in the order it confirmed
    them, under a header row of ``COLUMNS``; amounts in CNY with two decimals."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for instruction in selectors.statement(bank.pk, value_date):
        bill = instruction.bill
        declaration = bill.declaration
        writer.writerow(
            [
                instruction.value_date.isoformat(),
                _text(instruction.bank_reference),
                bill.number,
                declaration.number or "",
                declaration.company.usci,
                _text(declaration.company.name),
                instruction.agreement.account_number,
                _money(bill.tax),
                _money(instruction.surcharge),
                _money(instruction.confirmed_amount),
                instruction.currency,
                timezone.localtime(instruction.decided_at).isoformat(timespec="seconds")
                if instruction.decided_at
                else "",
            ]
        )
    return buffer.getvalue()
