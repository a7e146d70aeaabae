"""Code lists a declaration is checked against, and choice lists for forms.

Countries and currencies come from ISO 3166-1 and ISO 4217 (pycountry); Incoterms, transport
modes and document types are the choices of ``eport.reference.choices``, which the declaration
model's fields use too, so there is one list of each;
units are a curated part of UN/ECE Recommendation 20; HS subheadings and tariff lines come from the
database (``manage.py load_reference``).

Names follow the active language: country and currency names come from the translations pycountry
ships (the iso-codes project's), units' from our catalogue. ``COUNTRIES``, ``CURRENCIES`` and
``UNITS`` map each code to a lazy name, read in the language of whoever is shown it; the codes
themselves never change. HS descriptions stay the WCO's English text (no authoritative Chinese
text ships with eport); ``HS_DESCRIPTION_NOTE`` says so wherever they are shown.
"""

from __future__ import annotations

import gettext
import re
from functools import lru_cache

import pycountry
from django.utils.functional import lazy
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _

from eport.accounts.models import CustomsOffice

from . import controls
from .choices import DocumentType, Incoterm, TransportMode
from .models import HsCode, TariffLine

Choices = list[tuple[str, str]]


def _country_name(country) -> str:
    return getattr(country, "common_name", None) or country.name


# Our languages -> the locale of pycountry's translations; English is pycountry's own text.
ISO_LOCALES = {"zh-hans": "zh_CN", "zh-cn": "zh_CN", "zh-hant": "zh_TW", "zh-tw": "zh_TW"}
# Countries whose Chinese name is the translation of the ISO short name rather than of the
# common name: Taiwan is 中国台湾省 (from "Taiwan, Province of China"), never 台湾 alone, as on
# China's customs lists. The English names are unchanged.
ISO_NAME_IN_CHINESE = frozenset({"TW"})

_COUNTRY_RECORDS = {c.alpha_2: c for c in pycountry.countries}
_CURRENCY_RECORDS = {c.alpha_3: c for c in pycountry.currencies if c.alpha_3 not in {"XTS", "XXX"}}


def _iso_locale(language: str | None) -> str | None:
    """The pycountry locale for a Django language code, or None for English (and no language)."""
    language = (language or "en").lower()
    if language == "en" or language.startswith("en-"):
        return None
    return ISO_LOCALES.get(language, language.replace("-", "_"))


@lru_cache(maxsize=16)
def _iso_translation(domain: str, locale: str | None) -> gettext.NullTranslations:
    if locale is None:
        return gettext.NullTranslations()
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[locale], fallback=True)


@lru_cache(maxsize=16)
def _country_names(locale: str | None) -> dict[str, str]:
    iso = _iso_translation("iso3166-1", locale)
    chinese = (locale or "").startswith("zh")
    return {
        code: iso.gettext(
            country.name if chinese and code in ISO_NAME_IN_CHINESE else _country_name(country)
        )
        for code, country in _COUNTRY_RECORDS.items()
    }


@lru_cache(maxsize=16)
def _currency_names(locale: str | None) -> dict[str, str]:
    iso = _iso_translation("iso4217", locale)
    return {code: iso.gettext(currency.name) for code, currency in _CURRENCY_RECORDS.items()}


def country_name(code: str, language: str | None = None) -> str:
    """The name of an ISO 3166-1 alpha-2 country in ``language`` (default: the active one)."""
    return _country_names(_iso_locale(language or get_language())).get(code, code)


def currency_name(code: str, language: str | None = None) -> str:
    """The name of an ISO 4217 currency in ``language`` (default: the active one)."""
    return _currency_names(_iso_locale(language or get_language())).get(code, code)


_lazy_country_name = lazy(country_name, str)
_lazy_currency_name = lazy(currency_name, str)

# ISO 3166-1 alpha-2 -> short name (lazy: in the active language), sorted by English name.
COUNTRIES: dict[str, str] = {
    code: _lazy_country_name(code)
    for code, _name in sorted(_country_names(None).items(), key=lambda c: c[1])
}

# ISO 4217 -> name (lazy); XTS (testing) and XXX (no currency) are not currencies anyone
# invoices in.
CURRENCIES: dict[str, str] = {code: _lazy_currency_name(code) for code in sorted(_CURRENCY_RECORDS)}

# Shown wherever HS descriptions are: they are not translated.
HS_DESCRIPTION_NOTE = gettext_lazy(
    "HS descriptions are the World Customs Organization's English text; no authoritative "
    "Chinese text is available."
)

