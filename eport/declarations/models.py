"""Declarations, their goods items and documents (workflow spec, "The declaration")."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
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

    class Inspection(models.TextChoices):
        # Empty: no item is on the statutory inspection list.
        PENDING = "pending", _("Waiting for inspection")
        PASSED = "passed", _("Passed inspection")
        FAILED = "failed", _("Failed inspection")

    class Lane(models.TextChoices):
        GREEN = "green", _("Green")
        YELLOW = "yellow", _("Yellow")
        RED = "red", _("Red")

    # The code lists are reference data (eport.reference.choices); these names keep
    # Declaration.Incoterm.FOB and friends working where they are used.
    TransportMode = TransportMode
    Incoterm = Incoterm

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name=_("uuid"))
    company = models.ForeignKey(
        "accounts.Company",
        on_delete=models.PROTECT,
        related_name="declarations",
        verbose_name=_("company"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    office = models.ForeignKey(
        "accounts.CustomsOffice",
        on_delete=models.PROTECT,
        related_name="declarations",
        help_text=_("Customs office of lodgement."),
        verbose_name=_("office"),
    )
    flow = models.CharField(max_length=6, choices=Flow.choices, verbose_name=_("flow"))
    procedure_code = models.CharField(max_length=4, verbose_name=_("procedure code"))
    number = models.CharField(
        max_length=18, unique=True, null=True, blank=True, editable=False, verbose_name=_("number")
    )
    lrn = models.CharField(
        _("LRN"), max_length=35, help_text=_("Your own reference for this filing.")
    )

    consignor_name = models.CharField(max_length=200, verbose_name=_("consignor name"))
    consignor_country = models.CharField(max_length=2, verbose_name=_("consignor country"))
    consignor_id = models.CharField(max_length=35, blank=True, verbose_name=_("consignor id"))
    consignee_name = models.CharField(max_length=200, verbose_name=_("consignee name"))
    consignee_country = models.CharField(max_length=2, verbose_name=_("consignee country"))
    consignee_id = models.CharField(max_length=35, blank=True, verbose_name=_("consignee id"))

    dispatch_country = models.CharField(max_length=2, verbose_name=_("dispatch country"))
    destination_country = models.CharField(max_length=2, verbose_name=_("destination country"))
    transport_mode = models.CharField(
        max_length=1, choices=TransportMode.choices, verbose_name=_("transport mode")
    )
    transport_document = models.CharField(
        max_length=35, blank=True, verbose_name=_("transport document")
    )
    transport_means_id = models.CharField(
        max_length=35, blank=True, verbose_name=_("transport means id")
    )
    port_of_loading = models.CharField(max_length=5, blank=True, verbose_name=_("port of loading"))
    port_of_discharge = models.CharField(
        max_length=5, blank=True, verbose_name=_("port of discharge")
    )

    incoterm = models.CharField(max_length=3, choices=Incoterm.choices, verbose_name=_("incoterm"))
    incoterm_place = models.CharField(max_length=100, blank=True, verbose_name=_("incoterm place"))
    invoice_currency = models.CharField(max_length=3, verbose_name=_("invoice currency"))
    invoice_total = models.DecimalField(
        max_digits=16, decimal_places=2, verbose_name=_("invoice total")
    )
    exchange_rate = models.DecimalField(
        max_digits=14,
        decimal_places=6,
        help_text=_("CNY per one unit of the invoice currency."),
        verbose_name=_("exchange rate"),
    )
    freight = models.DecimalField(
        max_digits=14, decimal_places=2, default=0, verbose_name=_("freight")
    )
    insurance = models.DecimalField(
        max_digits=14, decimal_places=2, default=0, verbose_name=_("insurance")
    )

    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.DRAFT, verbose_name=_("status")
    )
    lane = models.CharField(max_length=6, choices=Lane.choices, blank=True, verbose_name=_("lane"))
    risk_reasons = models.JSONField(default=list, blank=True, verbose_name=_("risk reasons"))
    assigned_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_declarations",
        verbose_name=_("assigned officer"),
    )
    customs_value = models.DecimalField(
        max_digits=18, decimal_places=2, null=True, blank=True, verbose_name=_("customs value")
    )
    duty_total = models.DecimalField(
        max_digits=18, decimal_places=2, null=True, blank=True, verbose_name=_("duty total")
    )
    vat_total = models.DecimalField(
        max_digits=18, decimal_places=2, null=True, blank=True, verbose_name=_("vat total")
    )
    payment_reference = models.CharField(
        max_length=64, blank=True, verbose_name=_("payment reference")
    )
    decision_reason = models.TextField(blank=True, verbose_name=_("decision reason"))
    # Inspection and quarantine by another agency (statutory inspection list), set on submission.
    inspection_status = models.CharField(
        max_length=8,
        choices=Inspection.choices,
        blank=True,
        verbose_name=_("inspection and quarantine"),
    )
    inspection_agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspections",
        verbose_name=_("inspection agency"),
    )
    inspection_certificate = models.CharField(
        max_length=40, blank=True, verbose_name=_("inspection certificate")
    )
    inspection_reason = models.TextField(blank=True, verbose_name=_("inspection failure reason"))
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("inspected by"),
    )
    inspected_at = models.DateTimeField(null=True, blank=True, verbose_name=_("inspected at"))

    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    submitted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("submitted at"))
    status_changed_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("status changed at")
    )
    released_at = models.DateTimeField(null=True, blank=True, verbose_name=_("released at"))
    # Bumped by every change; a form or API call that acted on an older version is refused.
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
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
        return self.number or gettext("draft %(lrn)s") % {"lrn": self.lrn}

    @property
    def ledger_subject(self) -> str:
        return f"declaration:{self.uuid}"


class GoodsItem(models.Model):
    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="items", verbose_name=_("declaration")
    )
    line = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(999)], verbose_name=_("line")
    )
    hs_code = models.CharField(_("HS code"), max_length=10)
    description = models.CharField(max_length=300, verbose_name=_("description"))
    origin_country = models.CharField(max_length=2, verbose_name=_("origin country"))
    quantity = models.DecimalField(max_digits=16, decimal_places=3, verbose_name=_("quantity"))
    unit = models.CharField(max_length=3, verbose_name=_("unit"))
    net_mass = models.DecimalField(_("net mass (kg)"), max_digits=16, decimal_places=3)
    gross_mass = models.DecimalField(_("gross mass (kg)"), max_digits=16, decimal_places=3)
    invoice_value = models.DecimalField(
        max_digits=16, decimal_places=2, verbose_name=_("invoice value")
    )
    valuation_method = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
        verbose_name=_("valuation method"),
    )
    # The import or export licence this item is declared under, by its number (when its HS code
    # needs one); written off against it on release.
    licence_number = models.CharField(max_length=20, blank=True, verbose_name=_("licence number"))
    # Set on submission: the item's HS code is on the statutory inspection list.
    needs_inspection = models.BooleanField(default=False, verbose_name=_("needs inspection"))
    # Filled by assessment.
    customs_value = models.DecimalField(
        max_digits=18, decimal_places=2, null=True, blank=True, verbose_name=_("customs value")
    )
    duty_rate = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True, verbose_name=_("duty rate")
    )
    duty = models.DecimalField(
        max_digits=18, decimal_places=2, null=True, blank=True, verbose_name=_("duty")
    )
    vat_rate = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, verbose_name=_("vat rate")
    )
    vat = models.DecimalField(
        max_digits=18, decimal_places=2, null=True, blank=True, verbose_name=_("vat")
    )

    class Meta:
        ordering = ["line"]
        verbose_name = _("goods item")
        verbose_name_plural = _("goods items")
        constraints = [
            models.UniqueConstraint(fields=["declaration", "line"], name="unique_item_line"),
        ]

    def __str__(self):
        return gettext("item %(line)s: %(hs_code)s") % {"line": self.line, "hs_code": self.hs_code}


def document_path(document: "Document", filename: str) -> str:
    # The stored name is the content's digest: the uploaded file name never reaches the disk.
    return f"documents/{document.sha256[:2]}/{document.sha256}"


class Document(models.Model):
    Type = DocumentType

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name=_("uuid"))
    declaration = models.ForeignKey(
        Declaration,
        on_delete=models.CASCADE,
        related_name="documents",
        verbose_name=_("declaration"),
    )
    type = models.CharField(max_length=3, choices=Type.choices, verbose_name=_("type"))
    reference = models.CharField(max_length=70, verbose_name=_("reference"))
    issued_on = models.DateField(null=True, blank=True, verbose_name=_("issued on"))
    file = models.FileField(upload_to=document_path, verbose_name=_("file"))
    sha256 = models.CharField(max_length=64, verbose_name=_("sha256"))
    size = models.PositiveIntegerField(verbose_name=_("size"))
    content_type = models.CharField(max_length=50, verbose_name=_("content type"))
    original_name = models.CharField(max_length=255, blank=True, verbose_name=_("original name"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(auto_now_add=True, verbose_name=_("uploaded at"))

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self):
        return f"{self.get_type_display()} {self.reference}"


class NumberSequence(models.Model):
    """The last declaration number used per office, year and flow; locked while assigning."""

    office_code = models.CharField(max_length=4, verbose_name=_("office code"))
    year = models.PositiveSmallIntegerField(verbose_name=_("year"))
    flow_digit = models.CharField(max_length=1, verbose_name=_("flow digit"))
    last = models.PositiveBigIntegerField(default=0, verbose_name=_("last"))

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")
        constraints = [
            models.UniqueConstraint(
                fields=["office_code", "year", "flow_digit"], name="unique_number_sequence"
            ),
        ]

    def __str__(self):
        return f"{self.office_code}{self.year}{self.flow_digit}: {self.last}"


class Query(models.Model):
    """An officer's question to the trader, and the trader's answer on resubmission."""

    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="queries", verbose_name=_("declaration")
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("asked by"),
    )
    question = models.TextField(verbose_name=_("question"))
    asked_at = models.DateTimeField(auto_now_add=True, verbose_name=_("asked at"))
    answer = models.TextField(blank=True, verbose_name=_("answer"))
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("answered at"))

    class Meta:
        ordering = ["asked_at", "id"]
        verbose_name = _("query")
        verbose_name_plural = _("queries")

    def __str__(self):
        return gettext("query on %(declaration)s") % {"declaration": self.declaration}


class Amendment(models.Model):
    """What the trader changed in answer to a query: snapshots before and after, and the diff."""

    declaration = models.ForeignKey(
        Declaration,
        on_delete=models.CASCADE,
        related_name="amendments",
        verbose_name=_("declaration"),
    )
    query = models.ForeignKey(
        Query,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="amendments",
        verbose_name=_("query"),
    )
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("amended by"),
    )
    before = models.JSONField(verbose_name=_("before"))
    after = models.JSONField(verbose_name=_("after"))
    changes = models.JSONField(default=list, verbose_name=_("changes"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")

    def __str__(self):
        return gettext("amendment of %(declaration)s") % {"declaration": self.declaration}


class Inspection(models.Model):
    declaration = models.ForeignKey(
        Declaration,
        on_delete=models.CASCADE,
        related_name="inspections",
        verbose_name=_("declaration"),
    )
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ordered by"),
    )
    instructions = models.TextField(blank=True, verbose_name=_("instructions"))
    ordered_at = models.DateTimeField(auto_now_add=True, verbose_name=_("ordered at"))
    findings = models.TextField(blank=True, verbose_name=_("findings"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("recorded at"))

    class Meta:
        ordering = ["ordered_at", "id"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")

    def __str__(self):
        return gettext("inspection of %(declaration)s") % {"declaration": self.declaration}


class RiskRule(models.Model):
    """A configurable risk rule; the strictest matching lane wins, no match is green."""

    class Kind(models.TextChoices):
        ORIGIN_COUNTRY = "origin_country", _("Origin country in list")
        DISPATCH_COUNTRY = "dispatch_country", _("Dispatch country in list")
        HS_PREFIX = "hs_prefix", _("HS chapter or heading in list")
        VALUE_ABOVE = "value_above", _("Customs value above threshold (CNY)")
        FIRST_DECLARATIONS = "first_declarations", _("Trader's first N declarations")
        RANDOM_SAMPLE = "random_sample", _("Random sample (percent)")

    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    kind = models.CharField(max_length=24, choices=Kind.choices, verbose_name=_("kind"))
    parameter = models.CharField(
        max_length=500,
        help_text=_(
            "Comma-separated codes for lists (countries: CN,US; HS: 93,2402); a number for the "
            "threshold, N or the percentage."
        ),
        verbose_name=_("parameter"),
    )
    lane = models.CharField(
        max_length=6,
        choices=[(Declaration.Lane.YELLOW, _("Yellow")), (Declaration.Lane.RED, _("Red"))],
        verbose_name=_("lane"),
    )
    officer_note = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("Why the rule exists, shown to officers."),
        verbose_name=_("officer note"),
    )
    trader_instruction = models.CharField(
        max_length=200,
        blank=True,
        default="Documentary check",
        help_text=_("What the trader is told to expect, e.g. 'documentary check'."),
        verbose_name=_("trader instruction"),
    )
    active = models.BooleanField(default=True, verbose_name=_("active"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("risk rule")
        verbose_name_plural = _("risk rules")

    def __str__(self):
        return self.name

    @property
    def ledger_subject(self) -> str:
        return f"risk-rule:{self.pk}"


class DeclarationNote(models.Model):
    """An officer's internal note on a declaration: customs and auditors read it, traders never.

    Recorded in the ledger under its own subject (``declaration-note:<uuid>``), which no trader's
    timeline, entry access or receipt includes.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name=_("uuid"))
    declaration = models.ForeignKey(
        Declaration,
        on_delete=models.CASCADE,
        related_name="notes",
        verbose_name=_("declaration"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(verbose_name=_("text"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")

    def __str__(self):
        return gettext("note on %(declaration)s") % {"declaration": self.declaration}

    @property
    def ledger_subject(self) -> str:
        return f"declaration-note:{self.uuid}"


class PostClearanceReview(models.Model):
    """A released green-lane declaration picked by an officer for post-clearance review.

    The declaration stays released (final); the pick is internal to customs and recorded in the
    ledger under its own subject (``post-clearance:<uuid>``).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name=_("uuid"))
    declaration = models.ForeignKey(
        Declaration,
        on_delete=models.PROTECT,
        related_name="post_clearance_reviews",
        verbose_name=_("declaration"),
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("officer"),
    )
    reason = models.TextField(verbose_name=_("reason"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("post-clearance review")
        verbose_name_plural = _("post-clearance reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["declaration"],
                name="one_post_clearance_pick_per_declaration",
                violation_error_message=_(
                    "This declaration is already picked for post-clearance review."
                ),
            )
        ]

    def __str__(self):
        return gettext("post-clearance review of %(declaration)s") % {
            "declaration": self.declaration
        }

    @property
    def ledger_subject(self) -> str:
        return f"post-clearance:{self.uuid}"
