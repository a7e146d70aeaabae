"""Code lists a declaration is checked against, and choice lists for forms.

Countries and currencies come from ISO 3166-1 and ISO 4217 (pycountry); Incoterms, transport
modes and document types are the choices of ``eport.reference.choices``, which the declaration
model's fields use too, so there is one list of each;
units are a curated part of UN/ECE Recommendation 20; HS subheadings and tariff lines come from the
database (``manage.py load_reference``).
"""

from __future__ import annotations

import re
from functools import lru_cache

import pycountry

from eport.accounts.models import CustomsOffice

from .choices import DocumentType, Incoterm, TransportMode
from .models import HsCode, TariffLine

Choices = list[tuple[str, str]]


def _country_name(country) -> str:
    return getattr(country, "common_name", None) or country.name


# ISO 3166-1 alpha-2 -> English short name.
COUNTRIES: dict[str, str] = dict(
    sorted(((c.alpha_2, _country_name(c)) for c in pycountry.countries), key=lambda c: c[1])
)

# ISO 4217 -> name; XTS (testing) and XXX (no currency) are not currencies anyone invoices in.
CURRENCIES: dict[str, str] = {
    c.alpha_3: c.name
    for c in sorted(pycountry.currencies, key=lambda c: c.alpha_3)
    if c.alpha_3 not in {"XTS", "XXX"}
}

INCOTERMS = Incoterm
TRANSPORT_MODES = TransportMode
DOCUMENT_TYPES = DocumentType

# The UN/ECE Recommendation 20 units that customs declarations commonly use.
UNITS: dict[str, str] = {
    "KGM": "kilogram",
    "GRM": "gram",
    "TNE": "tonne (metric ton)",
    "MGM": "milligram",
    "PCE": "piece",
    "NAR": "number of articles",
    "H87": "piece (item)",
    "SET": "set",
    "PR": "pair",
    "DZN": "dozen",
    "CT": "carton",
    "BX": "box",
    "PK": "package",
    "BG": "bag",
    "BO": "bottle",
    "CS": "case",
    "PA": "packet",
    "RO": "roll",
    "LTR": "litre",
    "MLT": "millilitre",
    "HLT": "hectolitre",
    "MTQ": "cubic metre",
    "MTR": "metre",
    "CMT": "centimetre",
    "MMT": "millimetre",
    "KMT": "kilometre",
    "MTK": "square metre",
    "KWH": "kilowatt hour",
    "CTM": "metric carat",
    "GFI": "gram of fissile isotopes",
    "KNS": "kilogram named substance",
    "NPR": "number of pairs",
}

LOCODE_PATTERN = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")
HS_CODE_PATTERN = re.compile(r"^[0-9]{2,10}$")


def is_country(code: str) -> bool:
    """True for an ISO 3166-1 alpha-2 code (upper case)."""
    return code in COUNTRIES


def is_currency(code: str) -> bool:
    """True for an ISO 4217 alphabetic currency code (upper case)."""
    return code in CURRENCIES


def is_incoterm(code: str) -> bool:
    """True for an Incoterms 2020 rule code."""
    return code in INCOTERMS.values


def is_transport_mode(code: str) -> bool:
    """True for a UN Rec. 19 transport mode code used here (``"1"`` sea … ``"9"``)."""
    return code in TRANSPORT_MODES.values


def is_unit(code: str) -> bool:
    """True for a unit code in the curated UN/ECE Rec. 20 list."""
    return code in UNITS


def is_document_type(code: str) -> bool:
    """True for a document type code (UN/CEFACT 1001) accepted on declarations."""
    return code in DOCUMENT_TYPES.values


def locode_problem(code: str) -> str | None:
    """Why ``code`` is not a well-formed UN/LOCODE, or None when it is (format only)."""
    if not isinstance(code, str) or not LOCODE_PATTERN.match(code):
        return (
            f"{code!r} is not a UN/LOCODE: it is 5 characters, a 2-letter country code and 3 "
            "letters or digits 2-9, e.g. CNSHA or DEHAM."
        )
    if code[:2] not in COUNTRIES:
        return f"{code!r} is not a UN/LOCODE: {code[:2]!r} is not an ISO 3166-1 country code."
    return None


def is_locode(code: str) -> bool:
    """True when ``code`` has the UN/LOCODE format and a real country part (not a lookup)."""
    return locode_problem(code) is None


@lru_cache(maxsize=1)
def _subheadings() -> frozenset[str]:
    # The source's "99 / 9999 / 999999 commodities not specified" (section TOTAL) is a
    # statistical catch-all, not a classification a declaration may use.
    return frozenset(
        HsCode.objects.filter(level=6).exclude(section="TOTAL").values_list("code", flat=True)
    )


def is_hs_subheading(code6: str) -> bool:
    """True when ``code6`` is a six-digit subheading of HS 2022 (as loaded in the database)."""
    if not isinstance(code6, str) or len(code6) != 6 or not code6.isdigit():
        return False
    subheadings = _subheadings()
    if not subheadings:
        # Not loaded yet: don't remember the empty set, so a later load is seen at once.
        _subheadings.cache_clear()
    return code6 in subheadings


def clear_caches() -> None:
    """Forget cached reference data; called whenever reference data is (re)loaded."""
    _subheadings.cache_clear()


def hs_description(code: str) -> str | None:
    """The HS description of a chapter, heading or subheading (2, 4 or 6 leading digits)."""
    if not isinstance(code, str) or not code.isdigit():
        return None
    for length in (6, 4, 2):
        if len(code) >= length:
            found = HsCode.objects.filter(code=code[:length]).values_list("description", flat=True)
            if found:
                return found[0]
    return None


def tariff_for(hs_code: str) -> TariffLine | None:
    """The tariff line with the longest HS prefix matching ``hs_code``, or None if none does."""
    if not isinstance(hs_code, str) or not HS_CODE_PATTERN.match(hs_code):
        return None
    prefixes = [hs_code[:length] for length in range(2, len(hs_code) + 1)]
    lines = list(TariffLine.objects.filter(hs_prefix__in=prefixes))
    return max(lines, key=lambda line: len(line.hs_prefix), default=None)


def country_choices() -> Choices:
    """(code, "CN China") pairs for a <select>, sorted by name."""
    return [(code, f"{code} {name}") for code, name in COUNTRIES.items()]


def currency_choices() -> Choices:
    """(code, "CNY Yuan Renminbi") pairs, sorted by code."""
    return [(code, f"{code} {name}") for code, name in CURRENCIES.items()]


def unit_choices() -> Choices:
    """(code, "KGM kilogram") pairs of the curated UN/ECE Rec. 20 units."""
    return [(code, f"{code} {name}") for code, name in UNITS.items()]


def incoterm_choices() -> Choices:
    return list(INCOTERMS.choices)


def transport_mode_choices() -> Choices:
    return [(code, f"{code} {label}") for code, label in TRANSPORT_MODES.choices]


def document_type_choices() -> Choices:
    return list(DOCUMENT_TYPES.choices)


def office_choices() -> Choices:
    """(code, "2201 Shanghai Customs District") pairs of the active customs offices."""
    return [
        (office.code, str(office))
        for office in CustomsOffice.objects.filter(active=True).only("code", "name")
    ]