INCOTERMS = Incoterm
TRANSPORT_MODES = TransportMode
DOCUMENT_TYPES = DocumentType


# The UN/ECE Recommendation 20 units that customs declarations commonly use (lazy names).
UNITS: dict[str, str] = {
    "KGM": pgettext_lazy("unit of measure", "kilogram"),
    "GRM": pgettext_lazy("unit of measure", "gram"),
    "TNE": pgettext_lazy("unit of measure", "tonne (metric ton)"),
    "MGM": pgettext_lazy("unit of measure", "milligram"),
    "PCE": pgettext_lazy("unit of measure", "piece"),
    "NAR": pgettext_lazy("unit of measure", "number of articles"),
    "H87": pgettext_lazy("unit of measure", "piece (item)"),
    "SET": pgettext_lazy("unit of measure", "set"),
    "PR": pgettext_lazy("unit of measure", "pair"),
    "DZN": pgettext_lazy("unit of measure", "dozen"),
    "CT": pgettext_lazy("unit of measure", "carton"),
    "BX": pgettext_lazy("unit of measure", "box"),
    "PK": pgettext_lazy("unit of measure", "package"),
    "BG": pgettext_lazy("unit of measure", "bag"),
    "BO": pgettext_lazy("unit of measure", "bottle"),
    "CS": pgettext_lazy("unit of measure", "case"),
    "PA": pgettext_lazy("unit of measure", "packet"),
    "RO": pgettext_lazy("unit of measure", "roll"),
    "LTR": pgettext_lazy("unit of measure", "litre"),
    "MLT": pgettext_lazy("unit of measure", "millilitre"),
    "HLT": pgettext_lazy("unit of measure", "hectolitre"),
    "MTQ": pgettext_lazy("unit of measure", "cubic metre"),
    "MTR": pgettext_lazy("unit of measure", "metre"),
    "CMT": pgettext_lazy("unit of measure", "centimetre"),
    "MMT": pgettext_lazy("unit of measure", "millimetre"),
    "KMT": pgettext_lazy("unit of measure", "kilometre"),
    "MTK": pgettext_lazy("unit of measure", "square metre"),
    "KWH": pgettext_lazy("unit of measure", "kilowatt hour"),
    "CTM": pgettext_lazy("unit of measure", "metric carat"),
    "GFI": pgettext_lazy("unit of measure", "gram of fissile isotopes"),
    "KNS": pgettext_lazy("unit of measure", "kilogram named substance"),
    "NPR": pgettext_lazy("unit of measure", "number of pairs"),
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


def unit_problem(code: str) -> str | None:
    """What is wrong with a quantity's unit code (a goods item's, a licence's), or None."""
    if is_unit(code):
        return None
    if not code:
        return _("Enter the unit (UN/ECE Rec. 20), e.g. KGM or PCE.")
    return _("%(unit)s is not a unit code we accept; use UN/ECE Rec. 20, e.g. KGM, PCE, LTR.") % {
        "unit": repr(code)
    }


def is_document_type(code: str) -> bool:
    """True for a document type code (UN/CEFACT 1001) accepted on declarations."""
    return code in DOCUMENT_TYPES.values


def locode_problem(code: str) -> str | None:
    """Why ``code`` is not a well-formed UN/LOCODE, or None when it is (format only)."""
    if not isinstance(code, str) or not LOCODE_PATTERN.match(code):
        return _(
            "%(code)r is not a UN/LOCODE: it is 5 characters, a 2-letter country code and 3 "
            "letters or digits 2-9, e.g. CNSHA or DEHAM."
        ) % {"code": code}
    if code[:2] not in COUNTRIES:
        return _("%(code)r is not a UN/LOCODE: %(country)r is not an ISO 3166-1 country code.") % {
            "code": code,
            "country": code[:2],
        }
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
    controls.clear_cache()


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
    """(code, "CN China") pairs for a <select>, sorted by English name, in the active language."""
    return [(code, f"{code} {name}") for code, name in COUNTRIES.items()]


def currency_choices() -> Choices:
    """(code, "CNY Yuan Renminbi") pairs, sorted by code, in the active language."""
    return [(code, f"{code} {name}") for code, name in CURRENCIES.items()]


def unit_choices() -> Choices:
    """(code, "KGM kilogram") pairs of the curated UN/ECE Rec. 20 units, in the active language."""
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
