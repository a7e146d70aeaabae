"""The one state change operations make: a background process saying it is alive."""

from django.utils import timezone

from .models import Heartbeat

WORKER = "celery-worker"


def record_heartbeat(*, source: str = WORKER) -> Heartbeat:
    """Store the current time as the source's latest heartbeat (one row per source)."""
    heartbeat, _ = Heartbeat.objects.update_or_create(
        source=source, defaults={"time": timezone.now()}
    )
    return heartbeat
