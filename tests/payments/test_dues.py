"""Hand-worked bills: surcharges at 0.05 % a day, half-up to the fen, and aggregate due dates."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eport.payments import dues

TAX = Decimal("16737.95")  # duty 1,481.23 + VAT 15,256.72
DUE = date(2026, 12, 21)


def test_a_bill_is_due_fifteen_days_after_issue():
    assert dues.due_date(date(2026, 12, 6), 15) == DUE


@pytest.mark.parametrize(
    ("paid_on", "days", "surcharge"),
    [
        (date(2026, 12, 20), 0, Decimal("0.00")),  # early
        (date(2026, 12, 21), 0, Decimal("0.00")),  # on the due date
        (date(2026, 12, 22), 1, Decimal("8.37")),  # 16737.95 × 0.0005 = 8.368975 → 8.37
        (date(2027, 1, 30), 40, Decimal("334.76")),  # × 40 = 334.759 → 334.76
    ],
)
def test_the_surcharge_runs_from_the_day_after_the_due_date_to_the_payment_date(
    paid_on, days, surcharge
):
    due = dues.due(TAX, DUE, paid_on)
    assert (due.days_late, due.surcharge, due.total) == (days, surcharge, TAX + surcharge)


def test_half_a_fen_rounds_up():
    # 100.10 × 0.0005 = 0.05005 per day; 1 day → 0.05, 9 days → 0.45045 → 0.45, 10 → 0.5005 → 0.50
    assert dues.surcharge(Decimal("100.10"), DUE, date(2026, 12, 22)) == Decimal("0.05")
    # 1.00 × 0.0005 × 10 = 0.005 exactly: half-up gives 0.01, banker's rounding would give 0.00
    assert dues.surcharge(Decimal("1.00"), DUE, date(2026, 12, 31)) == Decimal("0.01")


@given(
    tax=st.decimals(min_value=0, max_value=10**12, places=2),
    late=st.integers(min_value=0, max_value=3650),
)
def test_the_surcharge_is_never_negative_and_grows_with_each_day(tax, late):
    paid_on = date.fromordinal(DUE.toordinal() + late)
    today = dues.surcharge(tax, DUE, paid_on)
    tomorrow = dues.surcharge(tax, DUE, date.fromordinal(paid_on.toordinal() + 1))
    assert Decimal(0) <= today <= tomorrow
    assert today == today.quantize(Decimal("0.01"))


WEEKENDS = dues.WorkCalendar()


def test_aggregate_bills_are_due_on_the_fifth_working_day_of_the_next_month():
    # January 2027 starts on a Friday: 1, 4, 5, 6, 7 → the 7th.
    assert dues.aggregate_due_date(date(2026, 12, 6), 15, WEEKENDS) == date(2027, 1, 7)


def test_or_fifteen_days_after_issue_when_that_is_later():
    # Issued 28 December: the 5th working day of January (7th) is before 12 January.
    assert dues.aggregate_due_date(date(2026, 12, 28), 15, WEEKENDS) == date(2027, 1, 12)


def test_a_holiday_calendar_moves_the_fifth_working_day():
    # New Year's Day is a holiday and Saturday 2 January 2027 is worked instead (configured).
    work = dues.WorkCalendar.of(holidays=[date(2027, 1, 1)], workdays=[date(2027, 1, 2)])
    assert [d for d in range(1, 9) if work.is_working(date(2027, 1, d))] == [2, 4, 5, 6, 7, 8]
    assert dues.aggregate_due_date(date(2026, 12, 6), 15, work) == date(2027, 1, 7)
    spring = dues.WorkCalendar.of(holidays=[date(2027, 1, d) for d in range(4, 9)])
    # 1, then 11, 12, 13, 14 January
    assert dues.aggregate_due_date(date(2026, 12, 6), 15, spring) == date(2027, 1, 14)


def test_a_month_without_five_working_days_is_a_clear_error():
    never = dues.WorkCalendar.of(holidays=[date(2027, 1, d) for d in range(1, 32)])
    with pytest.raises(ValueError, match="fewer than 5 working days"):
        dues.aggregate_due_date(date(2026, 12, 6), 15, never)
