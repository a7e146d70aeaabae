"""eport's own Prometheus series, read at scrape time with a few cheap queries.

A source that is down (the database, Redis) drops its samples from that scrape with a logged
warning; the scrape itself always succeeds.
"""

from __future__ import annotations

import logging
from pathlib import Path

import redis
from django.conf import settings
from django.db import Error as DatabaseError
from django.db.models import Count
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from ledger import keys
from ledger.models import WitnessRefusal, WitnessState

from . import selectors

logger = logging.getLogger(__name__)

# kombu's Redis transport keeps a queue's messages of priority p > 0 in "<queue>\x06\x16<p>".
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (0, 3, 6, 9)


def celery_queue_depth(queue: str) -> int:
    """Messages waiting in the Celery queue: LLEN in Redis, or files in the filesystem broker."""
    if settings.REDIS_URL:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
        )
        try:
            pipe = client.pipeline(transaction=False)
            for step in _PRIORITY_STEPS:
                pipe.llen(queue if step == 0 else f"{queue}{_PRIORITY_SEPARATOR}{step}")
            return sum(pipe.execute())
        finally:
            client.close()
    folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
    if not folder.is_dir():
        return 0
    return sum(1 for path in folder.iterdir() if path.name.endswith(f".{queue}.msg"))


def _configured_witnesses() -> list[str]:
    try:
        return keys.witness_names()
    except Exception:  # a misconfigured witness list is reported elsewhere; count what exists
        logger.warning("metrics: configured witnesses unreadable", exc_info=True)
        return []


class EportCollector(Collector):
    """The ledger's progress, witness refusals and the Celery backlog, per scrape."""

    def collect(self):
        yield from self._ledger()
        yield from self._witnesses()
        yield from self._queue()

    def _ledger(self):
        try:
            state = selectors.notarization()
        except DatabaseError as error:
            logger.warning("metrics: ledger series skipped, database unavailable: %s", error)
            return
        yield GaugeMetricFamily(
            "eport_ledger_entries", "Entries in the ledger (its size).", value=state.size
        )
        yield GaugeMetricFamily(
            "eport_ledger_notarized_entries",
            "Entries covered by the newest notarized checkpoint.",
            value=state.notarized_size,
        )
        yield GaugeMetricFamily(
            "eport_ledger_entries_waiting",
            "Entries not yet in a notarized checkpoint.",
            value=state.waiting,
        )
        if state.checkpoint_time is not None:
            yield GaugeMetricFamily(
                "eport_ledger_checkpoint_age_seconds",
                "Seconds since the newest notarized checkpoint was signed.",
                value=selectors.seconds_since(state.checkpoint_time),
            )

    def _witnesses(self):
        try:
            refusals = dict(
                WitnessRefusal.objects.order_by()
                .values_list("witness")
                .annotate(count=Count("id"))
                .values_list("witness", "count")
            )
            signed = dict(WitnessState.objects.values_list("witness", "size"))
        except DatabaseError as error:
            logger.warning("metrics: witness series skipped, database unavailable: %s", error)
            return
        refused = CounterMetricFamily(
            "eport_witness_refusals",
            "Checkpoints a witness refused to cosign (evidence of a fork or rewrite).",
            labels=["witness"],
        )
        for witness in sorted(set(refusals) | set(signed) | set(_configured_witnesses())):
            refused.add_metric([witness], refusals.get(witness, 0))
        yield refused
        size = GaugeMetricFamily(
            "eport_witness_signed_entries",
            "The checkpoint size each witness last cosigned.",
            labels=["witness"],
        )
        for witness, value in sorted(signed.items()):
            size.add_metric([witness], value)
        yield size

    def _queue(self):
        queue = getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")
        try:
            depth = celery_queue_depth(queue)
        except (redis.RedisError, OSError) as error:
            logger.warning("metrics: Celery queue depth skipped, broker unavailable: %s", error)
            return
        gauge = GaugeMetricFamily(
            "eport_celery_queue_depth", "Messages waiting in the Celery queue.", labels=["queue"]
        )
        gauge.add_metric([queue], depth)
        yield gauge
