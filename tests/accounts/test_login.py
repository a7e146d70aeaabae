import pytest
from django.urls import reverse

from eport.accounts.models import User
from ledger.models import Entry

from .factories import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "Correct-horse-2026"


@pytest.fixture
def trader():
    return make_user(User.Role.TRADER, username="trader.zhang", password=PASSWORD)


def sign_in(client, username, password, **extra):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, **extra
    )


@pytest.mark.smoke
def test_a_trader_signs_in_and_out(client, trader):
    assert "Sign in" in client.get(reverse("accounts:login")).text

    response = sign_in(client, "trader.zhang", PASSWORD)

    assert response.status_code == 302
    assert response.url == "/"
    assert client.session["_auth_user_id"] == str(trader.pk)

    response = client.post(reverse("accounts:logout"))

    assert response.url == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_is_explained(client, trader):
    response = sign_in(client, "trader.zhang", "wrong-password")

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text
    assert "_auth_user_id" not in client.session


def test_signing_out_needs_a_post(client, trader):
    client.force_login(trader)

    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.session["_auth_user_id"] == str(trader.pk)


def test_repeated_failures_pause_sign_in_for_that_username_and_address(client, trader):
    for _ in range(4):
        assert sign_in(client, "trader.zhang", "wrong-password").status_code == 200

    fifth = sign_in(client, "trader.zhang", "wrong-password")

    assert fifth.status_code == 429
    assert "Sign-in paused" in fifth.text
    assert "5 failed attempts" in fifth.text
    assert "Try again in 15 minutes" in fifth.text
    locked = sign_in(client, "trader.zhang", PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    elsewhere = sign_in(client, "trader.zhang", PASSWORD, REMOTE_ADDR="10.1.2.3")
    assert elsewhere.status_code == 302


def test_a_success_before_the_limit_clears_the_failures(client, trader):
    for _ in range(4):
        sign_in(client, "trader.zhang", "wrong-password")
    assert sign_in(client, "trader.zhang", PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))

    for _ in range(4):
        assert sign_in(client, "trader.zhang", "wrong-password").status_code == 200


def test_changing_ones_password_is_recorded_without_the_secret(client, trader):
    client.force_login(trader)

    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Another-horse-2027",
            "new_password2": "Another-horse-2027",
        },
    )

    assert response.status_code == 302
    assert "Password changed" in client.get(response.url).text
    trader.refresh_from_db()
    assert trader.check_password("Another-horse-2027")
    assert client.session["_auth_user_id"] == str(trader.pk)
    entry = Entry.objects.order_by("-seq").first()
    assert (entry.actor, entry.action, entry.subject) == (
        f"user:{trader.pk}",
        "user.password_changed",
        f"user:{trader.pk}",
    )
    assert b"Another-horse" not in bytes(entry.canonical)


def test_a_wrong_old_password_changes_nothing(client, trader):
    client.force_login(trader)
    entries = Entry.objects.count()

    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "not-it",
            "new_password1": "Another-horse-2027",
            "new_password2": "Another-horse-2027",
        },
    )

    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.text
    assert Entry.objects.count() == entries


def test_a_username_longer_than_any_is_refused_by_the_form_not_the_database(client, trader):
    # 256 characters: one more than the failed-login records hold
    response = sign_in(client, "a" * 256, "wrong-password")

    assert response.status_code == 200
    assert "at most 150 characters" in response.text
    assert "_auth_user_id" not in client.session
    # the right name still signs in afterwards: nothing was locked or half-written
    assert sign_in(client, "trader.zhang", PASSWORD).status_code == 302


def test_behind_a_trusted_proxy_one_client_cannot_lock_out_another(client, trader, settings):
    from django.test import Client

    settings.EPORT_TRUSTED_PROXIES = 1  # the TLS proxy at 10.0.0.1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    attacker = {"HTTP_X_FORWARDED_FOR": "203.0.113.7", **proxy}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "trader.zhang", "wrong-password", **attacker)
    assert sign_in(client, "trader.zhang", "wrong-password", **attacker).status_code == 429

    colleague = {"HTTP_X_FORWARDED_FOR": "198.51.100.2", **proxy}
    assert sign_in(Client(), "trader.zhang", PASSWORD, **colleague).status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.7", "10.0.0.1"),  # no proxy of ours: the header is the client's word
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # a forged first hop is ignored
        (2, "203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (1, "", "10.0.0.1"),  # a proxy that sent no header: the nearest address we know
        (1, "not-an-address", "10.0.0.1"),
    ],
)
def test_the_client_address_trusts_only_our_own_proxies(rf, settings, proxies, forwarded, expected):
    from eport.core.client import client_address

    settings.EPORT_TRUSTED_PROXIES = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected
