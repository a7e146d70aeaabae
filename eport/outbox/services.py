"""The transactional outbox: a task is recorded with the change that needs it, sent after commit.

``enqueue`` writes the task in the caller's transaction and tries to send it as soon as that
commits. When the broker is down the row stays pending (with a logged warning) and ``flush``, run
by beat every few seconds and whenever a worker starts, sends it once the broker is back. A task
sent this way must be safe to run twice: a send whose "sent" mark is lost is sent again.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial

from celery import current_app
from django.db import DatabaseError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from eport.core.context import MESSAGE_HEADER, current_request_id

from .models import OutboxMessage

logger = logging.getLogger(__name__)

FLUSH_BATCH = 100
# Sent rows are kept this long, for an operator asking "did that go out, and when?".
KEEP_SENT = timedelta(days=7)


def task_name(task) -> str:
    """The registered name of a Celery task (or the name itself)."""
    return task if isinstance(task, str) else task.name


def enqueue(task, *args) -> OutboxMessage:
    """Record ``task(*args)`` in the caller's transaction; send it as soon as that commits.

    Nothing is sent if the transaction rolls back; if the broker is down, flush sends it later.
    """
    return enqueue_many(task, [args])[0]


def enqueue_many(task, calls: list) -> list[OutboxMessage]:
    """``enqueue`` for several calls of ``task`` (each a sequence of arguments), in one insert."""
    request_id = current_request_id() or ""
    messages = OutboxMessage.objects.bulk_create(
        OutboxMessage(task=task_name(task), args=list(args), request_id=request_id)
        for args in calls
    )
    for message in messages:
        # robust: whatever the send raises is logged; the change is committed and the row waits.
        transaction.on_commit(partial(_send_committed, message.pk), robust=True)
    return messages


def is_pending(task, *args) -> bool:
    """Whether ``task(*args)`` is recorded and still waits for the broker."""
    return OutboxMessage.objects.filter(
        task=task_name(task), args=list(args), sent_at__isnull=True
    ).exists()


def pending_count() -> int:
    """How many tasks wait for the broker."""
    return OutboxMessage.objects.filter(sent_at__isnull=True).count()


def flush(*, limit: int = 10_000) -> int:
    """Send pending tasks oldest first, stopping at the first the broker refuses; count the sent.

    Rows are locked with SKIP LOCKED, so two flushers (or a flusher and a request's own send)
    never send the same row twice.
    """
    sent = 0
    while sent < limit:
        with transaction.atomic():
            batch = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(sent_at__isnull=True)
                .order_by("id")[:FLUSH_BATCH]
            )
            if not batch:
                break
            for message in batch:
                if not _send(message):
                    return sent
                sent += 1
    return sent


def purge_sent(*, older_than: timedelta = KEEP_SENT) -> int:
    """Delete rows sent longer ago than ``older_than``; return how many."""
    deleted, _ = OutboxMessage.objects.filter(sent_at__lt=timezone.now() - older_than).delete()
    return deleted


def _send_committed(message_id: int) -> None:
    # Runs after the caller's commit: whatever happens here, the change and its row are saved.
    try:
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(pk=message_id, sent_at__isnull=True)
                .first()
            )
            if message is not None:  # else a flusher holds it or has sent it
                _send(message)
    except DatabaseError as error:
        logger.warning("outbox message %s left for the next flush: %s", message_id, error)


def _send(message: OutboxMessage) -> bool:
    """Publish one message (inside the caller's lock on its row) and record the outcome."""
    message.attempts += 1
    try:
        _publish(message.task, message.args, message.request_id)
    except (BrokerError, OSError) as error:
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        message.save(update_fields=["attempts", "last_error"])
        logger.warning(
            "broker unavailable, task %s %s stays queued: %s",
            message.task,
            message.args,
            message.last_error,
        )
        return False
    message.sent_at = timezone.now()
    message.save(update_fields=["attempts", "sent_at"])
    return True


def _publish(name: str, args: list, request_id: str = "") -> None:
    headers = {MESSAGE_HEADER: request_id} if request_id else None
    task = current_app.tasks.get(name)
    if task is not None:
        task.apply_async(args=args, headers=headers)
    else:
        # Not imported in this process (a beat-only process): by name, with the project's
        # result setting, so a broker outage does not also wait on the result store.
        current_app.send_task(
            name,
            args=args,
            headers=headers,
            ignore_result=current_app.conf.task_ignore_result,
        )
