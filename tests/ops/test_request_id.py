"""Request ids: from the client (when sane) or made up, in the response, in the request's log
lines, and in the log lines of the Celery tasks the request queued."""

import io
import json
import logging
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory
from kombu.exceptions import OperationalError as BrokerError
from pythonjsonlogger.json import JsonFormatter

from eport.celery import app
from eport.ops import tasks
from eport.ops.requestid import RequestIdFilter, RequestIdMiddleware
from eport.outbox import services as outbox_services
from eport.outbox.models import OutboxMessage
from tests.celery_worker import CeleryWorker

ROOT = Path(__file__).resolve().parents[2]
GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def console():
    """The configured console handler, writing into a buffer for the test."""
    handler = next(
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(item, RequestIdFilter) for item in handler.filters)
    )
    buffer = io.StringIO()
    stream, formatter = handler.setStream(buffer), handler.formatter
    yield handler, buffer
    handler.setStream(stream)
    handler.setFormatter(formatter)


def json_formatter() -> JsonFormatter:
    options = dict(settings.LOGGING["formatters"]["json"])
    options.pop("()")
    return JsonFormatter(**options)


def test_a_sane_client_request_id_comes_back_in_the_response(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.2_x")

    assert response["X-Request-ID"] == "lb-7f3a.2_x"


@pytest.mark.parametrize(
    "offered", ["a" * 65, "has space", "semi;colon", "ünïcode", "<script>", ""]
)
def test_an_insane_client_request_id_is_replaced_by_a_fresh_one(client, offered):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=offered)

    assert GENERATED.fullmatch(response["X-Request-ID"])


def test_each_request_without_an_id_gets_its_own(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]

    assert GENERATED.fullmatch(first) and GENERATED.fullmatch(second)
    assert first != second


@pytest.mark.django_db
def test_the_log_lines_of_a_request_carry_its_id(client, console):
    _, buffer = console

    response = client.get("/no-such-page-here", HTTP_X_REQUEST_ID="trace-404")

    assert response.status_code == 404
    line = next(line for line in buffer.getvalue().splitlines() if "Not Found" in line)
    assert "[trace-404]" in line


@pytest.mark.django_db
def test_json_logs_are_one_object_a_line_with_the_agreed_fields(client, console):
    handler, buffer = console
    handler.setFormatter(json_formatter())

    client.get("/no-such-page-here", HTTP_X_REQUEST_ID="trace-json")
    logging.getLogger("eport.test").info("outside any request")

    records = [json.loads(line) for line in buffer.getvalue().splitlines()]
    not_found = next(record for record in records if record["message"].startswith("Not Found"))
    assert not_found["request_id"] == "trace-json"
    assert not_found["level"] == "WARNING"
    assert not_found["logger"] == "django.request"
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", not_found["time"])
    outside = records[-1]
    assert outside["message"] == "outside any request"
    assert outside["request_id"] is None


def run_a_heartbeat_here(request):
    tasks.heartbeat.apply()
    logging.getLogger("eport.test").warning("after the task")
    return HttpResponse("ran")


@pytest.mark.django_db
def test_a_task_run_inside_a_request_gives_the_request_its_id_back(console):
    _, buffer = console
    request = RequestFactory().post("/anything", HTTP_X_REQUEST_ID="trace-eager")

    RequestIdMiddleware(run_a_heartbeat_here)(request)

    line = next(line for line in buffer.getvalue().splitlines() if "after the task" in line)
    assert "[trace-eager]" in line


# Into Celery ------------------------------------------------------------------------------------


def json_lines(worker: CeleryWorker) -> list[dict]:
    """The worker's JSON log lines."""
    return [
        json.loads(line) for line in worker.output(tail=None).splitlines() if line.startswith("{")
    ]


def heartbeats(worker: CeleryWorker) -> list[dict]:
    return [record for record in json_lines(worker) if record.get("message") == "heartbeat written"]


@pytest.fixture
def worker(tmp_path, postgresql):
    if not settings.REDIS_URL:
        pytest.skip("needs Redis: run through `make test`")
    app.control.purge()
    started = CeleryWorker(
        tmp_path,
        name=f"ops-{os.getpid()}",
        # the worker's level is its --loglevel; the heartbeat logs at DEBUG
        loglevel="DEBUG",
        env={"EPORT_LOG_FORMAT": "json"},
    )
    yield started
    started.stop()


def queue_a_heartbeat(request):
    tasks.heartbeat.delay()
    return HttpResponse("queued")


@pytest.mark.django_db(transaction=True)
def test_a_task_logs_with_the_id_of_the_request_that_queued_it(worker):
    request = RequestFactory().post("/anything", HTTP_X_REQUEST_ID="trace-into-celery")

    response = RequestIdMiddleware(queue_a_heartbeat)(request)

    assert response["X-Request-ID"] == "trace-into-celery"
    beats = worker.wait_for(lambda: heartbeats(worker), what="a heartbeat logged", timeout=60)
    records = json_lines(worker)
    assert beats[0]["request_id"] == "trace-into-celery"
    assert beats[0]["task_name"] == "ops.heartbeat"
    assert beats[0]["task_id"]
    assert {"time", "level", "logger"} <= set(beats[0])
    # outside the task the worker's lines carry no request id: it was cleared after the task
    later = [record for record in records[records.index(beats[0]) + 1 :] if "task_id" not in record]
    assert all(record["request_id"] is None for record in later)


def enqueue_a_heartbeat(request):
    with transaction.atomic():
        outbox_services.enqueue(tasks.heartbeat)
    return HttpResponse("queued")


def broker_down(*args, **kwargs):
    raise BrokerError("connection refused")


@pytest.mark.django_db(transaction=True)
def test_a_task_the_outbox_sends_later_still_logs_with_the_id_of_its_request(worker, monkeypatch):
    with monkeypatch.context() as patched:
        patched.setattr(outbox_services, "_publish", broker_down)
        RequestIdMiddleware(enqueue_a_heartbeat)(
            RequestFactory().post("/anything", HTTP_X_REQUEST_ID="trace-via-outbox")
        )
    waiting = OutboxMessage.objects.get(sent_at__isnull=True)
    assert waiting.request_id == "trace-via-outbox"

    assert outbox_services.flush() == 1  # outside any request, as beat's flush runs

    beats = worker.wait_for(lambda: heartbeats(worker), what="a heartbeat logged", timeout=60)
    assert beats[0]["request_id"] == "trace-via-outbox"
