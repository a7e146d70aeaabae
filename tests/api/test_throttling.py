"""The request counter behind per-token limits: exact under concurrency, readable by the cache."""

import logging
import socket
import threading
import uuid

import pytest
from django.core.cache import cache

from eport.core import counters
from eport.core.counters import count_request
from tests.ledger.notary_support import ledger_keys  # noqa: F401


def test_a_new_window_counts_from_one_and_the_cache_reads_the_same_count():
    key = f"test:throttle:{uuid.uuid4()}"

    counts = [count_request(key, 60) for _ in range(3)]

    assert counts == [1, 2, 3]
    assert cache.get(key) == 3


def test_concurrent_requests_are_each_counted_once():
    key = f"test:throttle:{uuid.uuid4()}"
    seen: list[int] = []
    lock = threading.Lock()

    def client():
        for _ in range(25):
            count = count_request(key, 60)
            with lock:
                seen.append(count)

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(seen) == list(range(1, 201))


def test_the_counter_uses_the_server_the_cache_writes_to():
    from eport.core.counters import _first_server

    assert _first_server("redis://a:6379/0") == "redis://a:6379/0"
    assert _first_server("redis://a:6379/0; redis://b:6379/0") == "redis://a:6379/0"
    assert _first_server("redis://a:6379/0,redis://b:6379/0") == "redis://a:6379/0"
    assert _first_server(["redis://a:6379/1", "redis://b:6379/1"]) == "redis://a:6379/1"


@pytest.fixture
def redis_down(settings, monkeypatch):
    """The shared cache is a Redis server that is not there: nothing listens on its port."""
    monkeypatch.setattr(counters, "_last_warning", [0.0])  # each test hears the first warning
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
    }


def test_counting_falls_back_to_this_process_while_redis_is_down(redis_down, caplog):
    key = f"down:{uuid.uuid4()}"
    with caplog.at_level(logging.WARNING, logger="eport.counters"):
        counts = [count_request(key, 60) for _ in range(3)]
    assert counts == [1, 2, 3]
    assert "rate limits count per process" in caplog.text


def test_the_api_and_verify_keep_serving_while_redis_is_down(
    redis_down,
    world,
    client,
    settings,
    ledger_keys,  # noqa: F811
):
    api = world.client(world.trader)
    assert api.get("/api/v1/declarations/").status_code == 200
    settings.EPORT_VERIFY_RATE_LIMIT = 2
    statuses = [client.post("/verify/", {"receipt": "{}"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]  # the limit still holds, counted in this process
