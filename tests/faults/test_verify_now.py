"""A verification run is never stranded: its task waits in the outbox, and a run whose task was
lost (or whose worker died) is sent again instead of being replaced and left behind."""

from datetime import timedelta

import pytest
from django.utils import timezone

from eport.audit.models import VerificationRun
from eport.audit.services import is_waiting_for_broker, request_verification, resume_stale_run
from eport.outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_a_run_waiting_for_the_broker_stays_the_one_run_however_old(world):
    run = request_verification(actor=world.auditor)  # not committed here: its task waits
    VerificationRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(days=1))

    assert request_verification(actor=world.auditor) == run
    assert is_waiting_for_broker(run)
    assert OutboxMessage.objects.filter(task="audit.run_verification").count() == 1


@pytest.mark.parametrize("status", ["queued", "running"])
def test_a_stale_run_whose_task_went_out_is_sent_again_not_replaced(world, status):
    run = request_verification(actor=world.auditor)
    OutboxMessage.objects.update(sent_at=timezone.now())  # sent, then lost with the broker
    long_ago = timezone.now() - timedelta(days=1)
    VerificationRun.objects.filter(pk=run.pk).update(
        status=status, created_at=long_ago, heartbeat_at=long_ago
    )

    assert request_verification(actor=world.auditor) == run
    assert VerificationRun.objects.count() == 1
    assert list(OutboxMessage.objects.filter(sent_at__isnull=True).values_list("task", "args")) == [
        ("audit.run_verification", [run.pk])
    ]


def test_beat_sends_a_stranded_run_again_without_anyone_asking(world):
    run = request_verification(actor=world.auditor)
    OutboxMessage.objects.update(sent_at=timezone.now())  # sent, then lost with the broker

    assert resume_stale_run() is None  # not stale yet: its worker may simply be busy

    long_ago = timezone.now() - timedelta(hours=1)
    VerificationRun.objects.filter(pk=run.pk).update(created_at=long_ago)
    assert resume_stale_run() == run
    assert resume_stale_run() is None  # sent once: the pending message is enough
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 1
