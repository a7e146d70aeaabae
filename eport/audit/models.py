"""Verification runs: who asked for a check of the ledger, how far it got, and what it found."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# What a running verification is doing, in words (``VerificationRun.phase``).
PHASES = {
    "chain": pgettext_lazy("verification phase", "chain"),
    "checkpoints": pgettext_lazy("verification phase", "checkpoints"),
    "reconciliation": pgettext_lazy("verification phase", "reconciliation"),
    "done": pgettext_lazy("verification phase", "done"),
}


class VerificationRun(models.Model):
    """One run of the ledger verification or of the state reconciliation, with live progress.

    The worker writes ``checked``/``total``/``rate`` as it goes, so the page can show a progress
    bar; the outcome fields are filled in when the run ends.
    """

    class Kind(models.TextChoices):
        FULL = "full", _("Chain, checkpoints and reconciliation")
        RECONCILE = "reconcile", _("State reconciliation only")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed")
        ERROR = "error", _("Could not finish")

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.FULL)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # What the run is doing now ("chain", "checkpoints", "reconciliation") and how far it got.
    phase = models.CharField(max_length=20, blank=True)
    checked = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    rate = models.FloatField(default=0)  # entries (or declarations) per second, for display only
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Outcome.
    entries_checked = models.BigIntegerField(null=True, blank=True)
    head_seq = models.BigIntegerField(null=True, blank=True)
    head_hash = models.CharField(max_length=64, blank=True)
    chain_seconds = models.FloatField(null=True, blank=True)
    failure_seq = models.BigIntegerField(null=True, blank=True)
    failure = models.TextField(blank=True)
    checkpoints = models.TextField(blank=True)
    declarations_checked = models.BigIntegerField(null=True, blank=True)
    # Bills, agreements, payment instructions and guarantees compared with the ledger.
    payments_checked = models.BigIntegerField(null=True, blank=True)
    # Paid or released declarations checked against their tax bills' payments.
    settlements_checked = models.BigIntegerField(null=True, blank=True)
    mismatch_count = models.IntegerField(null=True, blank=True)
    summary = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"verification run {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.PASSED, self.Status.FAILED, self.Status.ERROR}

    @property
    def phase_label(self) -> str:
        """The phase in the reader's language."""
        return PHASES.get(self.phase, self.phase)

    @property
    def chain_rate(self) -> float:
        if not self.entries_checked or not self.chain_seconds:
            return 0.0
        return self.entries_checked / self.chain_seconds

    @property
    def percent(self) -> int:
        if self.is_finished and self.status == self.Status.PASSED:
            return 100
        return int(100 * self.checked / self.total) if self.total else 0


class Mismatch(models.Model):
    """A subject the reconciliation found wrong.

    Either its live state is not the state its latest ledger entry recorded (declarations, bills,
    agreements, payment instructions, guarantees), or a paid or released declaration is not
    settled the way its tax bill says; ``detail`` then says how, in words.
    """

    class Kind(models.TextChoices):
        STATE = "state", _("Live state differs from the ledger")
        NO_ENTRY = "no_entry", _("No ledger entry for this subject")
        NO_STATE = "no_state", _("Latest ledger entry carries no state")
        MISSING = "missing", _("In the ledger but not in the database")
        NO_BILL = "no_bill", _("Paid or released without a tax bill")
        BILL_OPEN = "bill_open", _("Paid or released, but its tax bill is open")
        NO_PAYMENT = "no_payment", _("Bill paid without a payment to show for it")
        NO_RECEIPT = "no_receipt", _("Counter payment without a receipt or an officer")
        AMOUNT_MISMATCH = "amount_mismatch", _("Amounts do not match the bill")
        REFERENCE_MISMATCH = "reference_mismatch", _("Bank reference differs from the bill's")
        NO_RESERVATION = "no_reservation", _("Guaranteed bill without a live reservation")

    run = models.ForeignKey(VerificationRun, on_delete=models.CASCADE, related_name="mismatches")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    # The declaration's or bill's number, the agreement's account, the guarantee's reference.
    number = models.CharField(max_length=64, blank=True)
    entry_seq = models.BigIntegerField(null=True, blank=True)
    ledger_state = models.CharField(max_length=64, blank=True)
    live_state = models.CharField(max_length=64, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.subject}"
