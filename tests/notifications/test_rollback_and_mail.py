"""A change that rolls back tells nobody; e-mails go once, in the reader's language, by choice."""

from smtplib import SMTPException, SMTPServerDisconnected

import pytest
from django.core import mail
from django.db import transaction

from eport.declarations import services
from eport.notifications import services as notifications
from eport.notifications import tasks
from eport.notifications.models import Notification
from eport.outbox.models import OutboxMessage
from tests.declarations import factories as f

pytestmark = pytest.mark.django_db


class Undo(Exception):
    pass


def taken(people):
    declaration = f.submitted(people.trader, "yellow")
    return services.take_declaration(
        declaration=declaration, actor=people.officer, version=declaration.version
    )


def query(people, declaration, question="Send the certificate of origin."):
    version = declaration.version
    return services.raise_query(
        declaration=declaration, actor=people.officer, version=version, question=question
    )


def test_a_query_that_rolls_back_notifies_nobody_and_mails_nothing(
    people, django_capture_on_commit_callbacks
):
    declaration = taken(people)

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Undo),
        transaction.atomic(),
    ):
        query(people, declaration)
        assert Notification.objects.count() == 2  # made inside the transaction...
        raise Undo

    assert Notification.objects.count() == 0  # ...and gone with it
    assert not OutboxMessage.objects.filter(task="notifications.send_email").exists()
    assert mail.outbox == []


def test_a_notification_is_mailed_once_even_when_the_task_runs_twice(people):
    declaration = taken(people)
    query(people, declaration)
    notification = Notification.objects.get(recipient=people.trader)

    assert tasks.send_email.run(notification.pk) is True
    assert tasks.send_email.run(notification.pk) is False

    [message] = mail.outbox
    assert message.to == ["trader@example.com"]
    assert declaration.number in message.subject
    assert "Send the certificate of origin." in message.body
    assert "/notifications/preferences/" in message.body
    assert f"/declarations/{declaration.uuid}/" in message.body
    html, kind = message.alternatives[0]
    assert kind == "text/html" and declaration.number in html
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_a_mail_server_error_leaves_the_notification_to_be_sent_on_retry(people, monkeypatch):
    declaration = taken(people)
    query(people, declaration)
    notification = Notification.objects.get(recipient=people.trader)

    def refuse(self, messages):
        raise SMTPServerDisconnected("gone")

    with monkeypatch.context() as patched:
        patched.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
        with pytest.raises(SMTPServerDisconnected):
            notifications.email_notification(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.emailed_at is None

    assert notifications.email_notification(notification_id=notification.pk) is True
    assert len(mail.outbox) == 1


def test_the_task_retries_on_mail_server_errors():
    assert tasks.send_email.autoretry_for == (SMTPException, OSError)
    assert tasks.send_email.max_retries > 0 and tasks.send_email.retry_backoff


def test_the_mail_is_written_in_the_recipients_language(people):
    people.trader.language = "zh-hans"
    people.trader.save(update_fields=["language"])
    declaration = taken(people)
    query(people, declaration)
    notification = Notification.objects.get(recipient=people.trader)

    notifications.email_notification(notification_id=notification.pk)

    [message] = mail.outbox
    assert 'lang="zh-Hans"' in message.alternatives[0][0]


def test_someone_who_turned_a_kind_off_gets_it_in_the_app_but_not_by_email(people):
    notifications.save_email_preferences(actor=people.trader_b, email={"query_raised": False})
    declaration = taken(people)

    query(people, declaration)

    assert Notification.objects.filter(recipient=people.trader_b).count() == 1
    to_trader = Notification.objects.get(recipient=people.trader)
    assert list(
        OutboxMessage.objects.filter(task="notifications.send_email").values_list("args", flat=True)
    ) == [[to_trader.pk]]


def test_preferences_keep_only_the_kinds_of_the_persons_role(people):
    saved = notifications.save_email_preferences(
        actor=people.trader, email={"released": False, "presented": False, "digest": True}
    )

    assert saved.email == {
        "query_raised": False,
        "inspection_ordered": False,
        "assessed": False,
        "released": False,
        "rejected": False,
        "licence_queried": False,
        "licence_approved": False,
        "licence_refused": False,
        "inspection_passed": False,
        "inspection_failed": False,
    }
    assert saved.wants("digest") is False  # not a trader's kind, never switched on
