"""Thin tasks: e-mail one notification (sent through the outbox after commit), the daily digest."""

from smtplib import SMTPException

from celery import shared_task

from . import services


@shared_task(
    name="notifications.send_email",
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=12,
)
def send_email(notification_id: int) -> bool:
    """E-mail a notification; safe to run twice (a sent one is not sent again)."""
    return services.email_notification(notification_id=notification_id)


@shared_task(name="notifications.send_digests")
def send_digests() -> int:
    """The officers' daily digest; safe to run twice (one a day each)."""
    return services.send_digests()
