"""Amounts as people and programs type them."""

from decimal import Decimal

import pytest

from eport.core.money import parse_amount


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("125000.50", Decimal("125000.50")), (" 7 ", Decimal("7.00")), ("1e3", Decimal("1000.00"))],
)
def test_an_amount_in_cents_is_read(typed, expected):
    problems = {}
    assert parse_amount(typed, "amount", problems) == expected
    assert problems == {}


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "Enter the amount as a number"),
        ("\u0661\u0662\u0663", "Enter the amount as a number"),  # Arabic-Indic digits
        ("\uff11\uff12\uff13", "Enter the amount as a number"),  # full-width digits
        ("0", "more than zero"),
        ("-0", "more than zero"),
        ("NaN", "more than zero"),
        ("1e999", "too large"),
        ("9" * 30, "too large"),
        ("1.005", "in cents at most"),
    ],
)
def test_a_wrong_amount_is_named(typed, message):
    problems = {}
    assert parse_amount(typed, "amount", problems) == Decimal("0")
    assert message in problems["amount"][0]
