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
        REQUESTED = "requested", _("Requested")
        ACTIVE = "active", _("In force")
        REFUSED = "refused", _("Refused")
        ENDED = "ended", _("Ended")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    company = models.ForeignKey(
        "accounts.Company", on_delete=models.PROTECT, related_name="payment_agreements"
    )
    bank = models.ForeignKey(
        "accounts.Bank", on_delete=models.PROTECT, related_name="payment_agreements"
    )
    account_number = models.CharField(max_length=34)
    currency = models.CharField(max_length=3, default=CNY)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
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

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    bank = models.ForeignKey("accounts.Bank", on_delete=models.PROTECT, related_name="guarantees")
    company = models.ForeignKey(
        "accounts.Company", on_delete=models.PROTECT, related_name="guarantees"
    )
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    currency = models.CharField(max_length=3, default=CNY)
    valid_from = models.DateField()
    valid_until = models.DateField()
    bank_reference = models.CharField(max_length=35)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.LIVE)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(auto_now_add=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
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

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(max_length=24, unique=True)
    declaration = models.OneToOneField(
        "declarations.Declaration", on_delete=models.PROTECT, related_name="tax_bill"
    )
    duty = models.DecimalField(max_digits=18, decimal_places=2)
    vat = models.DecimalField(max_digits=18, decimal_places=2)
    currency = models.CharField(max_length=3, default=CNY)
    issued_on = models.DateField()
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # Aggregate taxation: the guarantee reserved for it and the later date it is then due by.
    guarantee = models.ForeignKey(
        Guarantee, on_delete=models.PROTECT, null=True, blank=True, related_name="bills"
    )
    guaranteed_due_on = models.DateField(null=True, blank=True)
    # Written off: how, when (the value date), what was paid and the surcharge line.
    means = models.CharField(max_length=10, choices=Means.choices, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    paid_reference = models.CharField(max_length=64, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    surcharge_days = models.PositiveIntegerField(null=True, blank=True)
    surcharge = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    paid_amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    issued_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
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

    guarantee = models.ForeignKey(Guarantee, on_delete=models.PROTECT, related_name="reservations")
    bill = models.OneToOneField(TaxBill, on_delete=models.PROTECT, related_name="reservation")
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    reserved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reserved_at = models.DateTimeField(auto_now_add=True)
    restored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
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

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    bill = models.ForeignKey(TaxBill, on_delete=models.PROTECT, related_name="instructions")
    agreement = models.ForeignKey(
        PaymentAgreement, on_delete=models.PROTECT, related_name="instructions"
    )
    bank = models.ForeignKey(
        "accounts.Bank", on_delete=models.PROTECT, related_name="payment_instructions"
    )
    amount = models.DecimalField(
        max_digits=18, decimal_places=2, help_text="Tax and surcharge as of the instruction day."
    )
    currency = models.CharField(max_length=3, default=CNY)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    instructed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    instructed_at = models.DateTimeField(auto_now_add=True)
    bank_reference = models.CharField(max_length=35, blank=True)
    confirmed_amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    surcharge = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    value_date = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
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
