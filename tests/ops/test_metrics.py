"""/metrics: eport's own series with the right values, a scrape that survives a dependency being
down, and only the operator's Prometheus let in."""

import logging

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from eport.celery import app
from eport.ops import tasks
from ledger import notary
from ledger.models import Entry, WitnessRefusal
from tests.ledger.notary_support import WITNESSES, append

from .faults import postgresql_stopped, redis_stopped

pytestmark = [pytest.mark.usefixtures("ledger_keys"), pytest.mark.django_db]


def scrape(client, **extra) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def names(samples) -> set[str]:
    return {name for name, _ in samples}


def refuse(witness: str) -> None:
    WitnessRefusal.objects.create(
        witness=witness,
        size=1,
        root=bytes(32),
        reason="the checkpoint does not extend what I signed",
        created=timezone.now(),
    )


def test_the_ledger_series_count_entries_waiting_and_notarized(client):
    append(4)
    notary.notarize()
    append(2)
    size = Entry.objects.count()

    samples = scrape(client)

    assert samples[("eport_ledger_entries", ())] == size
    assert samples[("eport_ledger_notarized_entries", ())] == size - 2
    assert samples[("eport_ledger_entries_waiting", ())] == 2
    assert 0 <= samples[("eport_ledger_checkpoint_age_seconds", ())] < 3600
    for witness in WITNESSES:
        assert samples[("eport_witness_signed_entries", (("witness", witness),))] == size - 2


def test_an_empty_ledger_has_no_checkpoint_age_and_no_refusals(client):
    samples = scrape(client)

    for witness in WITNESSES:
        assert samples[("eport_witness_refusals_total", (("witness", witness),))] == 0

    assert samples[("eport_ledger_entries_waiting", ())] == samples[("eport_ledger_entries", ())]
    assert "eport_ledger_checkpoint_age_seconds" not in names(samples)


def test_witness_refusals_are_counted_per_witness(client):
    append(1)
    notary.notarize()
    refuse("bank.witness")
    refuse("bank.witness")

    samples = scrape(client)

    assert samples[("eport_witness_refusals_total", (("witness", "bank.witness"),))] == 2
    assert samples[("eport_witness_refusals_total", (("witness", "customs.witness"),))] == 0


def test_the_celery_queue_depth_counts_messages_no_worker_took(client, settings):
    if not settings.REDIS_URL:
        pytest.skip("needs Redis: run through `make test`")
    app.control.purge()
    for _ in range(3):
        tasks.heartbeat.delay()
    try:
        samples = scrape(client)
    finally:
        app.control.purge()

    assert samples[("eport_celery_queue_depth", (("queue", "celery"),))] == 3


def test_django_prometheus_request_series_are_there_too(client):
    client.get("/healthz")

    samples = scrape(client)

    assert "django_http_requests_before_middlewares_total" in names(samples)
    assert "django_http_responses_total_by_status_total" in names(samples)


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_the_scrape_skips_the_queue_depth_only(client, postgresql, caplog):
    append(1)

    with redis_stopped(), caplog.at_level(logging.WARNING, logger="eport.ops.metrics"):
        samples = scrape(client)

    assert "eport_celery_queue_depth" not in names(samples)
    assert "eport_ledger_entries" in names(samples)
    assert "Celery queue depth skipped" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_with_postgresql_down_the_scrape_skips_the_database_series_only(client, postgresql, caplog):
    with postgresql_stopped(), caplog.at_level(logging.WARNING, logger="eport.ops.metrics"):
        samples = scrape(client)

    assert not {
        "eport_ledger_entries",
        "eport_witness_refusals_total",
        "eport_ledger_entries_waiting",
    } & names(samples)
    assert ("eport_celery_queue_depth", (("queue", "celery"),)) in samples
    assert "ledger series skipped, database unavailable" in caplog.text


# Who may scrape -------------------------------------------------------------------------------


def test_loopback_may_scrape_by_default(client):
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200


def test_another_address_is_refused(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 403
    assert b"eport_ledger" not in response.content


def test_an_address_in_an_allowed_network_may_scrape(client, settings):
    settings.EPORT_METRICS_ALLOWED = ["10.0.0.0/8", "192.0.2.1"]

    assert client.get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


def test_the_bearer_token_lets_prometheus_in_from_anywhere(client, settings):
    settings.EPORT_METRICS_TOKEN = "scrape-me-4f1c"
    outside = {"REMOTE_ADDR": "203.0.113.7"}

    allowed = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-me-4f1c", **outside)
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-me-4f1d", **outside)
    basic = client.get("/metrics", HTTP_AUTHORIZATION="Basic scrape-me-4f1c", **outside)

    assert allowed.status_code == 200
    assert b"eport_ledger_entries" in allowed.content
    assert (wrong.status_code, basic.status_code) == (403, 403)


def test_behind_our_proxy_the_client_address_decides_not_the_proxy(client, settings):
    settings.EPORT_TRUSTED_PROXIES = 1

    proxied = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")

    assert proxied.status_code == 403


def test_a_wrong_allowed_entry_is_named(settings):
    from django.core.exceptions import ImproperlyConfigured

    from eport.ops.access import allowed_networks

    settings.EPORT_METRICS_ALLOWED = ["127.0.0.1", "localhost"]

    with pytest.raises(ImproperlyConfigured, match="'localhost' is not an IP address"):
        allowed_networks()
