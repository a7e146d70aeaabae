"""Celery tasks of the REST API."""

import logging

from celery import shared_task

from . import idempotency

logger = logging.getLogger(__name__)


@shared_task(name="api.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    """Delete the stored responses of Idempotency-Keys older than their retention."""
    purged = idempotency.purge_expired()
    if purged:
        logger.info("purged %d expired idempotency keys", purged)
    return purged
