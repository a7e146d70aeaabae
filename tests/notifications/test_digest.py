"""The officers' daily digest: their office's declarations waiting for customs past the age."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from eport.declarations import services
from eport.declarations.models import Declaration
from eport.notifications import services as notifications
from eport.notifications.models import Notification
from tests.declarations import factories as f

pytestmark = pytest.mark.django_db


def aged(declaration, hours):
    Declaration.objects.filter(pk=declaration.pk).update(
        status_changed_at=timezone.now() - timedelta(hours=hours)
    )
    return f.fresh(declaration)


@pytest.fixture
def office(people):
    """In Shanghai: an old yellow one waiting to be taken, an old one in query (the trader's
    turn), an old green one assessed (the payment's turn), a fresh one; one in Beijing."""
    people.old = aged(f.submitted(people.trader, "yellow", lrn="OLD"), 30)
    queried = f.submitted(people.trader, "yellow", lrn="QUERIED")
    queried = services.take_declaration(
        declaration=queried, actor=people.officer, version=queried.version
    )
    queried = services.raise_query(
        declaration=queried, actor=people.officer, version=queried.version, question="?"
    )
    people.queried = aged(queried, 30)
    people.green = aged(f.submitted(people.trader, "green", lrn="GREEN"), 30)
    people.fresh = f.submitted(people.trader, "yellow", lrn="FRESH")
    beijing = f.office("0101", "Beijing Customs District")
    people.beijing = aged(f.submitted(people.trader, "yellow", lrn="BJ", office=beijing.code), 30)
    Notification.objects.all().delete()
    notifications.save_email_preferences(actor=people.officer, email={"digest": True})
    return people


def test_the_digest_lists_what_waits_for_customs_past_the_age_in_the_officers_office(office):
    assert settings.EPORT_DIGEST_AGE_HOURS == 24

    assert notifications.send_digests() == 1

    [digest] = Notification.objects.filter(recipient=office.officer)
    assert digest.kind == "digest"
    assert digest.params["numbers"] == [office.old.number]
    assert digest.text() == "Declarations waiting in your office for more than 24 hours: 1."
    assert digest.target() == "/declarations/"


def test_only_officers_who_chose_the_digest_get_it(office):
    notifications.send_digests()

    assert not Notification.objects.filter(recipient=office.officer2).exists()


def test_the_age_is_a_setting(office, settings):
    settings.EPORT_DIGEST_AGE_HOURS = 48

    assert notifications.send_digests() == 0


def test_the_digest_goes_once_a_day_even_if_beat_sends_it_twice(
    office, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notifications.send_digests()
        notifications.send_digests()

    assert Notification.objects.filter(recipient=office.officer).count() == 1


def test_the_digest_is_mailed_with_its_numbers(office):
    notifications.send_digests()
    digest = Notification.objects.get(recipient=office.officer)

    notifications.email_notification(notification_id=digest.pk)

    [message] = mail.outbox
    assert message.to == ["officer@example.com"]
    assert office.old.number in message.body
    assert office.fresh.number not in message.body


def test_the_digest_runs_daily_from_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["notifications.send_digests"]
    assert entry["task"] == "notifications.send_digests"
    hour, minute = settings.EPORT_DIGEST_TIME.split(":")
    assert entry["schedule"].hour == {int(hour)} and entry["schedule"].minute == {int(minute)}
