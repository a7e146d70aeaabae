"""A second factor for officers, auditors and banks: enrolment, sign-in codes, recovery, reset."""

import base64
import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from eport.accounts import second_factor
from eport.accounts.models import User
from eport.accounts.views import RECOVERY_CODES_SESSION_KEY
from eport.api.tokens import create_token
from ledger.models import Entry

from .factories import make_superuser, make_user

pytestmark = pytest.mark.django_db

PASSWORD = "Correct-horse-2026"


@pytest.fixture(autouse=True)
def second_factor_on(settings):
    settings.EPORT_REQUIRE_SECOND_FACTOR = True


@pytest.fixture
def officer():
    return make_user(User.Role.OFFICER, username="officer.wang", password=PASSWORD)


def sign_in(client, username, password=PASSWORD):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, follow=False
    )


def secret_on(page: str) -> bytes:
    """The key the enrolment page shows as text, as the bytes an authenticator app holds."""
    shown = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page).group(1)
    text = shown.replace(" ", "")
    return base64.b32decode(text + "=" * (-len(text) % 8))


def code_for(key: bytes, *, steps_ahead: int = 0) -> str:
    return f"{totp(key, drift=steps_ahead):06d}"


def recovery_codes_on(page: str) -> list[str]:
    listing = re.search(r'data-testid="recovery-codes">(.*?)</ol>', page, re.S).group(1)
    return re.findall(r"<li>([a-z2-7]{4} [a-z2-7]{4})</li>", listing)


def enrol(client, username="officer.wang"):
    """Sign in for the first time and set up the authenticator; return its key and the codes."""
    sign_in(client, username)
    page = client.get(reverse("accounts:second_factor_enrol")).text
    key = secret_on(page)
    response = client.post(reverse("accounts:second_factor_enrol"), {"code": code_for(key)})
    codes_page = client.get(response.url).text
    return key, recovery_codes_on(codes_page)


def entries(action: str) -> list[Entry]:
    return list(Entry.objects.filter(action=action).order_by("seq"))


def test_the_first_sign_in_of_an_officer_leads_to_enrolment(client, officer):
    response = sign_in(client, "officer.wang")
    assert response.status_code == 302

    home = client.get(response.url)

    assert home.status_code == 302
    assert home.url.startswith(reverse("accounts:second_factor_enrol"))
    page = client.get(home.url).text
    assert "Set up your second factor" in page
    assert 'src="data:image/svg+xml' in page
    assert re.search(r'data-testid="totp-secret">([A-Z2-7]{4} )+[A-Z2-7]{1,4}<', page)


def test_the_qr_code_holds_an_otpauth_uri_with_issuer_eport(client, officer):
    sign_in(client, "officer.wang")
    client.get(reverse("accounts:second_factor_enrol"))
    device = TOTPDevice.objects.get(user=officer, confirmed=False)

    assert device.config_url.startswith("otpauth://totp/eport%3Aofficer.wang?")
    assert "issuer=eport" in device.config_url


def test_enrolment_confirms_the_device_shows_ten_recovery_codes_once_and_is_ledgered(
    client, officer
):
    key, codes = enrol(client)

    assert len(codes) == 10 == len(set(codes))
    assert TOTPDevice.objects.get(user=officer).confirmed
    # Shown once: the page no longer has them.
    again = client.get(reverse("accounts:recovery_codes")).text
    assert recovery_codes_on_or_none(again) is None
    # The session is verified: other pages open.
    assert client.get(reverse("accounts:security")).status_code == 200
    (entry,) = entries("user.second_factor_enrolled")
    assert entry.subject == f"user:{officer.pk}"
    assert entry.actor == f"user:{officer.pk}"
    assert entry.data["method"] == "totp"
    assert entry.data["recovery_codes"] == 10
    stored = bytes(entry.canonical).decode()
    assert key.hex() not in stored
    assert all(code.replace(" ", "") not in stored for code in codes)


def recovery_codes_on_or_none(page: str):
    return re.search(r'data-testid="recovery-codes"', page) and recovery_codes_on(page)


def test_recovery_codes_are_stored_hashed_and_the_session_forgets_them_once_shown(client, officer):
    _key, codes = enrol(client)

    assert RECOVERY_CODES_SESSION_KEY not in client.session
    stored = set(StaticToken.objects.filter(device__user=officer).values_list("token", flat=True))
    assert len(stored) == 10
    plain = {code.replace(" ", "") for code in codes}
    assert not stored & plain
    assert all(len(token) == 16 for token in stored)
    assert stored == {second_factor.recovery_code_hash(code) for code in codes}


