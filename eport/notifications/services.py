"""Every change to notifications: telling people, reading, preferences, e-mail and the digest.

``notify`` runs inside the transaction of the change it tells about (the domains' signals are sent
there), so a change that rolls back tells nobody: its rows go with it, and so do the e-mails,
which wait in the outbox (``eport.outbox``) until that transaction commits.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from eport.outbox.services import enqueue_many

from . import selectors
from .kinds import DIGEST, Kind, kinds_for
from .models import EmailPreference, Notification

logger = logging.getLogger(__name__)

EMAIL_TASK = "notifications.send_email"
# A question or a reason is quoted in the notification up to this length; the page has it all.
QUOTE_LENGTH = 200
# The digest lists at most this many declaration numbers (the queue has them all).
DIGEST_NUMBERS = 50


def quote(text: str) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= QUOTE_LENGTH else text[: QUOTE_LENGTH - 1] + "…"


def notify(
    *,
    recipients: list,
    kind: str,
    message: str,
    params: dict,
    subject_type: str,
    subject_uuid=None,
) -> list[Notification]:
    """Tell each recipient, in the caller's transaction; e-mail those who want it after commit."""
    if not recipients:
        return []
    rows = Notification.objects.bulk_create(
        Notification(
            recipient=user,
            kind=kind,
            message=message,
            params=params,
            subject_type=subject_type,
            subject_uuid=subject_uuid,
        )
        for user in recipients
    )
    # Only someone with an address can be e-mailed: without one, no preference is read.
    addressed = [user for user in recipients if user.email]
    by_email = selectors.wants_email(addressed, kind) if addressed else set()
    if by_email:
        enqueue_many(EMAIL_TASK, [(row.pk,) for row in rows if row.recipient_id in by_email])
    return rows


@transaction.atomic
def open_notification(*, notification: Notification, actor) -> Notification:
    """Mark one of the actor's notifications read (once) and return it."""
    notification = selectors.get_notification_for(actor, notification.pk)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def mark_all_read(*, actor) -> int:
    """Mark every unread notification of the actor read; how many were."""
    return (
        selectors.notifications_for(actor)
        .filter(read_at__isnull=True)
        .update(read_at=timezone.now())
    )


@transaction.atomic
def save_email_preferences(*, actor, email: dict[str, bool]) -> EmailPreference:
    """Store which of the kinds the actor may receive come by e-mail (others are ignored)."""
    allowed = kinds_for(actor)
    preference, _created = EmailPreference.objects.select_for_update().get_or_create(user=actor)
    preference.email = {
        **preference.email,
        **{kind: bool(email.get(kind)) for kind in allowed},
    }
    preference.save(update_fields=["email", "updated_at"])
    return preference


def email_notification(*, notification_id: int) -> bool:
    """E-mail one notification to its recipient, in their language; once: a second call (a
    retried or repeated task) finds it sent and sends nothing. Raises on a mail server error,
    with nothing marked, so the task's retry sends it later."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None:  # sent already, or gone
            return False
        recipient = notification.recipient
        if not recipient.email or not recipient.is_active:
            return False
        language = recipient.language or settings.LANGUAGE_CODE
        with translation.override(language):
            context = {
                "notification": notification,
                "recipient": recipient,
                "text": notification.text(),
                "link": _absolute(notification.target()),
                "settings_link": _absolute(reverse("notifications:preferences")),
            }
            subject = _("eport: %(text)s") % {"text": _one_line(notification.text(), 120)}
            body = render_to_string("notifications/email.txt", context)
            html = render_to_string("notifications/email.html", context)
        mail = EmailMultiAlternatives(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[recipient.email],
        )
        mail.attach_alternative(html, "text/html")
        # Sent while the row is locked: a second run of the task waits, then finds it sent.
        mail.send()
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True


def send_digests(*, now: datetime | None = None) -> int:
    """Tell each officer who chose the digest how many of their office's declarations have
    waited for customs longer than EPORT_DIGEST_AGE_HOURS; at most one digest a day each."""
    now = now or timezone.now()
    hours = settings.EPORT_DIGEST_AGE_HOURS
    sent = 0
    for officer in selectors.digest_officers():
        with transaction.atomic():
            already = Notification.objects.filter(
                recipient=officer, kind=Kind.DIGEST, created_at__gt=now - timedelta(hours=20)
            )
            if already.exists():
                continue
            waiting = list(
                selectors.waiting_in_office(officer, now=now, hours=hours).values_list(
                    "number", flat=True
                )
            )
            if not waiting:
                continue
            notify(
                recipients=[officer],
                kind=Kind.DIGEST,
                message=DIGEST,
                params={
                    "count": len(waiting),
                    "hours": _hours(hours),
                    "numbers": waiting[:DIGEST_NUMBERS],
                },
                subject_type=Notification.Subject.QUEUE,
            )
            sent += 1
    return sent


def _hours(hours: float) -> int | float:
    return int(hours) if float(hours).is_integer() else hours


def _one_line(text: str, length: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def _absolute(path: str) -> str:
    return f"{settings.EPORT_SITE_URL}{path}" if settings.EPORT_SITE_URL else path
