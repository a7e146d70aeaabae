"""Trade finance on released declarations: presentations to banks and the financing registry."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Presentation(models.Model):
    """A trader's consent that one bank may see one released declaration, for financing."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name=_("uuid"))
    declaration = models.ForeignKey(
        "declarations.Declaration",
        on_delete=models.PROTECT,
        related_name="presentations",
        verbose_name=_("declaration"),
    )
    bank = models.ForeignKey(
        "accounts.Bank", on_delete=models.PROTECT, related_name="+", verbose_name=_("bank")
    )
    presented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("presented by"),
    )
    presented_at = models.DateTimeField(auto_now_add=True, verbose_name=_("presented at"))
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True, verbose_name=_("withdrawn at"))

    class Meta:
        verbose_name = _("presentation")
        verbose_name_plural = _("presentations")
        ordering = ["-presented_at", "-id"]
        constraints = [
            # At most one live presentation of a declaration to a bank.
            models.UniqueConstraint(
                fields=["declaration", "bank"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="one_live_presentation_per_bank",
            )
        ]
        indexes = [models.Index(fields=["bank", "withdrawn_at"], name="presentation_bank_live")]

    def __str__(self):
        return f"{self.declaration} → {self.bank.bic}"

    @property
    def live(self) -> bool:
        return self.withdrawn_at is None

    @property
    def ledger_subject(self) -> str:
        return f"presentation:{self.uuid}"


class Financing(models.Model):
    """One bank's financing registered against one declaration, in its invoice currency."""

    class Instrument(models.TextChoices):
        EXPORT_RECEIVABLES = "export_receivables", _("Export receivables financing")
        IMPORT_PAYMENT = "import_payment", _("Import payment financing / letter of credit")
        INVOICE = "invoice", _("Invoice financing")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        DISBURSED = "disbursed", _("Disbursed")
        REPAID = "repaid", _("Repaid")
        CANCELLED = "cancelled", _("Cancelled")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name=_("uuid"))
    declaration = models.ForeignKey(
        "declarations.Declaration",
        on_delete=models.PROTECT,
        related_name="financings",
        verbose_name=_("declaration"),
    )
    bank = models.ForeignKey(
        "accounts.Bank", on_delete=models.PROTECT, related_name="financings", verbose_name=_("bank")
    )
    instrument = models.CharField(
        max_length=24, choices=Instrument.choices, verbose_name=_("instrument")
    )
    amount = models.DecimalField(max_digits=16, decimal_places=2, verbose_name=_("amount"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    value_date = models.DateField(verbose_name=_("value date"))
    maturity_date = models.DateField(verbose_name=_("maturity date"))
    bank_reference = models.CharField(max_length=35, verbose_name=_("bank reference"))
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.REGISTERED, verbose_name=_("status")
    )
    disbursed_amount = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True, verbose_name=_("disbursed amount")
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registered by"),
    )
    registered_at = models.DateTimeField(auto_now_add=True, verbose_name=_("registered at"))
    status_changed_at = models.DateTimeField(auto_now_add=True, verbose_name=_("status changed at"))
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))

    class Meta:
        verbose_name = _("financing")
        verbose_name_plural = _("financings")
        ordering = ["-registered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank", "bank_reference"], name="one_financing_per_bank_reference"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="financing_positive"),
        ]
        indexes = [models.Index(fields=["declaration", "status"], name="financing_decl_status")]

    def __str__(self):
        return f"{self.bank_reference} ({self.bank.bic})"

    @property
    def ledger_subject(self) -> str:
        return f"financing:{self.uuid}"
