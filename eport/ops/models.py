from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """When a background process last proved it was running: one row per source, overwritten."""

    source = models.CharField(_("source"), max_length=50, primary_key=True)
    time = models.DateTimeField(_("time"))

    class Meta:
        db_table = "ops_heartbeat"
        verbose_name = _("heartbeat")

    def __str__(self):
        return f"{self.source} at {self.time.isoformat()}"
