"""The worker's heartbeat, scheduled by beat every few seconds (settings.CELERY_BEAT_SCHEDULE)."""

import logging

from celery import shared_task

from .services import record_heartbeat

logger = logging.getLogger(__name__)


@shared_task(name="ops.heartbeat", ignore_result=True)
def heartbeat() -> None:
    record_heartbeat()
    logger.debug("heartbeat written")
