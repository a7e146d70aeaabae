import hashlib
import json

from django.db import models


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove a ledger row."""


class Entry(models.Model):
    """One ledger entry: its exact canonical bytes, plus columns auditors filter by.

    ``canonical`` is the record; ``time``, ``actor``, ``action``, ``subject`` and ``hash`` are
    copies kept for indexing and are checked against it by ``verify_ledger``.
    """

    seq = models.BigIntegerField(primary_key=True)
    time = models.DateTimeField(db_index=True)
    actor = models.CharField(max_length=200)
    action = models.CharField(max_length=100)
    subject = models.CharField(max_length=200)
    canonical = models.BinaryField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        db_table = "ledger_entry"
        ordering = ["seq"]
        verbose_name_plural = "entries"
        indexes = [
            models.Index(fields=["subject", "seq"], name="ledger_entry_subject_seq"),
            models.Index(fields=["actor", "seq"], name="ledger_entry_actor_seq"),
            models.Index(fields=["action", "seq"], name="ledger_entry_action_seq"),
        ]

    def __str__(self):
        return f"#{self.seq} {self.action} {self.subject}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("ledger entries are append-only and cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("ledger entries are append-only and cannot be deleted")

    @property
    def entry_hash(self) -> str:
        """Lowercase hex SHA-256 of the canonical bytes: the chain link of spec section 2."""
        return hashlib.sha256(bytes(self.canonical)).hexdigest()

    @property
    def content(self) -> dict:
        return json.loads(bytes(self.canonical))

    @property
    def data(self) -> dict:
        return self.content["data"]


class AppendOnlyModel(models.Model):
    """A row that is written once; PostgreSQL triggers refuse UPDATE, DELETE and TRUNCATE too."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.db_table} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.db_table} rows are append-only")


class Node(AppendOnlyModel):
    """The hash of one aligned perfect subtree: leaves [index * 2**level, (index + 1) * 2**level).

    Level 0 holds the leaf hashes. The notarizer adds every subtree its new leaves complete, so a
    proof reads O(log n) of these rows in one query and never rehashes entries.
    """

    pk = models.CompositePrimaryKey("level", "index")
    level = models.SmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        db_table = "ledger_node"

    def __str__(self):
        return f"node {self.level}/{self.index}"


class Checkpoint(AppendOnlyModel):
    """A checkpoint of the first ``size`` entries, as the ledger signed it (spec section 4).

    ``note`` is the checkpoint body plus the ledger's own signature line; witnesses' lines are
    ``Cosignature`` rows, so nothing here is ever updated. It counts as notarized once at least
    EPORT_WITNESS_QUORUM witnesses cosigned it.
    """

    size = models.BigIntegerField(primary_key=True)
    root = models.BinaryField(max_length=32)
    note = models.TextField()
    created = models.DateTimeField()

    class Meta:
        db_table = "ledger_checkpoint"
        ordering = ["size"]

    def __str__(self):
        return f"checkpoint {self.size}"


class Cosignature(AppendOnlyModel):
    """One witness's signature line over a checkpoint's body."""

    id = models.BigAutoField(primary_key=True)
    checkpoint = models.ForeignKey(
        Checkpoint,
        on_delete=models.PROTECT,
        related_name="cosignatures",
        db_column="checkpoint_size",
    )
    witness = models.CharField(max_length=200)
    line = models.TextField()
    created = models.DateTimeField()

    class Meta:
        db_table = "ledger_cosignature"
        ordering = ["checkpoint", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["checkpoint", "witness"], name="ledger_cosignature_once_per_witness"
            )
        ]

    def __str__(self):
        return f"{self.witness} on checkpoint {self.checkpoint_id}"


class WitnessState(models.Model):
    """What one witness last signed: the size and root any later checkpoint must extend."""

    witness = models.CharField(max_length=200, primary_key=True)
    size = models.BigIntegerField()
    root = models.BinaryField(max_length=32)
    updated = models.DateTimeField()

    class Meta:
        db_table = "ledger_witness_state"

    def __str__(self):
        return f"{self.witness} at {self.size}"


class WitnessRefusal(AppendOnlyModel):
    """A checkpoint a witness refused to cosign, and why: evidence of a fork or rewrite."""

    id = models.BigAutoField(primary_key=True)
    witness = models.CharField(max_length=200)
    size = models.BigIntegerField()
    root = models.BinaryField(max_length=32)
    signed_size = models.BigIntegerField(null=True)
    signed_root = models.BinaryField(max_length=32, null=True)
    reason = models.TextField()
    created = models.DateTimeField()

    class Meta:
        db_table = "ledger_witness_refusal"
        ordering = ["-id"]

    def __str__(self):
        return f"{self.witness} refused checkpoint {self.size}"
