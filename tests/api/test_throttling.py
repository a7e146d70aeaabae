"""The request counter behind per-token limits: exact under concurrency, readable by the cache."""

import threading
import uuid

from django.core.cache import cache

from eport.api.throttling import count_request


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
    from eport.api.throttling import _first_server

    assert _first_server("redis://a:6379/0") == "redis://a:6379/0"
    assert _first_server("redis://a:6379/0; redis://b:6379/0") == "redis://a:6379/0"
    assert _first_server("redis://a:6379/0,redis://b:6379/0") == "redis://a:6379/0"
    assert _first_server(["redis://a:6379/1", "redis://b:6379/1"]) == "redis://a:6379/1"
