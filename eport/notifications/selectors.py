"""What each person may see of notifications (their own only), and whom to tell."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from eport.declarations import selectors as declarations
from eport.declarations.models import Declaration

from .kinds import RULES, kinds_for
from .models import EmailPreference, Notification

User = get_user_model()

# Declarations waiting for customs to act (the digest's): to be taken, reviewed, inspected or
# released. A query waits for the trader, an assessment for the payment.
WAITING_FOR_CUSTOMS = (
    Declaration.Status.SUBMITTED,
    Declaration.Status.UNDER_REVIEW,
    Declaration.Status.INSPECTION,
    Declaration.Status.PAID,
)


def notifications_for(user) -> QuerySet[Notification]:
    """The person's own notifications, newest first; nobody else's."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=user.pk).order_by("-created_at", "-id")


def get_notification_for(user, pk) -> Notification:
    """One of the person's own notifications; any other is 404."""
    return get_object_or_404(notifications_for(user), pk=pk)


def unread_count(user) -> int:
    """How many of the person's notifications are unread (the bell's count)."""
    return notifications_for(user).filter(read_at__isnull=True).count()


def email_choices(user) -> dict[str, bool]:
    """For each kind this person may receive: whether it comes by e-mail."""
    preference = EmailPreference.objects.filter(user_id=user.pk).first()
    return {
        kind: preference.wants(kind) if preference else RULES[kind].email
        for kind in kinds_for(user)
    }


def wants_email(users: list, kind: str) -> set[int]:
    """The ids of those among ``users`` who get ``kind`` by e-mail (and have an address)."""
    chosen = {
        preference.user_id: preference
        for preference in EmailPreference.objects.filter(user_id__in=[u.pk for u in users])
    }
    default = RULES[kind].email
    return {
        user.pk
        for user in users
        if user.email and (chosen[user.pk].wants(kind) if user.pk in chosen else default)
    }


def traders_of(company_id: int) -> list:
    return list(User.objects.filter(role=User.Role.TRADER, company_id=company_id, is_active=True))


def staff_of(bank_id: int) -> list:
    return list(User.objects.filter(role=User.Role.BANK, bank_id=bank_id, is_active=True))


def officers_of(agency_id: int | None) -> list:
    """The active officers of an agency (licensing officers, or inspectors)."""
    if agency_id is None:
        return []
    return list(User.objects.filter(role=User.Role.AGENCY, agency_id=agency_id, is_active=True))


def digest_officers() -> list:
    """Active officers who chose the daily digest."""
    chosen = EmailPreference.objects.filter(email__digest=True).values("user_id")
    return list(
        User.objects.filter(
            role=User.Role.OFFICER, office__isnull=False, is_active=True, pk__in=chosen
        ).select_related("office")
    )


def waiting_in_office(officer, *, now: datetime, hours: float) -> QuerySet[Declaration]:
    """The officer's office's declarations waiting for customs for more than ``hours``."""
    return (
        declarations.officer_queue(officer)
        .filter(
            status__in=WAITING_FOR_CUSTOMS,
            status_changed_at__lte=now - timedelta(hours=hours),
        )
        .order_by("status_changed_at", "id")
    )
