"""A real Celery worker on Redis sends the e-mails, after the commit, once; and sends those that
waited in the outbox while the broker was down."""

import os
from email import message_from_string
from pathlib import Path

import pytest
from django.conf import settings
from kombu.exceptions import OperationalError as BrokerError

from eport.celery import app
from eport.declarations import services
from eport.notifications.models import Notification
from eport.outbox import services as outbox
from tests.celery_worker import CeleryWorker
from tests.declarations import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mailbox(tmp_path):
    folder = tmp_path / "mail"
    folder.mkdir()
    return folder


@pytest.fixture
def worker(tmp_path, postgresql, mailbox):
    if not settings.REDIS_URL:
        pytest.skip("needs Redis: run through `make test`")
    app.control.purge()
    started = CeleryWorker(
        tmp_path / "worker",
        name=f"notify-{os.getpid()}",
        env={"EPORT_TEST_EMAIL_DIR": str(mailbox)},
    )
    yield started
    started.stop()


def mails(folder: Path) -> list:
    """The e-mails the worker's file backend wrote (one file per connection, one mail each)."""
    return [message_from_string(path.read_text()) for path in sorted(folder.glob("*.log"))]


def queried(people):
    declaration = f.submitted(people.trader, "yellow")
    declaration = services.take_declaration(
        declaration=declaration, actor=people.officer, version=declaration.version
    )
    return services.raise_query(
        declaration=declaration,
        actor=people.officer,
        version=declaration.version,
        question="Send the certificate of origin.",
    )


def test_the_worker_mails_each_trader_once_after_the_commit(people, worker, mailbox):
    declaration = queried(people)

    sent = worker.wait_for(
        lambda: len(mails(mailbox)) >= 2 and mails(mailbox), what="two e-mails", timeout=90
    )

    assert sorted(message["To"] for message in sent) == [
        "trader@example.com",
        "trader_b@example.com",
    ]
    assert all(declaration.number in str(message["Subject"]) for message in sent)
    worker.wait_for(
        lambda: not Notification.objects.filter(emailed_at__isnull=True).exists(),
        what="both marked e-mailed",
    )
    # the same task again (a redelivery) mails nobody twice
    app.send_task("notifications.send_email", args=[Notification.objects.first().pk])
    app.send_task("outbox.flush")  # a task after it, to know the worker got that far
    worker.wait_for(
        lambda: "outbox.flush" in worker.output(tail=None) and "succeeded" in worker.output(),
        what="the repeated task run",
    )
    assert len(mails(mailbox)) == 2


def test_mail_queued_while_the_broker_was_down_goes_out_when_it_is_back(
    people, worker, mailbox, monkeypatch
):
    def broker_down(*args, **kwargs):
        raise BrokerError("connection refused")

    with monkeypatch.context() as patched:
        patched.setattr(outbox, "_publish", broker_down)
        queried(people)
    assert outbox.pending_count() == 2
    assert mails(mailbox) == []

    assert outbox.flush() == 2

    worker.wait_for(lambda: len(mails(mailbox)) == 2, what="two e-mails after the flush")
