"""The outbox against the real PostgreSQL and Redis: sent after commit only, never twice."""

import threading

import pytest
from django.db import connection, transaction

from eport.outbox import services as outbox
from eport.outbox.models import OutboxMessage

from . import servers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def empty_queue(services):
    from eport.celery import app

    app.control.purge()
    yield app
    app.control.purge()


def queued(app) -> int:
    with app.connection_for_write() as broker:
        return broker.default_channel.client.llen("celery")


def test_a_task_is_sent_only_when_its_transaction_commits(empty_queue):
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue("outbox.flush")
        raise RuntimeError("the change fails")

    with transaction.atomic():
        outbox.enqueue("outbox.flush")
        assert queued(empty_queue) == 0

    message = OutboxMessage.objects.get()
    assert message.sent_at is not None and message.attempts == 1
    assert queued(empty_queue) == 1


def test_with_the_broker_down_the_task_waits_and_the_next_flush_sends_it(services, empty_queue):
    with servers.redis_stopped(services):
        outbox.enqueue("audit.run_verification", 7)
        assert outbox.flush() == 0

    message = OutboxMessage.objects.get()
    assert message.sent_at is None and message.attempts == 2
    assert "OperationalError" in message.last_error
    assert outbox.flush() == 1
    assert queued(empty_queue) == 1
    assert outbox.pending_count() == 0


def test_a_row_another_flusher_is_sending_is_skipped_not_sent_twice(services, empty_queue):
    with servers.redis_stopped(services):
        first = outbox.enqueue("audit.run_verification", 1)
        second = outbox.enqueue("audit.run_verification", 2)
    locked, release = threading.Event(), threading.Event()

    def other_flusher_holding_the_first():
        with transaction.atomic():
            OutboxMessage.objects.select_for_update().get(pk=first.pk)
            locked.set()
            release.wait(timeout=60)
        connection.close()

    other = threading.Thread(target=other_flusher_holding_the_first)
    other.start()
    try:
        assert locked.wait(timeout=60)
        assert outbox.flush() == 1
    finally:
        release.set()
        other.join(timeout=60)

    assert OutboxMessage.objects.get(pk=first.pk).sent_at is None
    assert OutboxMessage.objects.get(pk=second.pk).sent_at is not None
    assert queued(empty_queue) == 1
