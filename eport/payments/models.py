"""Duties and taxes paid through banks: tax bills, payment agreements, e-payment instructions,
guarantees and the bills reserved against them."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

CNY = "CNY"


class PaymentAgreement(models.Model):
    """A customs–bank–trader agreement: the bank debits this account of the trader for its bills."""

    class Status(models.TextChoices):
        REQUESTED = "requested", pgettext_lazy("agreement status", "Requested")
        ACTIVE = "active", _("In force")
        REFUSED = "refused", _("Refused")
        ENDED = "ended", _("Ended")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name=_("uuid"))
    company = models.ForeignKey(
        "accounts.Company",
        on_delete=models.PROTECT,
        related_name="payment_agreements",
        verbose_name=_("company"),
    )
    bank = models.ForeignKey(
        "accounts.Bank",
        on_delete=models.PROTECT,
        related_name="payment_agreements",
        verbose_name=_("bank"),
    )
    account_number = models.CharField(max_length=34, verbose_name=_("account number"))
    currency = models.CharField(max_length=3, default=CNY, verbose_name=_("currency"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.REQUESTED, verbose_name=_("status")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(auto_now_add=True, verbose_name=_("requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ended at"))
    reason = models.TextField(blank=True, verbose_name=_("reason"))
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))

    class Meta:
        verbose_name = _("payment agreement")
        verbose_name_plural = _("payment agreements")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # An account is under at most one agreement at a time with its bank.
            models.UniqueConstraint(
                fields=["bank", "account_number"],
                condition=models.Q(status__in=["requested", "active"]),
                name="one_live_agreement_per_account",
            )
        ]
        indexes = [models.Index(fields=["bank", "status"], name="agreement_bank_status")]

    def __str__(self):
        return f"{self.account_number} ({self.bank.bic})"

    @property
    def ledger_subject(self) -> str:
        return f"agreement:{self.uuid}"

    @property
    def live(self) -> bool:
        return self.status == self.Status.ACTIVE


class Guarantee(models.Model):
    """A bank's general guarantee for a trader's duties and taxes (aggregate taxation)."""

    class Status(models.TextChoices):
        LIVE = "live", _("In force")
        ENDED = "ended", _("Ended")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name=_("uuid"))
    bank = models.ForeignKey(
        "accounts.Bank", on_delete=models.PROTECT, related_name="guarantees", verbose_name=_("bank")
    )
    company = models.ForeignKey(
        "accounts.Company",
        on_delete=models.PROTECT,
        related_name="guarantees",
        verbose_name=_("company"),
    )
    amount = models.DecimalField(max_digits=16, decimal_places=2, verbose_name=_("amount"))
    currency = models.CharField(max_length=3, default=CNY, verbose_name=_("currency"))
    valid_from = models.DateField(verbose_name=_("valid from"))
    valid_until = models.DateField(verbose_name=_("valid until"))
    bank_reference = models.CharField(max_length=35, verbose_name=_("bank reference"))
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.LIVE, verbose_name=_("status")
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issued by"),
    )
    issued_at = models.DateTimeField(auto_now_add=True, verbose_name=_("issued at"))
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ended at"))
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))

    class Meta:
        verbose_name = _("guarantee")
        verbose_name_plural = _("guarantees")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank", "bank_reference"], name="one_guarantee_per_bank_reference"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="guarantee_positive"),
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")),
                name="guarantee_valid_period",
            ),
        ]

    def __str__(self):
        return f"{self.bank_reference} ({self.bank.bic})"

    @property
    def ledger_subject(self) -> str:
        return f"guarantee:{self.uuid}"


class TaxBill(models.Model):
    """The tax payment notice customs issues when it assesses a declaration: duty and VAT in CNY."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("tax bill status", "Open")
        GUARANTEED = "guaranteed", _("Released against guarantee, to be paid")
        PAID = "paid", _("Paid")

    class Means(models.TextChoices):
        E_PAYMENT = "e_payment", _("E-payment confirmed by the bank")
        COUNTER = "counter", _("Paid at a customs counter")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name=_("uuid"))
    number = models.CharField(
        max_length=24, unique=True, verbose_name=pgettext_lazy("tax bill", "number")
    )
    declaration = models.OneToOneField(
        "declarations.Declaration",
        on_delete=models.PROTECT,
        related_name="tax_bill",
        verbose_name=_("declaration"),
    )
    duty = models.DecimalField(max_digits=18, decimal_places=2, verbose_name=_("duty"))
    vat = models.DecimalField(max_digits=18, decimal_places=2, verbose_name=_("vat"))
    currency = models.CharField(max_length=3, default=CNY, verbose_name=_("currency"))
    issued_on = models.DateField(verbose_name=_("issued on"))
    due_on = models.DateField(verbose_name=_("due on"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN, verbose_name=_("status")
    )
    # Aggregate taxation: the guarantee reserved for it and the later date it is then due by.
    guarantee = models.ForeignKey(
        Guarantee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bills",
        verbose_name=_("guarantee"),
    )
    guaranteed_due_on = models.DateField(null=True, blank=True, verbose_name=_("guaranteed due on"))
    # Written off: how, when (the value date), what was paid and the surcharge line.
    means = models.CharField(
        max_length=10, choices=Means.choices, blank=True, verbose_name=_("means")
    )
    paid_on = models.DateField(null=True, blank=True, verbose_name=_("paid on"))
    paid_reference = models.CharField(max_length=64, blank=True, verbose_name=_("paid reference"))
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("paid by"),
    )
    surcharge_days = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("surcharge days")
    )
    surcharge = models.DecimalField(
        max_digits=18, decimal_places=2, null=True, blank=True, verbose_name=_("surcharge")
    )
    paid_amount = models.DecimalField(
        max_digits=18, decimal_places=2, null=True, blank=True, verbose_name=_("paid amount")
    )
    issued_at = models.DateTimeField(auto_now_add=True, verbose_name=_("issued at"))
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))

    class Meta:
        verbose_name = _("tax bill")
        verbose_name_plural = _("tax bills")
        ordering = ["-issued_on", "-id"]
        indexes = [
            models.Index(fields=["status", "due_on"], name="bill_status_due"),
            models.Index(fields=["guarantee", "status"], name="bill_guarantee_status"),
        ]

    def __str__(self):
        return self.number

    @property
    def ledger_subject(self) -> str:
        return f"bill:{self.uuid}"

    @property
    def tax(self):
        return self.duty + self.vat

    @property
    def payable_due_on(self):
        """The date the surcharge runs from: the aggregate date once guaranteed."""
        return self.guaranteed_due_on or self.due_on

    @property
    def unpaid(self) -> bool:
        return self.status != self.Status.PAID


