"""Idempotency-Key: a retry replays the original response and never makes a second change."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from eport.api import idempotency
from eport.api.models import IdempotencyRecord
from eport.api.tasks import purge_idempotency_keys
from eport.declarations import services
from eport.declarations.models import Declaration
from ledger.models import Entry
from tests.api.conftest import draft_body
from tests.api.test_lifecycle import file_ready, url


def created_entries() -> int:
    return Entry.objects.filter(action="declaration.created").count()


def test_a_retried_create_returns_the_original_response_and_files_once(world):
    trader = world.client(world.trader)
    key = str(uuid.uuid4())
    first = trader.post(
        "/api/v1/declarations/", draft_body(), format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    again = trader.post(
        "/api/v1/declarations/", draft_body(), format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert Declaration.objects.count() == 1 and created_entries() == 1


def test_the_same_key_with_a_different_body_is_refused(world):
    trader = world.client(world.trader)
    trader.post("/api/v1/declarations/", draft_body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    other = trader.post(
        "/api/v1/declarations/", draft_body(lrn="OTHER"), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert other.status_code == 422
    assert other.json()["type"] == "/api/problems/idempotency-key-reused"
    assert Declaration.objects.count() == 1


def test_keys_are_scoped_to_the_caller(world):
    body = draft_body()
    first = world.client(world.trader).post(
        "/api/v1/declarations/", body, format="json", HTTP_IDEMPOTENCY_KEY="shared"
    )
    second = world.client(world.trader2).post(
        "/api/v1/declarations/", body, format="json", HTTP_IDEMPOTENCY_KEY="shared"
    )
    assert first.status_code == second.status_code == 201
    assert first.json()["uuid"] != second.json()["uuid"]


def test_a_refused_request_leaves_its_key_free_for_the_corrected_one(world):
    trader = world.client(world.trader)
    body = draft_body()
    body["invoice_total"] = "not a number"
    refused = trader.post("/api/v1/declarations/", body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert refused.status_code == 422
    assert not IdempotencyRecord.objects.exists()
    fixed = trader.post(
        "/api/v1/declarations/", draft_body(), format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert fixed.status_code == 201


def test_a_retried_submit_replays_instead_of_failing_on_the_new_state(world):
    trader = world.client(world.trader)
    declaration = file_ready(trader)
    body = {"version": declaration["version"]}
    first = trader.post(url(declaration, "submit/"), body, format="json", HTTP_IDEMPOTENCY_KEY="s")
    again = trader.post(url(declaration, "submit/"), body, format="json", HTTP_IDEMPOTENCY_KEY="s")
    assert first.status_code == again.status_code == 200
    assert again.json()["number"] == first.json()["number"]
    assert Entry.objects.filter(action="declaration.submitted").count() == 1
    without_key = trader.post(url(declaration, "submit/"), body, format="json")
    assert without_key.status_code == 409


def test_a_document_upload_is_replayed_by_its_file_digest(world):
    from tests.declarations import factories as f

    trader = world.client(world.trader)
    draft = trader.post("/api/v1/declarations/", draft_body(), format="json").json()

    def send(content):
        return trader.post(
            url(draft, "documents/"),
            {"type": "380", "reference": "INV-1", "file": f.upload(content)},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="doc",
        )

    assert send(f.PDF).status_code == 201
    assert send(f.PDF).status_code == 201
    assert send(f.PDF + b"other").status_code == 422
    assert len(trader.get(url(draft, "documents/")).json()) == 1


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "naïve"])
def test_a_malformed_key_is_a_bad_request(world, key):
    trader = world.client(world.trader)
    refused = trader.post(
        "/api/v1/declarations/", draft_body(), format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert refused.status_code == 400
    assert "Idempotency-Key" in refused.json()["detail"]
    assert not Declaration.objects.exists()


# Concurrency, on real PostgreSQL ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_retry_while_the_first_request_runs_is_told_to_wait(world, postgresql, monkeypatch):
    started, finish = threading.Event(), threading.Event()
    real_create = services.create_draft

    def slow_create(**kwargs):
        declaration = real_create(**kwargs)
        started.set()
        assert finish.wait(10)
        return declaration

    monkeypatch.setattr(services, "create_draft", slow_create)
    first_client, retry_client = world.client(world.trader), world.client(world.trader)

    def first():
        try:
            return first_client.post(
                "/api/v1/declarations/", draft_body(), format="json", HTTP_IDEMPOTENCY_KEY="slow"
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(first)
        assert started.wait(10)
        retry = retry_client.post(
            "/api/v1/declarations/", draft_body(), format="json", HTTP_IDEMPOTENCY_KEY="slow"
        )
        finish.set()
        original = pending.result(timeout=20)

    assert retry.status_code == 409
    assert retry.json()["type"] == "/api/problems/idempotency-key-in-use"
    assert retry["Retry-After"] == "1"
    assert original.status_code == 201
    replay = retry_client.post(
        "/api/v1/declarations/", draft_body(), format="json", HTTP_IDEMPOTENCY_KEY="slow"
    )
    assert replay.status_code == 201 and replay.json()["uuid"] == original.json()["uuid"]
    assert Declaration.objects.count() == 1 and created_entries() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_creates_with_one_key_file_one_declaration(world, postgresql):
    clients = [world.client(world.trader) for _ in range(8)]
    barrier = threading.Barrier(len(clients))

    def post(client):
        try:
            barrier.wait(10)
            return client.post(
                "/api/v1/declarations/", draft_body(), format="json", HTTP_IDEMPOTENCY_KEY="dup"
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(len(clients)) as pool:
        responses = list(pool.map(post, clients))

    statuses = sorted(response.status_code for response in responses)
    assert set(statuses) <= {201, 409}, statuses
    assert statuses.count(201) >= 1
    uuids = {r.json()["uuid"] for r in responses if r.status_code == 201}
    assert len(uuids) == 1
    assert Declaration.objects.count() == 1 and created_entries() == 1
    assert IdempotencyRecord.objects.get().status == IdempotencyRecord.Status.COMPLETE


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_submits_with_one_key_submit_once(world, postgresql):
    trader = world.client(world.trader)
    declaration = file_ready(trader)
    clients = [world.client(world.trader) for _ in range(8)]
    barrier = threading.Barrier(len(clients))
    body = {"version": declaration["version"]}

    def post(client):
        try:
            barrier.wait(10)
            return client.post(
                url(declaration, "submit/"), body, format="json", HTTP_IDEMPOTENCY_KEY="submit"
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(len(clients)) as pool:
        responses = list(pool.map(post, clients))

    statuses = [response.status_code for response in responses]
    assert set(statuses) <= {200, 409} and 200 in statuses, statuses
    assert Entry.objects.filter(action="declaration.submitted").count() == 1
    assert len({r.json()["number"] for r in responses if r.status_code == 200}) == 1


def test_a_key_is_forgotten_after_its_retention_even_before_the_purge(world, settings):
    settings.EPORT_IDEMPOTENCY_KEY_HOURS = 24
    trader = world.client(world.trader)
    first = trader.post(
        "/api/v1/declarations/", draft_body(), format="json", HTTP_IDEMPOTENCY_KEY="old"
    )
    assert first.status_code == 201
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    other = trader.post(
        "/api/v1/declarations/", draft_body(lrn="NEW"), format="json", HTTP_IDEMPOTENCY_KEY="old"
    )
    assert other.status_code == 201
    assert "Idempotent-Replayed" not in other
    assert other.json()["uuid"] != first.json()["uuid"]
    (record,) = IdempotencyRecord.objects.all()
    assert record.response_body["uuid"] == other.json()["uuid"]


def test_the_purge_task_deletes_only_expired_keys(world, settings):
    settings.EPORT_IDEMPOTENCY_KEY_HOURS = 24
    trader = world.client(world.trader)
    for n in range(5):
        response = trader.post(
            "/api/v1/declarations/",
            draft_body(lrn=f"LRN-{n}"),
            format="json",
            HTTP_IDEMPOTENCY_KEY=f"key-{n}",
        )
        assert response.status_code == 201
    old = IdempotencyRecord.objects.filter(key__in=["key-0", "key-1", "key-2"])
    old.update(created_at=timezone.now() - timedelta(hours=24, seconds=1))

    assert idempotency.purge_expired(batch=2) == 3
    assert sorted(IdempotencyRecord.objects.values_list("key", flat=True)) == ["key-3", "key-4"]
    assert purge_idempotency_keys.apply().get() == 0
    assert Declaration.objects.count() == 5  # the changes the keys made stay


def test_the_purge_runs_on_the_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["api.purge_idempotency_keys"]
    assert entry["task"] == purge_idempotency_keys.name
    assert entry["schedule"] <= 3600
