"""Per-token request limits: a fixed window counted in the cache (Redis when configured)."""

from __future__ import annotations

import time

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from eport.core.counters import count_request

PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}


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
