"""Reference data in the reader's language: country and currency names from pycountry's bundled
translations (iso-codes), our own code lists from the catalogue; HS descriptions stay English."""

import pytest
from django.template import Context, Template
from django.utils import translation

from eport.reference import choices, codes


@pytest.fixture(autouse=True)
def language_reset():
    # A request's language (LocaleMiddleware) and override() stay on the thread otherwise.
    yield
    translation.deactivate()


def test_country_and_currency_names_are_chinese_under_zh_hans():
    with translation.override("zh-hans"):
        assert codes.country_name("CN") == "中国"
        assert codes.country_name("DE") == "德国"
        assert codes.country_name("TW") == "中国台湾省"
        assert codes.currency_name("CNY") == "人民币元"
        assert codes.currency_name("USD") == "美元"
        assert ("CN", "CN 中国") in codes.country_choices()
        assert ("CNY", "CNY 人民币元") in codes.currency_choices()
        # The code lists a page renders read the active language too; the codes stay the same.
        assert str(codes.COUNTRIES["HK"]) == "香港"
        assert str(codes.CURRENCIES["EUR"]) == "欧元"


def test_names_stay_english_in_english():
    with translation.override("en"):
        assert codes.country_name("CN") == "China"
        assert codes.country_name("TW") == "Taiwan"
        assert codes.currency_name("CNY") == "Yuan Renminbi"
        assert ("CN", "CN China") in codes.country_choices()
        assert str(codes.COUNTRIES["DE"]) == "Germany"


def test_a_page_shows_the_names_in_the_language_it_is_rendered_in():
    template = Template("{% for code, name in countries.items %}{{ code }}={{ name }};{% endfor %}")
    context = {"countries": {"CN": codes.COUNTRIES["CN"], "KR": codes.COUNTRIES["KR"]}}
    with translation.override("zh-hans"):
        assert template.render(Context(context)) == "CN=中国;KR=韩国;"
    with translation.override("en"):
        assert template.render(Context(context)) == "CN=China;KR=South Korea;"


def test_a_name_without_a_translation_falls_back_to_english():
    with translation.override("zh-hans"):
        assert codes.currency_name("ZWG") == "Zimbabwe Gold"
        assert codes.country_name("ZZ") == "ZZ"


def test_the_code_lists_keep_their_codes_in_every_language():
    with translation.override("zh-hans"):
        assert codes.is_country("CN") and codes.is_currency("CNY") and codes.is_unit("KGM")
        assert [code for code, _label in codes.country_choices()] == list(codes.COUNTRIES)
        assert [code for code, _label in codes.incoterm_choices()] == choices.Incoterm.values


def test_our_own_code_lists_are_translated_with_the_glossary():
    # These come from eport's catalogue (locale/zh_Hans), not from pycountry.
    with translation.override("zh-hans"):
        assert ("FOB", "FOB 船上交货") in codes.incoterm_choices()
        assert ("1", "1 水路运输") in codes.transport_mode_choices()
        assert ("705", "705 提单") in codes.document_type_choices()
        assert ("KGM", "KGM 千克") in codes.unit_choices()
        assert "世界海关组织" in str(codes.HS_DESCRIPTION_NOTE)
