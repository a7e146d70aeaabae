"""What a tax bill asks for, and by when: pure Decimal and date arithmetic, no database.

- A bill is due ``payment_days`` after it is issued (15 by default: GACC Announcement No. 61 of
  2022).
- Paid after its due date, it adds the late-payment surcharge: 0.05 % of the unpaid tax per day,
  from the day after the due date to the payment date, rounded half-up to the fen.
- A bill released against a guarantee (aggregate taxation) is due by the end of the fifth working
  day of the month after it was issued, or ``payment_days`` after issue, whichever is later.
  Weekends are not working days; a configured calendar adds holidays and the weekend days that
  are worked instead.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
SURCHARGE_RATE = Decimal("0.0005")  # 0.05 % per day
AGGREGATE_WORKING_DAY = 5


def money(value: Decimal) -> Decimal:
    """Half-up to the fen."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days: Monday to Friday, less holidays, plus worked weekend days."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    @classmethod
    def of(cls, holidays: Iterable[date] = (), workdays: Iterable[date] = ()) -> WorkCalendar:
        return cls(frozenset(holidays), frozenset(workdays))

    def is_working(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays


def due_date(issued_on: date, payment_days: int) -> date:
    return issued_on + timedelta(days=payment_days)


def late_days(due_on: date, paid_on: date) -> int:
    """Days of the surcharge: from the day after the due date to the payment date, inclusive."""
    return max(0, (paid_on - due_on).days)


def surcharge(tax: Decimal, due_on: date, paid_on: date) -> Decimal:
    """The late-payment surcharge on ``tax`` paid on ``paid_on`` (zero when paid in time)."""
    return money(Decimal(tax) * SURCHARGE_RATE * late_days(due_on, paid_on))


@dataclass(frozen=True)
class Due:
    """What paying a bill on ``on`` takes: its tax, the surcharge and their total."""

    tax: Decimal
    due_on: date
    on: date
    days_late: int
    surcharge: Decimal

    @property
    def total(self) -> Decimal:
        return self.tax + self.surcharge

    @property
    def late(self) -> bool:
        return self.days_late > 0


def due(tax: Decimal, due_on: date, on: date) -> Due:
    return Due(money(tax), due_on, on, late_days(due_on, on), surcharge(tax, due_on, on))


def nth_working_day(year: int, month: int, n: int, work: WorkCalendar) -> date:
    """The ``n``-th working day of a month."""
    days = calendar.monthrange(year, month)[1]
    seen = 0
    for number in range(1, days + 1):
        day = date(year, month, number)
        if work.is_working(day):
            seen += 1
            if seen == n:
                return day
    raise ValueError(f"{year}-{month:02d} has fewer than {n} working days in this calendar.")


def aggregate_due_date(issued_on: date, payment_days: int, work: WorkCalendar) -> date:
    """When a bill released against a guarantee must be paid (aggregate taxation)."""
    year, month = (
        (issued_on.year + 1, 1)
        if issued_on.month == 12
        else (
            issued_on.year,
            issued_on.month + 1,
        )
    )
    fifth = nth_working_day(year, month, AGGREGATE_WORKING_DAY, work)
    return max(fifth, due_date(issued_on, payment_days))
