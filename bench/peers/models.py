"""One declaration-shaped model per benchmark variant: same fields, separate tables.

A dozen fields like a customs declaration header (strings, decimals, dates, a status); each peer
audit library is attached to its own copy so that every variant writes the same row shape.
"""

import pghistory
from django.db import models
from simple_history.models import HistoricalRecords


class DeclarationShape(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    lrn = models.CharField(max_length=35)
    flow = models.CharField(max_length=6)
    procedure_code = models.CharField(max_length=4)
    consignor_name = models.CharField(max_length=200)
    consignee_name = models.CharField(max_length=200)
    dispatch_country = models.CharField(max_length=2)
    destination_country = models.CharField(max_length=2)
    incoterm = models.CharField(max_length=3)
    invoice_currency = models.CharField(max_length=3)
    invoice_total = models.DecimalField(max_digits=16, decimal_places=2)
    exchange_rate = models.DecimalField(max_digits=14, decimal_places=6)
    freight = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    arrival_date = models.DateField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)

    class Meta:
        abstract = True

    def __str__(self):
        return self.lrn

    @property
    def ledger_subject(self) -> str:
        return f"declaration:bench-{self._meta.model_name}-{self.pk}"


class PlainDeclaration(DeclarationShape):
    """No audit trail at all: the baseline."""


class LedgerDeclaration(DeclarationShape):
    """Audited by explicit ``ledger.services.record`` calls in the same transaction."""


class FloorDeclaration(DeclarationShape):
    """Written like ``LedgerDeclaration``, each ``record`` replaced by a bare FloorEntry insert."""


class SimpleHistoryDeclaration(DeclarationShape):
    history = HistoricalRecords()


class AuditlogDeclaration(DeclarationShape):
    """Registered with django-auditlog in the app's ``ready``."""


@pghistory.track()
class PghistoryDeclaration(DeclarationShape):
    """Insert and update snapshots written by database triggers."""


class ReversionDeclaration(DeclarationShape):
    """Registered with django-reversion in the app's ``ready``; writes run in a revision."""


class FloorEntry(models.Model):
    """The floor of the ledger's design: a row shaped like ``ledger_entry`` (same columns, same
    indexes), inserted with one bare statement: no append lock, no head lookup, no chain."""

    seq = models.BigAutoField(primary_key=True)
    time = models.DateTimeField(db_index=True)
    actor = models.CharField(max_length=200)
    action = models.CharField(max_length=100)
    subject = models.CharField(max_length=200)
    canonical = models.BinaryField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        indexes = [
            models.Index(fields=["subject", "seq"], name="bench_floor_subject_seq"),
            models.Index(fields=["actor", "seq"], name="bench_floor_actor_seq"),
            models.Index(fields=["action", "seq"], name="bench_floor_action_seq"),
        ]

    def __str__(self):
        return f"#{self.seq} {self.action} {self.subject}"
