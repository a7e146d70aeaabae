"""Counting requests in a fixed window, for rate limits (the API's per token, /verify/'s per
address).

The count lives in the shared cache (Redis when configured), so every process sees the same one.
When the cache cannot be reached the count falls back to this process's own memory, with a logged
warning: a rate limit degrades while Redis is down, it never turns a request into a 500.
"""

from __future__ import annotations

import functools
import logging
import time

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger("eport.counters")
WARN_EVERY = 60.0  # seconds between warnings while the shared cache stays unreachable

_local = LocMemCache("eport-counters", {"OPTIONS": {"MAX_ENTRIES": 100_000}})
_last_warning = [0.0]


def count_request(key: str, timeout: int) -> int:
    """Count one more request under ``key`` (living ``timeout`` seconds); return the count."""
    cache = caches["default"]
    try:
        if isinstance(cache, RedisCache):
            # One round trip (SET NX and INCR in one MULTI); the cache API's add-then-incr took
            # three (incr checks that the key exists first).
            name = cache.make_and_validate_key(key)
            pipeline = _redis(_first_server(settings.CACHES["default"]["LOCATION"])).pipeline()
            pipeline.set(name, 0, ex=timeout, nx=True)
            pipeline.incr(name)
            return pipeline.execute()[1]
        return _count_in(cache, key, timeout)
    except (redis.RedisError, OSError) as error:
        now = time.monotonic()
        if now - _last_warning[0] >= WARN_EVERY:
            _last_warning[0] = now
            log.warning(
                "the shared cache is unreachable (%s); rate limits count per process until it "
                "returns",
                error,
            )
        return _count_in(_local, key, timeout)


def _count_in(cache, key: str, timeout: int) -> int:
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1


def _first_server(location) -> str:
    """The server the cache writes to: the first of its LOCATION (a list, or ``;``/``,``)."""
    if isinstance(location, str):
        location = location.replace(";", ",").split(",")
    return location[0].strip()


@functools.cache
def _redis(url: str) -> redis.Redis:
    """One client (and connection pool) per process for the cache's Redis."""
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
