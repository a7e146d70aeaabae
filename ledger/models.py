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