def test_a_recovery_code_made_before_a_secret_key_rotation_still_signs_in(
    client, officer, settings
):
    _key, codes = enrol(client)
    client.post(reverse("accounts:logout"))
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = [old_key]

    sign_in(client, "officer.wang")
    response = client.post(
        reverse("accounts:second_factor_verify"), {"code": codes[3], "next": "/"}
    )

    assert response.status_code == 302
    assert response.url == "/"
    assert StaticToken.objects.filter(device__user=officer).count() == 9
    # Without the old key among the fallbacks, the codes made under it are no longer known.
    client.post(reverse("accounts:logout"))
    settings.SECRET_KEY_FALLBACKS = []
    sign_in(client, "officer.wang")
    refused = client.post(reverse("accounts:second_factor_verify"), {"code": codes[4]})

    assert refused.status_code == 200
    assert "That recovery code is not right, or it has been used already." in refused.text


def test_a_wrong_first_code_is_explained_and_confirms_nothing(client, officer):
    sign_in(client, "officer.wang")
    client.get(reverse("accounts:second_factor_enrol"))

    response = client.post(reverse("accounts:second_factor_enrol"), {"code": "12345"})

    assert response.status_code == 200
    assert "Enter the 6-digit code your authenticator app shows." in response.text
    assert not TOTPDevice.objects.filter(user=officer, confirmed=True).exists()
    assert not entries("user.second_factor_enrolled")


def test_a_later_sign_in_asks_for_the_code_and_accepts_the_right_one(client, officer):
    key, _codes = enrol(client)
    client.post(reverse("accounts:logout"))

    response = sign_in(client, "officer.wang")
    step = client.get("/declarations/")
    assert step.status_code == 302
    assert step.url == f"{reverse('accounts:second_factor_verify')}?next=%2Fdeclarations%2F"
    assert "Confirm it is you" in client.get(step.url).text

    # The code used to enrol cannot be replayed; the next one (still in the window) is accepted.
    response = client.post(
        step.url, {"code": code_for(key, steps_ahead=1), "next": "/declarations/"}
    )

    assert response.status_code == 302
    assert response.url == "/declarations/"
    assert client.get("/declarations/").status_code == 200


def test_a_wrong_code_is_refused_clearly_and_throttled(client, officer):
    key, _codes = enrol(client)
    client.post(reverse("accounts:logout"))
    sign_in(client, "officer.wang")
    right = code_for(key, steps_ahead=1)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    first = client.post(reverse("accounts:second_factor_verify"), {"code": wrong})
    second = client.post(reverse("accounts:second_factor_verify"), {"code": right})

    assert first.status_code == 200
    assert "That code is not right." in first.text
    # django-otp's throttling: after a wrong code, even the right one waits its turn.
    assert second.status_code == 200
    assert "Too many wrong codes. Wait" in second.text
    assert client.get("/declarations/").status_code == 302
    device = TOTPDevice.objects.get(user=officer)
    assert device.throttling_failure_count == 1


def test_a_recovery_code_signs_in_once_and_says_how_many_remain(client, officer):
    _key, codes = enrol(client)
    client.post(reverse("accounts:logout"))

    sign_in(client, "officer.wang")
    response = client.post(
        reverse("accounts:second_factor_verify"), {"code": codes[0].upper(), "next": "/"}
    )

    assert response.status_code == 302
    page = client.get(reverse("accounts:security")).text
    assert "9 recovery codes remain." in page
    assert "You have 9 unused recovery codes." in page
    (entry,) = entries("user.recovery_code_used")
    assert entry.data["recovery_codes_left"] == 9
    assert codes[0].replace(" ", "") not in bytes(entry.canonical).decode()

    client.post(reverse("accounts:logout"))
    sign_in(client, "officer.wang")
    reused = client.post(reverse("accounts:second_factor_verify"), {"code": codes[0]})

    assert reused.status_code == 200
    assert "That recovery code is not right, or it has been used already." in reused.text
    assert StaticToken.objects.filter(device__user=officer).count() == 9


def test_until_verified_only_the_step_sign_out_and_language_are_reachable(client, officer):
    enrol(client)
    client.post(reverse("accounts:logout"))
    sign_in(client, "officer.wang")

    for path in ["/", "/declarations/", "/admin/", reverse("accounts:security")]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith(reverse("accounts:second_factor_verify")), path
    assert client.get(reverse("accounts:second_factor_verify")).status_code == 200
    language = client.post(reverse("web:set_language"), {"language": "zh-hans", "next": "/"})
    assert language.status_code == 302
    assert language.url == "/"
    assert client.post(reverse("accounts:logout")).url == "/accounts/login/"


def test_a_session_api_call_before_the_second_factor_is_a_named_403(client, officer):
    enrol(client)
    client.post(reverse("accounts:logout"))
    sign_in(client, "officer.wang")

    response = client.get("/api/v1/declarations/")

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert "second factor" in response.json()["detail"]


def test_bearer_tokens_never_ask_for_a_second_factor(officer):
    _token, secret = create_token(actor=officer, name="customs system")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

    response = api.get("/api/v1/declarations/")

    assert response.status_code == 200


