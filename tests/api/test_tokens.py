"""API tokens: created and revoked by their owner in the web app, shown once, stored hashed."""

import hashlib

from rest_framework.test import APIClient

from eport.api.models import ApiToken
from ledger.models import Entry


def create_on_page(client, name="ERP export job", lifetime_days=90):
    return client.post("/account/tokens/", {"name": name, "lifetime_days": lifetime_days})


def test_a_trader_creates_a_token_that_is_shown_once_and_stored_hashed(world, client):
    client.force_login(world.trader)
    page = create_on_page(client)
    assert page.status_code == 200
    secret = page.context["secret"]
    assert secret.startswith("eport_") and secret in page.content.decode()
    assert page["Cache-Control"].startswith("max-age=0")
    token = ApiToken.objects.get()
    assert token.name == "ERP export job" and token.user == world.trader
    assert secret.split("_")[-1] not in token.secret_sha256
    assert token.secret_sha256 == hashlib.sha256(secret.split("_", 2)[2].encode()).hexdigest()
    listing = client.get("/account/tokens/").content.decode()
    assert "ERP export job" in listing and secret not in listing
    assert f"eport_{token.prefix}_" in listing

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/declarations/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_creating_and_revoking_a_token_are_ledger_entries_without_the_secret(world, client):
    client.force_login(world.trader)
    secret = create_on_page(client).context["secret"]
    token = ApiToken.objects.get()
    revoked = client.post(f"/account/tokens/{token.pk}/revoke/", follow=True)
    assert "revoked" in revoked.content.decode()
    entries = Entry.objects.filter(subject=f"api-token:{token.pk}").order_by("seq")
    assert [entry.action for entry in entries] == ["api_token.created", "api_token.revoked"]
    assert entries[0].actor == f"user:{world.trader.pk}"
    for entry in entries:
        raw = bytes(entry.canonical).decode()
        assert secret not in raw and secret.split("_")[-1] not in raw
        assert token.secret_sha256 not in raw
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/declarations/").status_code == 401


def test_one_active_token_per_integration_name(world, client):
    client.force_login(world.officer)
    create_on_page(client, "Queue monitor")
    again = create_on_page(client, "queue monitor")
    assert again.status_code == 422
    assert "already have an active token" in again.content.decode()
    assert ApiToken.objects.count() == 1


def test_a_token_expires_within_a_year(world, client):
    client.force_login(world.trader)
    assert create_on_page(client, lifetime_days=400).status_code == 422
    create_on_page(client, lifetime_days=365)
    token = ApiToken.objects.get()
    assert 364 <= (token.expires_at - token.created_at).days <= 365


def test_nobody_revokes_another_persons_token(world, client):
    client.force_login(world.trader)
    create_on_page(client)
    token = ApiToken.objects.get()
    client.force_login(world.trader2)
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_token_pages_need_a_signed_in_person(db, client):
    response = client.get("/account/tokens/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_token_name_with_a_control_character_is_refused(world, client):
    client.force_login(world.trader)
    refused = create_on_page(client, "ERP\x1b[31m job")
    assert refused.status_code == 422
    assert "invisible control character (U+001B)" in refused.content.decode()
    assert not ApiToken.objects.exists()
