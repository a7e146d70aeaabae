"""The outbox's flusher: a beat task every few seconds, and once whenever a worker starts."""

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.db import DatabaseError

from . import services

logger = logging.getLogger(__name__)


@shared_task(name="outbox.flush")
def flush() -> int:
    """Send the tasks that waited for the broker; drop rows sent long ago."""
    sent = services.flush()
    services.purge_sent()
    return sent


@worker_ready.connect
def flush_when_a_worker_starts(**kwargs) -> None:
    # A worker starting is often the broker (or the whole host) coming back: send what waited.
    try:
        sent = services.flush()
    except DatabaseError as error:
        logger.warning("outbox not flushed at worker start: %s", error)
        return
    if sent:
        logger.info("outbox: %s waiting task(s) sent at worker start", sent)
