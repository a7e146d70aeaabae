from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .bic import bic_country, validate_bic, validate_cnaps
from .usci import validate_usci


class CustomsOffice(models.Model):
    """A customs office: officers belong to one and work its queue."""

    code = models.CharField(
        _("code"),
        max_length=4,
        unique=True,
        validators=[RegexValidator(r"^[0-9]{4}$", _("An office code is exactly 4 digits."))],
    )
    name = models.CharField(_("name"), max_length=200)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("customs office")
        verbose_name_plural = _("customs offices")

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def ledger_subject(self) -> str:
        return f"office:{self.code}"


class Company(models.Model):
    """A trading company (importer, exporter or broker), identified by its USCI."""

    usci = models.CharField(
        _("USCI"),
        max_length=18,
        unique=True,
        validators=[validate_usci],
        help_text=_("Unified Social Credit Identifier, 18 characters (GB 32100-2015)."),
    )
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self):
        return self.name

    @property
    def ledger_subject(self) -> str:
        return f"company:{self.usci}"


class Bank(models.Model):
    """A bank of the alliance: its staff see declarations traders present to it."""

    legal_name = models.CharField(_("legal name"), max_length=200)
    bic = models.CharField(
        _("BIC"),
        max_length=11,
        unique=True,
        validators=[validate_bic],
        help_text=_("SWIFT BIC (ISO 9362), 8 or 11 characters."),
    )
    cnaps = models.CharField(
        _("CNAPS code"),
        max_length=12,
        blank=True,
        validators=[validate_cnaps],
        help_text=_("The bank's 12-digit CNAPS code, where it has one."),
    )
    witness_key = models.CharField(
        _("witness key"),
        max_length=100,
        blank=True,
        help_text=_("The name of the witness key this bank holds for the alliance, if any."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["legal_name"]
        verbose_name = _("bank")
        verbose_name_plural = _("banks")

    def __str__(self):
        return f"{self.legal_name} ({self.bic})"

    @property
    def country(self) -> str:
        return bic_country(self.bic)

    @property
    def ledger_subject(self) -> str:
        return f"bank:{self.bic}"


class Agency(models.Model):
    """A government agency of the single window other than customs.

    Two kinds: the commerce commission's licensing office, which grants import and export
    licences, and the inspection and quarantine authority, which inspects goods on the statutory
    inspection list before customs may release them. Its staff are agency officers.
    """

    class Kind(models.TextChoices):
        LICENSING = "licensing", _("Licensing (commerce commission)")
        INSPECTION = "inspection", _("Inspection and quarantine")

    code = models.CharField(
        _("code"),
        max_length=10,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Z0-9]{2,10}$",
                _("An agency code is 2 to 10 capital letters or digits."),
            )
        ],
        help_text=_("A short code, e.g. SHCOM; licence numbers carry it."),
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def ledger_subject(self) -> str:
        return f"agency:{self.code}"

    @property
    def is_licensing(self) -> bool:
        return self.kind == self.Kind.LICENSING

    @property
    def is_inspection(self) -> bool:
        return self.kind == self.Kind.INSPECTION


class User(AbstractUser):
    """A person using eport, with exactly one role and the organisation that role belongs to."""

    class Role(models.TextChoices):
        TRADER = "trader", _("Trader")
        OFFICER = "officer", _("Customs officer")
        AUDITOR = "auditor", _("Auditor")
        BANK = "bank", _("Bank")
        AGENCY = "agency", _("Agency officer")

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, blank=True)
    company = models.ForeignKey(
        Company,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("company"),
    )
    office = models.ForeignKey(
        CustomsOffice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="officers",
        verbose_name=_("office"),
    )
    bank = models.ForeignKey(
        Bank,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("bank"),
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("agency"),
    )
    # The language this person chose with the header's switch; empty: the browser's.
    language = models.CharField(_("language"), max_length=16, blank=True, default="")

    # What a user's ledger snapshot holds: role, organisation and access, never personal data
    # (names, email, username) and never the password hash.
    LEDGER_FIELDS = (
        "role",
        "company",
        "office",
        "bank",
        "agency",
        "is_active",
        "is_staff",
        "is_superuser",
        "groups",
        "user_permissions",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="trader") | models.Q(company__isnull=False),
                name="trader_has_company",
                violation_error_message=_("A trader must belong to a company."),
            ),
            models.CheckConstraint(
                condition=~models.Q(role="officer") | models.Q(office__isnull=False),
                name="officer_has_office",
                violation_error_message=_("An officer must belong to a customs office."),
            ),
            models.CheckConstraint(
                condition=~models.Q(role="bank") | models.Q(bank__isnull=False),
                name="bank_staff_has_bank",
                violation_error_message=_("Bank staff must belong to a bank."),
            ),
            models.CheckConstraint(
                condition=~models.Q(role="agency") | models.Q(agency__isnull=False),
                name="agency_officer_has_agency",
                violation_error_message=_("An agency officer must belong to an agency."),
            ),
        ]

    @property
    def ledger_subject(self) -> str:
        return f"user:{self.pk}"

    @property
    def is_trader(self) -> bool:
        return self.role == self.Role.TRADER

    @property
    def is_officer(self) -> bool:
        return self.role == self.Role.OFFICER

    @property
    def is_auditor(self) -> bool:
        return self.role == self.Role.AUDITOR

    @property
    def is_bank(self) -> bool:
        return self.role == self.Role.BANK

    @property
    def is_agency(self) -> bool:
        return self.role == self.Role.AGENCY

    @property
    def is_licensing_officer(self) -> bool:
        """An agency officer of a licensing agency (the commerce commission)."""
        return bool(self.is_agency and self.agency_id and self.agency.is_licensing)

    @property
    def is_inspector(self) -> bool:
        """An agency officer of an inspection and quarantine agency."""
        return bool(self.is_agency and self.agency_id and self.agency.is_inspection)
