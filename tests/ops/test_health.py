"""/healthz and /readyz: what a load balancer sees when every part works and when one fails."""

from datetime import timedelta

import pytest
from django.utils import timezone

from eport.ops.models import Heartbeat
from eport.ops.services import record_heartbeat
from ledger import notary
from ledger.models import Entry
from tests.ledger.notary_support import append

from .faults import postgresql_stopped, redis_stopped

pytestmark = pytest.mark.usefixtures("ledger_keys")


def ready(client):
    response = client.get("/readyz", HTTP_ACCEPT="application/json")
    return response.status_code, response.json()


def failing(checks: dict) -> dict:
    return {name: message for name, message in checks.items() if message != "OK"}


def test_healthz_answers_ok_in_plain_text_without_touching_the_database(client):
    # No django_db mark: any database access here would raise.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"ok"


@pytest.mark.django_db
def test_readyz_is_200_when_the_worker_beats_and_nothing_waits(client):
    record_heartbeat()

    status, checks = ready(client)

    assert status == 200
    assert failing(checks) == {}
    names = " ".join(checks)
    for check in ("Database", "Cache", "WorkerHeartbeat", "Notarization"):
        assert check in names


@pytest.mark.django_db
def test_readyz_answers_text_to_a_load_balancer_that_asks_for_anything(client):
    record_heartbeat()

    response = client.get("/readyz", HTTP_ACCEPT="*/*")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "WorkerHeartbeat(max_age=60): OK" in response.content.decode()


@pytest.mark.django_db
def test_readyz_is_503_before_any_worker_heartbeat(client):
    status, checks = ready(client)

    assert status == 503
    assert list(failing(checks)) == ["WorkerHeartbeat(max_age=60)"]
    assert "no worker heartbeat" in failing(checks)["WorkerHeartbeat(max_age=60)"]


@pytest.mark.django_db
def test_readyz_is_503_when_the_heartbeat_is_older_than_the_limit(client, settings):
    settings.EPORT_READY_WORKER_SECONDS = 30
    Heartbeat.objects.create(source="celery-worker", time=timezone.now() - timedelta(seconds=45))

    status, checks = ready(client)

    assert status == 503
    assert "limit 30 s" in failing(checks)["WorkerHeartbeat(max_age=30)"]
    settings.EPORT_READY_WORKER_SECONDS = 60
    assert ready(client)[0] == 200


@pytest.mark.django_db
def test_entries_waiting_past_the_limit_with_no_checkpoint_make_readyz_fail(client, settings):
    record_heartbeat()
    append(3)
    settings.EPORT_READY_CHECKPOINT_SECONDS = 3600
    assert ready(client)[0] == 200  # waiting, but not for long

    settings.EPORT_READY_CHECKPOINT_SECONDS = 0
    status, checks = ready(client)

    assert status == 503
    message = failing(checks)["Notarization(max_age=0)"]
    assert f"{Entry.objects.count()} entries waiting" in message  # the genesis entry too
    assert "no notarized checkpoint" in message


@pytest.mark.django_db
def test_a_stale_checkpoint_fails_readyz_only_while_entries_wait(client, settings):
    record_heartbeat()
    append(3)
    notary.notarize()
    settings.EPORT_READY_CHECKPOINT_SECONDS = 0
    assert ready(client)[0] == 200  # every entry notarized: an idle ledger is fine

    append(2)
    status, checks = ready(client)

    assert status == 503
    message = failing(checks)["Notarization(max_age=0)"]
    assert "2 entries waiting; the newest notarized checkpoint is" in message
    notary.notarize()
    assert ready(client)[0] == 200


@pytest.mark.django_db
def test_an_empty_ledger_is_ready_however_short_the_limit(client, settings):
    record_heartbeat()
    settings.EPORT_READY_CHECKPOINT_SECONDS = 0

    assert ready(client)[0] == 200


@pytest.mark.django_db(transaction=True)
def test_readyz_is_503_naming_redis_while_redis_is_down(client, postgresql, settings):
    record_heartbeat()
    assert ready(client)[0] == 200

    with redis_stopped():
        status, checks = ready(client)

    assert status == 503
    down = failing(checks)
    assert any(name.startswith("Redis(") for name in down), down
    assert any(name.startswith("Cache(") for name in down), down
    assert not any(name.startswith(("Database", "WorkerHeartbeat")) for name in down), down
    assert ready(client)[0] == 200


@pytest.mark.django_db(transaction=True)
def test_with_postgresql_down_healthz_is_200_and_readyz_503_never_500(client, postgresql):
    record_heartbeat()
    assert ready(client)[0] == 200

    with postgresql_stopped():
        live = client.get("/healthz")
        status, checks = ready(client)
        text = client.get("/readyz", HTTP_ACCEPT="text/plain")

    assert live.status_code == 200
    assert status == 503
    down = failing(checks)
    assert set(down) == {
        "Database(alias='default')",
        "WorkerHeartbeat(max_age=60)",
        "Notarization(max_age=300)",
    }, down
    assert "database unavailable" in down["WorkerHeartbeat(max_age=60)"]
    assert text.status_code == 503
    assert ready(client)[0] == 200  # back once PostgreSQL is


def test_the_probes_answer_plain_http_when_https_is_enforced(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301
