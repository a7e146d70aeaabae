"""Per-token request limits: a fixed window counted in the cache (Redis when configured)."""

from __future__ import annotations

import functools
import time

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import BaseThrottle

PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}


def count_request(key: str, timeout: int) -> int:
    """Count one more request under ``key`` (created with ``timeout`` seconds to live); the count.

    On Redis this is one round trip (SET NX and INCR in one MULTI); the cache API's add-then-incr
    took three (incr checks that the key exists first).
    """
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        name = cache.make_and_validate_key(key)  # the name the cache API would use
        pipeline = _redis(_first_server(settings.CACHES["default"]["LOCATION"])).pipeline()
        pipeline.set(name, 0, ex=timeout, nx=True)
        pipeline.incr(name)
        return pipeline.execute()[1]
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
    return redis.Redis.from_url(url)


def parse_rate(rate: str) -> tuple[int, int]:
    """``"600/minute"`` → (600, 60)."""
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period.strip().lower()]


class TokenRateThrottle(BaseThrottle):
    """Allow EPORT_API_RATE requests per window per token (per user for browser sessions).

    The counter is incremented atomically (Redis INCR), so concurrent workers never undercount.
    """

    def __init__(self):
        self.retry_after = None

    def identity(self, request) -> str | None:
        token = request.auth
        if token is not None and hasattr(token, "prefix"):
            return f"token:{token.prefix}"
        if request.user and request.user.is_authenticated:
            return f"user:{request.user.pk}"
        return None  # anonymous requests are refused by authentication, not counted here

    def allow_request(self, request, view):
        ident = self.identity(request)
        if ident is None:
            return True
        limit, period = parse_rate(settings.EPORT_API_RATE)
        now = time.time()
        window = int(now // period)
        key = f"eport:api:throttle:{ident}:{period}:{window}"
        count = count_request(key, period + 1)
        if count > limit:
            self.retry_after = max(1, int((window + 1) * period - now + 0.999))
            return False
        return True

    def wait(self):
        return self.retry_after
