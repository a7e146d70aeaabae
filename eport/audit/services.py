"""Verification runs: request one, and carry it out (in a Celery worker) with live progress."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from eport.outbox import services as outbox
from ledger import conf as ledger_conf
from ledger.verify import Progress, verify_chain
from ledger.verify_checkpoints import verify_checkpoints

from .findings import Finding
from .models import Mismatch, VerificationRun
from .reconcile import reconcile_declarations

logger = logging.getLogger(__name__)

Status = VerificationRun.Status
# A running run whose progress has not moved for this long belongs to a worker that died.
STALE_AFTER = timedelta(minutes=2)
MISMATCH_BATCH = 500
# A verification of millions of entries outlives the project's default five-minute limit.
VERIFICATION_TIME_LIMIT = 6 * 3600


class AuditError(ValueError):
    """A request the audit workspace refuses; the message says why."""


def active_run() -> VerificationRun | None:
    """The queued or running verification, if there is one."""
    return VerificationRun.objects.filter(status__in=[Status.QUEUED, Status.RUNNING]).first()


@transaction.atomic
def request_verification(*, actor, kind: str = VerificationRun.Kind.FULL) -> VerificationRun:
    """Queue a verification run, or return the one already queued or running (one at a time)."""
    if kind not in VerificationRun.Kind.values:
        raise AuditError(_("unknown verification kind %(kind)r") % {"kind": kind})
    running = (
        VerificationRun.objects.select_for_update()
        .filter(status__in=[Status.QUEUED, Status.RUNNING])
        .first()
    )
    if running is not None:
        _send_again_if_stale(running)
        return running
    run = VerificationRun.objects.create(kind=kind, requested_by=actor)
    # Through the outbox: with the broker down the run stays queued and is sent when it is back.
    outbox.enqueue(run_verification, run.pk)
    return run


@transaction.atomic
def resume_stale_run() -> VerificationRun | None:
    """Send the queued or running run's task again if it was lost; return the run if it was.

    Beat calls it every minute, so a run whose message went down with the broker, or whose worker
    died, starts again by itself instead of waiting for someone to press "verify now".
    """
    running = (
        VerificationRun.objects.select_for_update()
        .filter(status__in=[Status.QUEUED, Status.RUNNING])
        .first()
    )
    if running is not None and _send_again_if_stale(running):
        return running
    return None


def _send_again_if_stale(run: VerificationRun) -> bool:
    # Its message was lost or its worker died: send it again rather than strand it (the task
    # takes up a stale run where it stands and leaves a live or finished one alone).
    if _is_stale(run) and not outbox.is_pending(run_verification, run.pk):
        logger.warning(
            "verification run %s was stranded (%s); sending it again", run.pk, run.status
        )
        outbox.enqueue(run_verification, run.pk)
        return True
    return False


def is_waiting_for_broker(run: VerificationRun) -> bool:
    """Whether a queued run has not reached the task queue yet (the broker was down)."""
    return run.status == Status.QUEUED and outbox.is_pending(run_verification, run.pk)


def _is_stale(run: VerificationRun) -> bool:
    moment = run.heartbeat_at or run.created_at
    if run.status == Status.QUEUED:
        # A queued run that no worker picked up within the stale window is lost.
        return timezone.now() - moment > STALE_AFTER * 5
    return timezone.now() - moment > STALE_AFTER


def _claim(run_id: int) -> VerificationRun | None:
    with transaction.atomic():
        run = VerificationRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.is_finished:
            return None
        if run.status == Status.RUNNING and not _is_stale(run):
            return None
        run.status = Status.RUNNING
        run.started_at = run.heartbeat_at = timezone.now()
        run.phase = ""
        run.checked = run.total = 0
        run.rate = 0
        run.save()
        run.mismatches.all().delete()
    return run


def _progress(run: VerificationRun, phase: str, checked: int, total: int, elapsed: float) -> None:
    # Written outside any transaction so the page sees it at once.
    VerificationRun.objects.filter(pk=run.pk).update(
        phase=phase,
        checked=checked,
        total=total,
        rate=checked / elapsed if elapsed > 0 else 0,
        heartbeat_at=timezone.now(),
    )


def execute_run(*, run_id: int) -> VerificationRun:
    """Carry out a requested run: chain, checkpoints and reconciliation (or reconciliation only).

    Returns the run as it ended. A run already finished, or running in a live worker, is left
    alone, so a redelivered task does no harm.
    """
    run = _claim(run_id)
    if run is None:
        return VerificationRun.objects.get(pk=run_id)
    try:
        _execute(run)
    except Exception as error:  # the run must end in a state the auditor can read
        logger.exception("verification run %s could not finish", run.pk)
        run.refresh_from_db()
        run.status = Status.ERROR
        run.summary = _("The run could not finish: %(error)s") % {
            "error": f"{type(error).__name__}: {error}"
        }
        run.finished_at = timezone.now()
        run.save()
        return run
    return run


# The task sits beside the service it runs (eport.audit.tasks re-exports it for autodiscovery), so
# request_verification enqueues it without importing the tasks module.
@shared_task(
    name="audit.run_verification",
    time_limit=VERIFICATION_TIME_LIMIT,
    soft_time_limit=VERIFICATION_TIME_LIMIT - 60,
)
def run_verification(run_id: int) -> str:
    """Run one requested verification; a redelivered run that is finished or alive is skipped."""
    return execute_run(run_id=run_id).status


@shared_task(name="audit.resume_stale_run")
def resume_stale_run_task() -> int | None:
    """Beat's minute check for a stranded verification run."""
    run = resume_stale_run()
    return run.pk if run is not None else None


