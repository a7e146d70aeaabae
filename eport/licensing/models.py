"""Import and export licences granted by a licensing agency, and what was written off them."""

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Licence(models.Model):
    """A trader's application for an import or export licence, and, once approved, the licence.

    An approved licence has a number, a validity period and a remaining quantity and value, which
    the releases of the declarations citing it write off.
    """

    class Flow(models.TextChoices):
        # The same values as a declaration's flow.
        IMPORT = "import", _("Import")
        EXPORT = "export", _("Export")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Applied")
        QUERY = "query", _("Query raised")
        APPROVED = "approved", _("Approved")
        # In a context of its own: an agency's refusal is worded apart from a bank's "Refused".
        REFUSED = "refused", pgettext_lazy("licence status", "Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name=_("uuid"))
    number = models.CharField(
        max_length=20, unique=True, null=True, blank=True, editable=False, verbose_name=_("number")
    )
    company = models.ForeignKey(
        "accounts.Company",
        on_delete=models.PROTECT,
        related_name="licences",
        verbose_name=_("company"),
    )
    agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        related_name="licences",
        verbose_name=_("licensing agency"),
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("applied by"),
    )
    flow = models.CharField(max_length=6, choices=Flow.choices, verbose_name=_("flow"))
    hs_code = models.CharField(_("HS code"), max_length=10)
    description = models.CharField(max_length=300, verbose_name=_("goods description"))
    quantity = models.DecimalField(
        max_digits=16,
        decimal_places=3,
        validators=[MinValueValidator(0)],
        verbose_name=_("quantity"),
    )
    unit = models.CharField(max_length=3, verbose_name=_("unit"))
    value = models.DecimalField(
        max_digits=16, decimal_places=2, validators=[MinValueValidator(0)], verbose_name=_("value")
    )
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    counterparty_country = models.CharField(max_length=2, verbose_name=_("counterparty country"))
    valid_from = models.DateField(verbose_name=_("valid from"))
    valid_until = models.DateField(verbose_name=_("valid until"))

    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.SUBMITTED, verbose_name=_("status")
    )
    remaining_quantity = models.DecimalField(
        max_digits=16, decimal_places=3, null=True, blank=True, verbose_name=_("remaining quantity")
    )
    remaining_value = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True, verbose_name=_("remaining value")
    )
    query = models.TextField(blank=True, verbose_name=_("query"))
    decision_reason = models.TextField(blank=True, verbose_name=_("decision reason"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        indexes = [
            models.Index(fields=["company", "-created_at"], name="licence_company_idx"),
            models.Index(fields=["agency", "status"], name="licence_agency_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(remaining_quantity__isnull=True)
                | models.Q(remaining_quantity__gte=0),
                name="licence_quantity_not_overdrawn",
            ),
            models.CheckConstraint(
                condition=models.Q(remaining_value__isnull=True) | models.Q(remaining_value__gte=0),
                name="licence_value_not_overdrawn",
            ),
        ]

    def __str__(self):
        return self.number or str(self.uuid)

    @property
    def ledger_subject(self) -> str:
        return f"licence:{self.uuid}"


class LicenceUsage(models.Model):
    """What one released goods item wrote off a licence (one row per declaration item)."""

    licence = models.ForeignKey(
        Licence, on_delete=models.PROTECT, related_name="usages", verbose_name=_("licence")
    )
    # "<declaration number>/<item line>": the licence knows nothing of declarations.
    reference = models.CharField(max_length=40, verbose_name=_("reference"))
    quantity = models.DecimalField(max_digits=16, decimal_places=3, verbose_name=_("quantity"))
    value = models.DecimalField(max_digits=16, decimal_places=2, verbose_name=_("value"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("written off at"))

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("licence write-off")
        verbose_name_plural = _("licence write-offs")
        constraints = [
            models.UniqueConstraint(fields=["licence", "reference"], name="unique_licence_usage"),
        ]

    def __str__(self):
        return f"{self.licence} {self.reference}"
