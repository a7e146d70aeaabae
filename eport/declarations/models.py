"""Declarations, their goods items and documents (workflow spec, "The declaration")."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from eport.reference.choices import DocumentType, Incoterm, TransportMode


class Declaration(models.Model):
    class Flow(models.TextChoices):
        IMPORT = "import", _("Import")
        EXPORT = "export", _("Export")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        UNDER_REVIEW = "under_review", _("Under review")
        QUERY = "query", _("Query raised")
        INSPECTION = "inspection", _("Inspection")
        ASSESSED = "assessed", _("Assessed")
        PAID = "paid", _("Paid")
        RELEASED = "released", _("Released")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    class Lane(models.TextChoices):
        GREEN = "green", _("Green")
        YELLOW = "yellow", _("Yellow")
        RED = "red", _("Red")

    # The code lists are reference data (eport.reference.choices); these names keep
    # Declaration.Incoterm.FOB and friends working where they are used.
    TransportMode = TransportMode
    Incoterm = Incoterm

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    company = models.ForeignKey(
        "accounts.Company", on_delete=models.PROTECT, related_name="declarations"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    office = models.ForeignKey(
        "accounts.CustomsOffice",
        on_delete=models.PROTECT,
        related_name="declarations",
        help_text=_("Customs office of lodgement."),
    )
    flow = models.CharField(max_length=6, choices=Flow.choices)
    procedure_code = models.CharField(max_length=4)
    number = models.CharField(max_length=18, unique=True, null=True, blank=True, editable=False)
    lrn = models.CharField(
        _("LRN"), max_length=35, help_text=_("Your own reference for this filing.")
    )

    consignor_name = models.CharField(max_length=200)
    consignor_country = models.CharField(max_length=2)
    consignor_id = models.CharField(max_length=35, blank=True)
    consignee_name = models.CharField(max_length=200)
    consignee_country = models.CharField(max_length=2)
    consignee_id = models.CharField(max_length=35, blank=True)

    dispatch_country = models.CharField(max_length=2)
    destination_country = models.CharField(max_length=2)
    transport_mode = models.CharField(max_length=1, choices=TransportMode.choices)
    transport_document = models.CharField(max_length=35, blank=True)
    transport_means_id = models.CharField(max_length=35, blank=True)
    port_of_loading = models.CharField(max_length=5, blank=True)
    port_of_discharge = models.CharField(max_length=5, blank=True)

    incoterm = models.CharField(max_length=3, choices=Incoterm.choices)
    incoterm_place = models.CharField(max_length=100, blank=True)
    invoice_currency = models.CharField(max_length=3)
    invoice_total = models.DecimalField(max_digits=16, decimal_places=2)
    exchange_rate = models.DecimalField(
        max_digits=14, decimal_places=6, help_text=_("CNY per one unit of the invoice currency.")
    )
    freight = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    insurance = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    lane = models.CharField(max_length=6, choices=Lane.choices, blank=True)
    risk_reasons = models.JSONField(default=list, blank=True)
    assigned_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_declarations",
    )
    customs_value = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    duty_total = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    vat_total = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    payment_reference = models.CharField(max_length=64, blank=True)
    decision_reason = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every change; a form or API call that acted on an older version is refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["company", "lrn"], name="unique_lrn_per_company"),
        ]
        indexes = [
            models.Index(fields=["office", "status", "lane", "submitted_at"], name="decl_queue"),
            models.Index(fields=["company", "status", "created_at"], name="decl_company"),
            # The trader's dashboard: what moved last first, read from the index, not sorted.
            models.Index(fields=["company", "-updated_at", "-id"], name="decl_company_updated"),
            models.Index(fields=["transport_document"], name="decl_transport_doc"),
        ]

    def __str__(self):
        return self.number or f"draft {self.lrn}"

    @property
    def ledger_subject(self) -> str:
        return f"declaration:{self.uuid}"


class GoodsItem(models.Model):
    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="items")
    line = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(999)]
    )
    hs_code = models.CharField(_("HS code"), max_length=10)
    description = models.CharField(max_length=300)
    origin_country = models.CharField(max_length=2)
    quantity = models.DecimalField(max_digits=16, decimal_places=3)
    unit = models.CharField(max_length=3)
    net_mass = models.DecimalField(_("net mass (kg)"), max_digits=16, decimal_places=3)
    gross_mass = models.DecimalField(_("gross mass (kg)"), max_digits=16, decimal_places=3)
    invoice_value = models.DecimalField(max_digits=16, decimal_places=2)
    valuation_method = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(6)]
    )
    # Filled by assessment.
    customs_value = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    duty_rate = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    duty = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    vat = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["line"]
        constraints = [
            models.UniqueConstraint(fields=["declaration", "line"], name="unique_item_line"),
        ]

    def __str__(self):
        return f"item {self.line}: {self.hs_code}"


def document_path(document: "Document", filename: str) -> str:
    # The stored name is the content's digest: the uploaded file name never reaches the disk.
    return f"documents/{document.sha256[:2]}/{document.sha256}"


class Document(models.Model):
    Type = DocumentType

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="documents")
    type = models.CharField(max_length=3, choices=Type.choices)
    reference = models.CharField(max_length=70)
    issued_on = models.DateField(null=True, blank=True)
    file = models.FileField(upload_to=document_path)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=50)
    original_name = models.CharField(max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return f"{self.get_type_display()} {self.reference}"


class NumberSequence(models.Model):
    """The last declaration number used per office, year and flow; locked while assigning."""

    office_code = models.CharField(max_length=4)
    year = models.PositiveSmallIntegerField()
    flow_digit = models.CharField(max_length=1)
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["office_code", "year", "flow_digit"], name="unique_number_sequence"
            ),
        ]

    def __str__(self):
        return f"{self.office_code}{self.year}{self.flow_digit}: {self.last}"


class Query(models.Model):
    """An officer's question to the trader, and the trader's answer on resubmission."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="queries")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    question = models.TextField()
    asked_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "id"]
        verbose_name = _("query")
        verbose_name_plural = _("queries")

    def __str__(self):
        return f"query on {self.declaration}"