def _execute(run: VerificationRun) -> None:
    problems = []
    if run.kind == VerificationRun.Kind.FULL:
        report = verify_chain(
            on_progress=lambda p: _progress(run, "chain", p.checked, p.total, p.elapsed),
            workers=ledger_conf.verify_workers(),
        )
        run.entries_checked = report.checked
        run.head_seq = report.head_seq
        run.head_hash = report.head_hash
        run.chain_seconds = report.seconds
        if not report.ok:
            run.failure_seq = report.failure.seq
            run.failure = str(report.failure)
            problems.append(report.summary())
        VerificationRun.objects.filter(pk=run.pk).update(
            entries_checked=run.entries_checked,
            head_seq=run.head_seq,
            head_hash=run.head_hash,
            chain_seconds=run.chain_seconds,
            failure_seq=run.failure_seq,
            failure=run.failure,
        )
        # The checkpoints' roots are recomputed from the entries' own bytes: a second pass.
        started = time.perf_counter()
        entries_total = report.checked
        _progress(run, "checkpoints", 0, entries_total, 0)
        outcome = verify_checkpoints(
            on_progress=lambda _count, entries: _progress(
                run, "checkpoints", entries, entries_total, time.perf_counter() - started
            )
        )
        run.checkpoints = "\n".join(
            [outcome.summary(), *(str(problem) for problem in outcome.problems[:50])]
        )
        if not outcome.ok:
            problems.append(outcome.summary())

    pending: list[Mismatch] = []

    def keep(finding: Finding) -> None:
        pending.append(Mismatch(run=run, **finding.__dict__))
        if len(pending) >= MISMATCH_BATCH:
            Mismatch.objects.bulk_create(pending)
            pending.clear()

    reconciliation = reconcile_declarations(
        on_finding=keep,
        on_progress=lambda checked, total, elapsed: _progress(
            run, "reconciliation", checked, total, elapsed
        ),
    )
    Mismatch.objects.bulk_create(pending)
    run.declarations_checked = reconciliation.checked
    run.payments_checked = reconciliation.payments_checked
    run.settlements_checked = reconciliation.settlements_checked
    run.mismatch_count = reconciliation.findings
    if not reconciliation.ok:
        problems.append(reconciliation.summary())

    run.refresh_from_db(fields=["phase", "checked", "total", "rate", "heartbeat_at"])
    run.status = Status.FAILED if problems else Status.PASSED
    run.finished_at = timezone.now()
    run.phase = "done"
    if problems:
        run.summary = "; ".join(problems)
    elif run.kind == VerificationRun.Kind.FULL:
        run.summary = _(
            "Ledger intact: %(entries)s entries, head %(head)s; %(checkpoints)s; %(reconciliation)s"
        ) % {
            "entries": f"{run.entries_checked:,}",
            "head": run.head_hash or "-",
            "checkpoints": outcome.summary(),
            "reconciliation": reconciliation.summary(),
        }
    else:
        run.summary = reconciliation.summary()
    run.save()


__all__ = [
    "AuditError",
    "Progress",
    "active_run",
    "execute_run",
    "is_waiting_for_broker",
    "request_verification",
    "run_verification",
]