def test_a_bearer_header_does_not_lift_an_unverified_session(client, officer):
    enrol(client)
    client.post(reverse("accounts:logout"))
    sign_in(client, "officer.wang")

    response = client.get("/api/v1/declarations/", HTTP_AUTHORIZATION="Bearer eport_bad_token")

    assert response.status_code == 401


def test_an_auditor_and_bank_staff_need_it_and_a_trader_does_not(client):
    auditor = make_user(User.Role.AUDITOR, username="auditor.li", password=PASSWORD)
    trader = make_user(User.Role.TRADER, username="trader.zhou", password=PASSWORD)

    assert second_factor.second_factor_required(auditor)
    sign_in(client, "auditor.li")
    assert client.get("/").url.startswith(reverse("accounts:second_factor_enrol"))
    client.post(reverse("accounts:logout"))

    sign_in(client, "trader.zhou")
    assert client.get("/declarations/").status_code == 200
    assert not second_factor.second_factor_required(trader)


def security_link_on(page: str) -> str | None:
    """The header's link to Sign-in security, beside the person's name, if the page has one."""
    session = re.search(r'<div class="session">(.*?)</form>', page, re.S)
    link = session and re.search(r'<a [^>]*href="([^"]+)"[^>]*>Sign-in security</a>', session[1])
    return link and link[1]


def test_every_signed_in_person_finds_sign_in_security_in_the_header(client, officer):
    enrol(client)
    page = client.get("/declarations/").text
    assert security_link_on(page) == reverse("accounts:security")
    security = client.get(reverse("accounts:security")).text
    assert "You have 10 unused recovery codes." in security
    assert 'aria-current="page">Sign-in security</a>' in security
    client.post(reverse("accounts:logout"))

    make_user(User.Role.TRADER, username="trader.zhou", password=PASSWORD)
    sign_in(client, "trader.zhou")
    page = client.get("/declarations/").text
    assert security_link_on(page) == reverse("accounts:security")
    security = client.get(reverse("accounts:security")).text
    assert "no second factor is needed" in security
    client.post(reverse("accounts:logout"))

    assert security_link_on(client.get(reverse("accounts:login")).text) is None


def test_with_the_setting_off_there_is_no_step(client, officer, settings):
    settings.EPORT_REQUIRE_SECOND_FACTOR = False

    sign_in(client, "officer.wang")

    assert client.get("/declarations/").status_code == 200


def test_new_recovery_codes_replace_the_old_ones_and_are_ledgered(client, officer):
    _key, old_codes = enrol(client)

    response = client.post(reverse("accounts:security"))
    new_codes = recovery_codes_on(client.get(response.url).text)

    assert len(new_codes) == 10
    assert not set(new_codes) & set(old_codes)
    assert sorted(
        StaticToken.objects.filter(device__user=officer).values_list("token", flat=True)
    ) == sorted(second_factor.recovery_code_hash(code) for code in new_codes)
    (entry,) = entries("user.recovery_codes_regenerated")
    assert entry.actor == f"user:{officer.pk}"
    stored = bytes(entry.canonical).decode()
    assert all(code.replace(" ", "") not in stored for code in new_codes)


def test_an_administrator_resets_a_second_factor_and_the_user_enrols_again(client, officer):
    enrol(client)
    client.post(reverse("accounts:logout"))
    admin = make_superuser()
    client.force_login(admin)

    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [officer.pk]},
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert not StaticToken.objects.filter(device__user=officer).exists()
    (entry,) = entries("user.second_factor_reset")
    assert entry.actor == f"user:{admin.pk}"
    assert entry.subject == f"user:{officer.pk}"
    assert entry.data["devices_removed"] == 2

    client.post(reverse("accounts:logout"))
    sign_in(client, "officer.wang")
    assert client.get("/").url.startswith(reverse("accounts:second_factor_enrol"))


def test_a_reset_ends_the_verified_sessions_second_factor(client, officer):
    enrol(client)
    assert client.get("/declarations/").status_code == 200

    second_factor.reset_second_factor(user=officer, actor="system:test")

    response = client.get("/declarations/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:second_factor_enrol"))


def test_the_device_admin_pages_are_not_offered(client):
    client.force_login(make_superuser())

    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404


def test_without_a_back_off_the_right_code_after_a_wrong_one_signs_in(client, officer, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    key, _codes = enrol(client)
    client.post(reverse("accounts:logout"))
    sign_in(client, "officer.wang")
    right = code_for(key, steps_ahead=1)

    client.post(
        reverse("accounts:second_factor_verify"),
        {"code": "000000" if right != "000000" else "111111"},
    )
    response = client.post(reverse("accounts:second_factor_verify"), {"code": right})

    assert response.status_code == 302
    assert client.get("/declarations/").status_code == 200