class Amendment(models.Model):
    """What the trader changed in answer to a query: snapshots before and after, and the diff."""

    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="amendments"
    )
    query = models.ForeignKey(
        Query, on_delete=models.PROTECT, null=True, blank=True, related_name="amendments"
    )
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    before = models.JSONField()
    after = models.JSONField()
    changes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"amendment of {self.declaration}"


class Inspection(models.Model):
    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="inspections"
    )
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    instructions = models.TextField(blank=True)
    ordered_at = models.DateTimeField(auto_now_add=True)
    findings = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["ordered_at", "id"]

    def __str__(self):
        return f"inspection of {self.declaration}"


class RiskRule(models.Model):
    """A configurable risk rule; the strictest matching lane wins, no match is green."""

    class Kind(models.TextChoices):
        ORIGIN_COUNTRY = "origin_country", _("Origin country in list")
        DISPATCH_COUNTRY = "dispatch_country", _("Dispatch country in list")
        HS_PREFIX = "hs_prefix", _("HS chapter or heading in list")
        VALUE_ABOVE = "value_above", _("Customs value above threshold (CNY)")
        FIRST_DECLARATIONS = "first_declarations", _("Trader's first N declarations")
        RANDOM_SAMPLE = "random_sample", _("Random sample (percent)")

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    parameter = models.CharField(
        max_length=500,
        help_text=_(
            "Comma-separated codes for lists (countries: CN,US; HS: 93,2402); a number for the "
            "threshold, N or the percentage."
        ),
    )
    lane = models.CharField(
        max_length=6,
        choices=[(Declaration.Lane.YELLOW, _("Yellow")), (Declaration.Lane.RED, _("Red"))],
    )
    officer_note = models.CharField(
        max_length=200, blank=True, help_text=_("Why the rule exists, shown to officers.")
    )
    trader_instruction = models.CharField(
        max_length=200,
        blank=True,
        default="Documentary check",
        help_text=_("What the trader is told to expect, e.g. 'documentary check'."),
    )
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def ledger_subject(self) -> str:
        return f"risk-rule:{self.pk}"
