"""Probes for the load balancer and the metrics page for the operator's Prometheus."""

from __future__ import annotations

import os

import prometheus_client
from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from health_check.views import HealthCheckView
from prometheus_client import multiprocess

from .access import may_read_metrics
from .metrics import EportCollector


@never_cache
@require_safe
def healthz(request):
    """Liveness: the process answers. No database, no cache, no broker."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


class ReadyView(HealthCheckView):
    """Readiness: 200 when every check passes, 503 when any fails; JSON when asked, else text."""

    http_method_names = ["get", "head", "options"]

    def get_checks(self):
        checks = [
            ("health_check.checks.Database", {}),
            ("health_check.checks.Cache", {}),
        ]
        if settings.REDIS_URL:
            checks.append(("health_check.contrib.redis.Redis", {"client_factory": _redis_client}))
        checks += [
            ("eport.ops.checks.WorkerHeartbeat", {"max_age": settings.EPORT_READY_WORKER_SECONDS}),
            ("eport.ops.checks.Notarization", {"max_age": settings.EPORT_READY_CHECKPOINT_SECONDS}),
        ]
        self.checks = checks
        return super().get_checks()

    async def get(self, request, *args, **kwargs):
        response = await super().get(request, *args, **kwargs)
        if response.status_code == 500:  # the library's "a check failed": unavailable, not a crash
            response.status_code = 503
        return response

    def render_to_response(self, context, **response_kwargs):
        # Browsers and load balancers asking for anything get the text form; JSON when asked.
        return self.render_to_response_text(response_kwargs.get("status", 200))


def _redis_client():
    from redis.asyncio import Redis

    return Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)


readyz = ReadyView.as_view()


@never_cache
@require_safe
def metrics(request):
    """Prometheus exposition: django-prometheus's request series plus eport's own."""
    if not may_read_metrics(request):
        return HttpResponse(
            _("Metrics are only for the operator's Prometheus."),
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        # Several gunicorn workers: add up what each wrote to the shared directory.
        base = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(base)
    else:
        base = prometheus_client.REGISTRY
    own = prometheus_client.CollectorRegistry()
    own.register(EportCollector())
    body = prometheus_client.generate_latest(base) + prometheus_client.generate_latest(own)
    return HttpResponse(body, content_type=prometheus_client.CONTENT_TYPE_LATEST)
