from decimal import Decimal

import pytest

from eport.reference import codes
from eport.reference.loading import load_reference
from eport.reference.models import HsCode, TariffLine


@pytest.fixture
def tariff(db):
    for prefix, duty in [("85", "7"), ("8517", "0"), ("85171300", "1"), ("01", "10")]:
        TariffLine.objects.create(hs_prefix=prefix, duty_rate=Decimal(duty), vat_rate=13)


@pytest.mark.parametrize(
    ("hs_code", "expected"),
    [
        ("8517130000", "85171300"),
        ("8517620000", "8517"),
        ("8501100000", "85"),
        ("85", "85"),
        ("0101210000", "01"),
    ],
)
def test_the_longest_matching_prefix_gives_the_tariff(tariff, hs_code, expected):
    assert codes.tariff_for(hs_code).hs_prefix == expected


@pytest.mark.parametrize("hs_code", ["9999999999", "8", "85x7", "", None])
def test_no_tariff_without_a_matching_prefix(tariff, hs_code):
    assert codes.tariff_for(hs_code) is None


def test_hs_subheadings_are_known_after_loading_and_the_cache_follows_reloads(db):
    assert codes.is_hs_subheading("851713") is False

    load_reference()

    assert codes.is_hs_subheading("851713") is True
    assert codes.is_hs_subheading("8517") is False
    assert codes.is_hs_subheading("851700") is False
    assert codes.is_hs_subheading("999999") is False  # "not specified": statistics only
    HsCode.objects.filter(code="851713").delete()
    load_reference()
    assert codes.is_hs_subheading("851713") is True


def test_descriptions_come_from_the_most_specific_hs_level(db):
    load_reference()

    assert codes.hs_description("8517130000") == (
        "Telephone sets; smartphones for cellular or other wireless networks"
    )
    assert codes.hs_description("01") == "Animals; live"
    assert codes.hs_description("abc") is None


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("CNSHA", None),
        ("DEHAM", None),
        ("US2NY", None),
        ("CNSH1", "2-letter country code and 3 letters or digits 2-9"),
        ("cnsha", "2-letter country code"),
        ("CNSHAX", "2-letter country code"),
        ("XXSHA", "'XX' is not an ISO 3166-1 country code"),
    ],
)
def test_locodes_are_checked_for_format_and_country(code, problem):
    found = codes.locode_problem(code)
    if problem is None:
        assert found is None and codes.is_locode(code)
    else:
        assert problem in found and not codes.is_locode(code)


def test_code_lists_hold_the_iso_and_unece_codes():
    assert codes.is_country("CN") and codes.is_country("DE") and not codes.is_country("XX")
    assert codes.is_currency("CNY") and codes.is_currency("USD") and not codes.is_currency("XXX")
    assert codes.is_unit("KGM") and codes.is_unit("PCE") and not codes.is_unit("KG")
    assert codes.is_incoterm("FOB") and not codes.is_incoterm("FOX")
    assert codes.is_transport_mode("1") and not codes.is_transport_mode("6")
    assert codes.is_document_type("380") and not codes.is_document_type("999")
    assert len(codes.UNITS) >= 30


def test_choice_lists_are_ready_for_selects():
    assert ("CN", "CN China") in codes.country_choices()
    assert ("CNY", "CNY Yuan Renminbi") in codes.currency_choices()
    assert ("KGM", "KGM kilogram") in codes.unit_choices()
    assert ("1", "1 Sea") in codes.transport_mode_choices()
    assert ("FOB", "FOB Free on Board") in codes.incoterm_choices()
    assert ("380", "380 Commercial invoice") in codes.document_type_choices()


def test_office_choices_list_active_offices(db):
    load_reference()

    assert ("2201", "2201 Shanghai Customs District") in codes.office_choices()
