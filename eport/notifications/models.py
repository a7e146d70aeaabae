"""Notifications: what a person is told, in the app and (if they want it) by e-mail."""

from __future__ import annotations

from contextlib import suppress
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .kinds import RULES, Kind

# Parameters shown as money, with the reader's separators.
AMOUNT_PARAMS = frozenset({"amount"})


class Notification(models.Model):
    """One thing one person is told about, with a link to what it is about."""

    class Subject(models.TextChoices):
        DECLARATION = "declaration", _("declaration")
        PRESENTATION = "presentation", _("presentation")
        INSTRUCTION = "instruction", _("payment instruction")
        AGREEMENT = "agreement", _("payment agreement")
        QUEUE = "queue", _("work queue")
        LICENCE = "licence", _("licence")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    subject_type = models.CharField(_("about"), max_length=16, choices=Subject.choices)
    # The uuid of what it is about (a declaration, a presentation's declaration, ...), if any.
    subject_uuid = models.UUIDField(_("subject"), null=True, blank=True)
    message = models.CharField(_("message"), max_length=300)  # the msgid, said when shown
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox"),
            # The bell's count: a person's unread ones only.
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self):
        return f"{self.kind} → {self.recipient_id}"

    @property
    def unread(self) -> bool:
        return self.read_at is None

    def text(self) -> str:
        """The message in the active language, its amounts with the language's separators."""
        values = {}
        for name, value in (self.params or {}).items():
            if name in AMOUNT_PARAMS:
                with suppress(InvalidOperation, ValueError):
                    value = formats.number_format(
                        Decimal(str(value)), 2, use_l10n=True, force_grouping=True
                    )
            values[name] = value
        words = gettext(self.message)
        try:
            return words % values
        except (KeyError, ValueError, TypeError):
            return gettext(self.message)

    def target(self) -> str:
        """The path of what it is about (where the list's link leads)."""
        names = {
            self.Subject.DECLARATION: ("declarations:detail", True),
            self.Subject.PRESENTATION: ("banks:declaration", True),
            self.Subject.INSTRUCTION: ("payments:bank", False),
            self.Subject.AGREEMENT: ("payments:bank", False),
            self.Subject.QUEUE: ("declarations:list", False),
            self.Subject.LICENCE: ("licensing:detail", True),
        }
        name, with_uuid = names.get(self.subject_type, ("notifications:list", False))
        try:
            if with_uuid and self.subject_uuid:
                return reverse(name, args=[self.subject_uuid])
            return reverse(name)
        except NoReverseMatch:
            return reverse("notifications:list")


class EmailPreference(models.Model):
    """Which kinds a person gets by e-mail; a kind they never chose keeps its default."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("user"),
    )
    # {kind: true/false} for the kinds the person chose.
    email = models.JSONField(_("e-mail"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("e-mail preference")
        verbose_name_plural = _("e-mail preferences")

    def __str__(self):
        return f"e-mail preferences of {self.user_id}"

    def wants(self, kind: str) -> bool:
        rule = RULES.get(kind)
        return bool(self.email.get(kind, rule.email if rule else False))