class Reservation(models.Model):
    """A bill's tax held against a guarantee's balance until the bill is paid."""

    guarantee = models.ForeignKey(
        Guarantee,
        on_delete=models.PROTECT,
        related_name="reservations",
        verbose_name=_("guarantee"),
    )
    bill = models.OneToOneField(
        TaxBill, on_delete=models.PROTECT, related_name="reservation", verbose_name=_("bill")
    )
    amount = models.DecimalField(max_digits=18, decimal_places=2, verbose_name=_("amount"))
    reserved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reserved by"),
    )
    reserved_at = models.DateTimeField(auto_now_add=True, verbose_name=_("reserved at"))
    restored_at = models.DateTimeField(null=True, blank=True, verbose_name=_("restored at"))

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["-reserved_at", "-id"]
        indexes = [models.Index(fields=["guarantee", "restored_at"], name="reservation_live")]

    def __str__(self):
        return f"{self.bill} against {self.guarantee}"


class PaymentInstruction(models.Model):
    """A trader's instruction to pay a bill from an account under agreement; the bank's answer."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the bank")
        CONFIRMED = "confirmed", _("Confirmed by the bank")
        REFUSED = "refused", _("Refused by the bank")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name=_("uuid"))
    bill = models.ForeignKey(
        TaxBill, on_delete=models.PROTECT, related_name="instructions", verbose_name=_("bill")
    )
    agreement = models.ForeignKey(
        PaymentAgreement,
        on_delete=models.PROTECT,
        related_name="instructions",
        verbose_name=_("agreement"),
    )
    bank = models.ForeignKey(
        "accounts.Bank",
        on_delete=models.PROTECT,
        related_name="payment_instructions",
        verbose_name=_("bank"),
    )
    amount = models.DecimalField(
        max_digits=18,
        decimal_places=2,
        help_text=_("Tax and surcharge as of the instruction day."),
        verbose_name=_("amount"),
    )
    currency = models.CharField(max_length=3, default=CNY, verbose_name=_("currency"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    instructed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("instructed by"),
    )
    instructed_at = models.DateTimeField(auto_now_add=True, verbose_name=_("instructed at"))
    bank_reference = models.CharField(max_length=35, blank=True, verbose_name=_("bank reference"))
    confirmed_amount = models.DecimalField(
        max_digits=18, decimal_places=2, null=True, blank=True, verbose_name=_("confirmed amount")
    )
    surcharge = models.DecimalField(
        max_digits=18, decimal_places=2, null=True, blank=True, verbose_name=_("surcharge")
    )
    value_date = models.DateField(null=True, blank=True, verbose_name=_("value date"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    reason = models.TextField(blank=True, verbose_name=_("reason"))
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))

    class Meta:
        verbose_name = _("payment instruction")
        verbose_name_plural = _("payment instructions")
        ordering = ["-instructed_at", "-id"]
        constraints = [
            # A bill has at most one instruction waiting or confirmed.
            models.UniqueConstraint(
                fields=["bill"],
                condition=models.Q(status__in=["pending", "confirmed"]),
                name="one_live_instruction_per_bill",
            ),
            models.UniqueConstraint(
                fields=["bank", "bank_reference"],
                condition=~models.Q(bank_reference=""),
                name="one_confirmation_per_bank_reference",
            ),
        ]
        indexes = [
            models.Index(fields=["bank", "status", "instructed_at"], name="instruction_bank"),
            models.Index(fields=["bank", "value_date"], name="instruction_statement"),
        ]

    def __str__(self):
        return f"{self.bill} via {self.bank.bic}"

    @property
    def ledger_subject(self) -> str:
        return f"payment:{self.uuid}"
