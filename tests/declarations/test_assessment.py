"""Customs value, duty and VAT against hand-worked cases (workflow spec, "Assessment")."""

from decimal import Decimal as D

import pytest

from eport.declarations.assessment import (
    ItemValue,
    MissingTariffError,
    Rate,
    allocate,
    assess,
    rate_for,
    round_cny,
)

TARIFF = {
    "84": Rate(D("5.00"), D("13.00"), "84"),
    "8471": Rate(D("0.00"), D("13.00"), "8471"),
    "85": Rate(D("8.00"), D("13.00"), "85"),
    "61": Rate(D("12.00"), D("13.00"), "61"),
    "22": Rate(D("13.00"), D("13.00"), "22"),
    "2204": Rate(D("14.00"), D("13.00"), "2204"),
}


def lines(result):
    return [(i.customs_value, i.duty, i.vat) for i in result.items]


def test_fob_adds_freight_and_insurance_allocated_by_value_with_the_remainder_to_line_one():
    # Three items of 100.00 USD at 7.000000 CNY/USD, FOB, freight 10.00 USD, insurance 1.00 USD.
    #   bases: 100.00 x 7 = 700.00 CNY each
    #   freight 10.00 x 7 = 70.00 CNY = 7000 fen; 7000/3 = 2333.33 -> 2333 each, 1 fen left;
    #     equal remainders, so the earliest line gets it: 23.34, 23.33, 23.33 (sum 70.00)
    #   insurance 1.00 x 7 = 7.00 CNY = 700 fen -> 2.34, 2.33, 2.33 (sum 7.00)
    #   customs values: 725.68, 725.66, 725.66 (sum 2177.00 = 2100 + 70 + 7)
    # Item 1, HS 8471300000 -> prefix 8471 (0 %, VAT 13 %):
    #   duty 0.00; VAT 725.68 x 0.13 = 94.3384 -> 94.34
    # Item 2, HS 8517120000 -> prefix 85 (8 %, 13 %):
    #   duty 725.66 x 0.08 = 58.0528 -> 58.05; VAT (725.66 + 58.05) x 0.13 = 101.8823 -> 101.88
    # Item 3, HS 6109100000 -> prefix 61 (12 %, 13 %):
    #   duty 725.66 x 0.12 = 87.0792 -> 87.08; VAT (725.66 + 87.08) x 0.13 = 105.6562 -> 105.66
    result = assess(
        items=[
            ItemValue(1, "8471300000", D("100.00")),
            ItemValue(2, "8517120000", D("100.00")),
            ItemValue(3, "6109100000", D("100.00")),
        ],
        incoterm="FOB",
        exchange_rate=D("7.000000"),
        freight=D("10.00"),
        insurance=D("1.00"),
        tariff=TARIFF,
    )
    assert [(i.freight_share, i.insurance_share) for i in result.items] == [
        (D("23.34"), D("2.34")),
        (D("23.33"), D("2.33")),
        (D("23.33"), D("2.33")),
    ]
    assert lines(result) == [
        (D("725.68"), D("0.00"), D("94.34")),
        (D("725.66"), D("58.05"), D("101.88")),
        (D("725.66"), D("87.08"), D("105.66")),
    ]
    assert (result.customs_value, result.duty_total, result.vat_total) == (
        D("2177.00"),
        D("145.13"),
        D("301.88"),
    )


def test_cif_already_includes_freight_and_insurance():
    # One item of 1000.00 EUR at 7.800000, CIF (freight 50.00 and insurance 10.00 not added):
    #   customs value 7800.00; HS 2204210000 -> prefix 2204 beats 22 (14 %, 13 %)
    #   duty 7800.00 x 0.14 = 1092.00; VAT (7800.00 + 1092.00) x 0.13 = 1155.96
    result = assess(
        items=[ItemValue(1, "2204210000", D("1000.00"))],
        incoterm="CIF",
        exchange_rate=D("7.800000"),
        freight=D("50.00"),
        insurance=D("10.00"),
        tariff=TARIFF,
    )
    assert lines(result) == [(D("7800.00"), D("1092.00"), D("1155.96"))]


def test_each_line_rounds_half_up_at_half_a_fen():
    # 3.35 x 1.500000 = 5.025 -> 5.03 (half-even would give 5.02); HS 22 (13 %, 13 %):
    #   duty 5.03 x 0.13 = 0.6539 -> 0.65; VAT (5.03 + 0.65) x 0.13 = 0.7384 -> 0.74
    result = assess(
        items=[ItemValue(1, "2208300000", D("3.35"))],
        incoterm="CIF",
        exchange_rate=D("1.500000"),
        freight=D(0),
        insurance=D(0),
        tariff=TARIFF,
    )
    assert lines(result) == [(D("5.03"), D("0.65"), D("0.74"))]
    # 12.50 CNY, HS 84 (5 %, 13 %): duty 0.625 -> 0.63 (half-even: 0.62);
    #   VAT (12.50 + 0.63) x 0.13 = 1.7069 -> 1.71
    result = assess(
        items=[ItemValue(1, "8401100000", D("12.50"))],
        incoterm="DAP",
        exchange_rate=D("1.000000"),
        freight=D(0),
        insurance=D(0),
        tariff=TARIFF,
    )
    assert lines(result) == [(D("12.50"), D("0.63"), D("1.71"))]


def test_unequal_weights_give_the_left_over_fen_to_the_largest_remainder():
    # 10.00 by 1 : 2 : 3 -> exact 1.666.., 3.333.., 5.00; floors 1.66, 3.33, 5.00 (9.99);
    # the largest remainder (2/3 fen, line 1) gets the last fen.
    assert allocate(D("10.00"), [D("1.00"), D("2.00"), D("3.00")]) == [
        D("1.67"),
        D("3.33"),
        D("5.00"),
    ]


@pytest.mark.parametrize("total", ["0.01", "0.02", "99.99", "1000.00", "12345.67"])
def test_allocated_parts_always_add_up_to_the_total(total):
    weights = [D("3.10"), D("7.77"), D("0.01"), D("123.45"), D("9.99"), D("1.00"), D("2.50")]
    assert sum(allocate(D(total), weights)) == D(total)


def test_the_longest_matching_prefix_sets_the_rate():
    assert rate_for("8471300000", TARIFF).hs_prefix == "8471"
    assert rate_for("8414300000", TARIFF).hs_prefix == "84"
    assert rate_for("0101210000", TARIFF) is None


def test_items_without_a_tariff_line_are_all_named():
    with pytest.raises(MissingTariffError) as error:
        assess(
            items=[ItemValue(1, "0101210000", D("1")), ItemValue(2, "0201100000", D("1"))],
            incoterm="CIF",
            exchange_rate=D(1),
            freight=D(0),
            insurance=D(0),
            tariff=TARIFF,
        )
    assert "item 1: HS 0101210000; item 2: HS 0201100000" in str(error.value)
    assert "Add a tariff line" in str(error.value)


def test_rounding_is_half_up():
    assert round_cny(D("1.005")) == D("1.01")
    assert round_cny(D("1.0049")) == D("1.00")
    assert round_cny(D("2.675")) == D("2.68")
