"""Customs value, duty and VAT (workflow spec, "Assessment"): pure Decimal arithmetic.

For each goods item, in CNY:

1. ``base = round(invoice_value x exchange_rate)``.
2. When the Incoterm leaves freight and insurance to the buyer (EXW, FCA, FAS, FOB), the declared
   freight and insurance, which are given in the invoice currency, are converted at the same
   declared rate (``round(freight x rate)``, ``round(insurance x rate)``) and allocated to the
   items in proportion to their invoice values. Allocation is done in whole fen with the
   largest-remainder method (ties to the earlier line), so the allocated amounts add up to exactly
   the converted total. With every other Incoterm (CIF-type terms) the invoice already includes
   them and the declared amounts are not added.
3. ``customs_value = base + freight_share + insurance_share``.
4. ``duty = round(customs_value x duty_rate / 100)``, with the duty rate of the longest HS prefix
   in the tariff table that matches the item's code.
5. ``vat = round((customs_value + duty) x vat_rate / 100)``.

``round`` is half-up to 0.01 CNY, applied to each line. Totals are sums of the rounded lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

CENT = Decimal("0.01")
# Enough digits that no product of a 16-digit amount and a 14-digit rate is ever rounded early.
PRECISION = 60
HUNDRED = Decimal(100)
# The Incoterms under which the buyer pays the main carriage and insurance (spec: "EXW, FCA, FAS,
# FOB"); their freight and insurance are part of the customs value and must be added.
ADD_FREIGHT_AND_INSURANCE = frozenset({"EXW", "FCA", "FAS", "FOB"})


class MissingTariffError(ValueError):
    """No tariff line covers an item's HS code."""

    def __init__(self, lines: Sequence[tuple[int, str]]):
        self.lines = list(lines)
        described = "; ".join(f"item {line}: HS {code}" for line, code in self.lines)
        super().__init__(
            f"No tariff line covers {described}. Add a tariff line for the chapter, heading or "
            "subheading (Reference › Tariff lines in the admin) or correct the classification, "
            "then assess again."
        )


@dataclass(frozen=True)
class ItemValue:
    line: int
    hs_code: str
    invoice_value: Decimal


@dataclass(frozen=True)
class Rate:
    """Duty and VAT rates in percent, and the tariff prefix they come from."""

    duty_rate: Decimal
    vat_rate: Decimal
    hs_prefix: str = ""


@dataclass(frozen=True)
class ItemAssessment:
    line: int
    base_value: Decimal
    freight_share: Decimal
    insurance_share: Decimal
    customs_value: Decimal
    duty_rate: Decimal
    duty: Decimal
    vat_rate: Decimal
    vat: Decimal


@dataclass(frozen=True)
class Assessment:
    items: tuple[ItemAssessment, ...]
    customs_value: Decimal
    duty_total: Decimal
    vat_total: Decimal


def round_cny(amount: Decimal) -> Decimal:
    """Half-up to 0.01 (1.005 -> 1.01, 1.004 -> 1.00)."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def allocate(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``total`` (a 0.01 amount) by ``weights``; the parts add up to exactly ``total``.

    Largest-remainder method in whole cents: everyone gets the floor of their exact share, and the
    cents left over go one each to the largest fractional remainders, earlier positions first on
    ties. Zero weights everywhere split equally.
    """
    if not weights:
        return []
    cents = int(round_cny(total) / CENT)
    scaled = [int(round_cny(weight) / CENT) for weight in weights]
    if any(weight < 0 for weight in scaled):
        raise ValueError("allocation weights must not be negative")
    if sum(scaled) == 0:
        scaled = [1] * len(weights)
    whole = sum(scaled)
    floors = [cents * weight // whole for weight in scaled]
    remainders = [cents * weight % whole for weight in scaled]
    left = cents - sum(floors)
    order = sorted(range(len(weights)), key=lambda index: (-remainders[index], index))
    for index in order[:left]:
        floors[index] += 1
    return [Decimal(part) * CENT for part in floors]


def rate_for(hs_code: str, tariff: Mapping[str, Rate]) -> Rate | None:
    """The rate of the longest prefix of ``hs_code`` present in ``tariff``."""
    for length in range(len(hs_code), 1, -1):
        rate = tariff.get(hs_code[:length])
        if rate is not None:
            return rate
    return None


def tariff_prefixes(hs_codes: Sequence[str]) -> set[str]:
    """Every prefix (2 digits or more) that could match one of these codes."""
    return {code[:length] for code in hs_codes for length in range(2, len(code) + 1)}


def customs_values(
    *,
    items: Sequence[ItemValue],
    incoterm: str,
    exchange_rate: Decimal,
    freight: Decimal,
    insurance: Decimal,
) -> list[tuple[Decimal, Decimal, Decimal]]:
    """Per item: (base value, freight share, insurance share), all CNY rounded to 0.01."""
    with localcontext(prec=PRECISION):
        bases = [round_cny(item.invoice_value * exchange_rate) for item in items]
        weights = [item.invoice_value for item in items]
        if incoterm in ADD_FREIGHT_AND_INSURANCE:
            freight_shares = allocate(round_cny(freight * exchange_rate), weights)
            insurance_shares = allocate(round_cny(insurance * exchange_rate), weights)
        else:
            freight_shares = insurance_shares = [Decimal("0.00")] * len(items)
    return list(zip(bases, freight_shares, insurance_shares, strict=True))


def total_customs_value(**kwargs) -> Decimal:
    """The declaration's customs value in CNY (what the value risk rule compares)."""
    return sum((sum(parts) for parts in customs_values(**kwargs)), Decimal("0.00"))


def assess(
    *,
    items: Sequence[ItemValue],
    incoterm: str,
    exchange_rate: Decimal,
    freight: Decimal,
    insurance: Decimal,
    tariff: Mapping[str, Rate],
) -> Assessment:
    """Assess every item; raises MissingTariffError listing every item without a tariff line."""
    rates = [rate_for(item.hs_code, tariff) for item in items]
    missing = [
        (item.line, item.hs_code) for item, rate in zip(items, rates, strict=True) if not rate
    ]
    if missing:
        raise MissingTariffError(missing)
    values = customs_values(
        items=items,
        incoterm=incoterm,
        exchange_rate=exchange_rate,
        freight=freight,
        insurance=insurance,
    )
    assessed = []
    for item, rate, (base, freight_share, insurance_share) in zip(
        items, rates, values, strict=True
    ):
        with localcontext(prec=PRECISION):
            customs_value = base + freight_share + insurance_share
            duty = round_cny(customs_value * rate.duty_rate / HUNDRED)
            vat = round_cny((customs_value + duty) * rate.vat_rate / HUNDRED)
        assessed.append(
            ItemAssessment(
                line=item.line,
                base_value=base,
                freight_share=freight_share,
                insurance_share=insurance_share,
                customs_value=customs_value,
                duty_rate=rate.duty_rate,
                duty=duty,
                vat_rate=rate.vat_rate,
                vat=vat,
            )
        )
    zero = Decimal("0.00")
    return Assessment(
        items=tuple(assessed),
        customs_value=sum((item.customs_value for item in assessed), zero),
        duty_total=sum((item.duty for item in assessed), zero),
        vat_total=sum((item.vat for item in assessed), zero),
    )
