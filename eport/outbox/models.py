"""Tasks waiting for the broker: written in the caller's transaction, sent after it commits."""

from django.db import models


class OutboxMessage(models.Model):
    """One Celery task to send: its name and JSON arguments, and whether it has gone out.

    A row whose ``sent_at`` is empty is pending: the broker was down (or the process stopped)
    when its transaction committed, and ``outbox.flush`` sends it when the broker is back.
    """

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The request that queued it, carried into the task's log lines when a later flush sends it.
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["id"], condition=models.Q(sent_at__isnull=True), name="outbox_pending"
            )
        ]

    def __str__(self):
        state = "sent" if self.sent_at else "pending"
        return f"{self.task}{tuple(self.args)} ({state})"
