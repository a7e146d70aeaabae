"""The language of every page: saved choice, else the switch's cookie, else the browser's."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def page_language(response) -> str:
    return response["Content-Language"]


def test_the_browsers_language_is_used_when_nothing_was_chosen(client):
    chinese = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5")
    english = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert page_language(chinese) == "zh-hans"
    assert '<html lang="zh-Hans">' in chinese.content.decode()
    assert page_language(english) == "en"
    assert '<html lang="en">' in english.content.decode()
    assert "Accept-Language" in chinese["Vary"]


def test_a_language_nobody_configured_falls_back_to_the_default(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr-FR")
    assert page_language(response) == "zh-hans"


def test_the_switch_works_without_script_and_stays_on_the_page(client):
    page = client.get("/accounts/login/?next=/declarations/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    html = page.content.decode()
    assert 'action="/language/"' in html
    assert 'name="language" value="en"' in html
    assert 'name="next" value="/accounts/login/?next=/declarations/"' in html

    switched = client.post(
        "/language/",
        {"language": "en", "next": "/accounts/login/?next=/declarations/"},
        HTTP_ACCEPT_LANGUAGE="zh-CN",
    )

    assert switched.status_code == 302
    assert switched["Location"] == "/accounts/login/?next=/declarations/"
    assert switched.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    # the choice now outranks the browser's Accept-Language
    again = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert page_language(again) == "en"


def test_the_switch_never_sends_anyone_off_the_site(client):
    response = client.post(
        "/language/", {"language": "en", "next": "https://evil.example/"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_an_unknown_language_changes_nothing(client):
    response = client.post("/language/", {"language": "xx", "next": "/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_the_switch_is_a_post(client):
    assert client.get("/language/").status_code == 405


def test_a_signed_in_persons_choice_is_saved_and_follows_them(client, django_user_model):
    from django.test import Client

    person = django_user_model.objects.create_user("li", password="pw-for-tests-1")
    client.force_login(person)
    client.post("/language/", {"language": "zh-hans", "next": "/"}, HTTP_ACCEPT_LANGUAGE="en")
    person.refresh_from_db()
    assert person.language == "zh-hans"

    # another browser, English everywhere, still shows the saved choice once signed in
    elsewhere = Client(HTTP_ACCEPT_LANGUAGE="en-US")
    elsewhere.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    elsewhere.force_login(person)
    response = elsewhere.get("/accounts/password/")
    assert response.status_code == 200
    assert page_language(response) == "zh-hans"
    # signed out, the browser's own language is back
    elsewhere.logout()
    assert page_language(elsewhere.get("/accounts/login/")) == "en"


def test_the_hs_hint_says_in_chinese_that_descriptions_are_the_wcos_english(client):
    from tests.declarations import factories as f

    f.load_reference_rows()
    english = client.get("/reference/hs/847130/", HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = client.get("/reference/hs/847130/", HTTP_ACCEPT_LANGUAGE="zh-CN").json()

    assert english["note"] == "" and chinese["description"] == english["description"]
    assert "WCO" in chinese["note"] and "World Customs" not in chinese["note"]
    missing = client.get("/reference/hs/999999/", HTTP_ACCEPT_LANGUAGE="zh-CN").json()
    assert "not an HS" not in missing["error"]


def test_each_language_is_offered_in_its_own_name(client):
    for accept in ("zh-CN", "en"):
        html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=accept).content.decode()
        assert ">简体中文</button>" in html and ">English</button>" in html


def test_times_on_domain_pages_say_their_zone_in_the_readers_language():
    from datetime import UTC, datetime

    from django.utils import translation

    from eport.web.templatetags.eport import moment

    instant = datetime(2026, 12, 6, 9, 35, 7, tzinfo=UTC)
    with translation.override("en"):
        assert moment(instant) == "6 Dec 2026 17:35 UTC+8"
        assert moment(instant, "seconds") == "6 Dec 2026 17:35:07 UTC+8"
    with translation.override("zh-hans"):
        assert moment(instant).endswith(" UTC+8") and "2026" in moment(instant)
        assert "Dec" not in moment(instant)
    assert moment(None) == ""
