"""A verification run's state in words, the one place its badge and its progress line come from.

The run page, the history table and the progress JSON the page polls all say a run's state
through ``run_state``, so the badge can never say "Queued" while the line under the bar reads
100 %: a finished run says passed, failed or could not finish; a running one says running with
its percent; a queued one says what it waits for.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .models import VerificationRun

Status = VerificationRun.Status

# Each state's badge: its tone (the badge's colour) and a mark, so colour is never the only cue.
BADGES = {
    Status.QUEUED: ("neutral", "…"),
    Status.RUNNING: ("info", "↻"),
    Status.PASSED: ("success", "✓"),
    Status.FAILED: ("danger", "✗"),
    Status.ERROR: ("danger", "!"),
}


@dataclass(frozen=True)
class RunState:
    """What the page says about a run now: the badge (tone, mark, words) and the progress line."""

    status: str
    finished: bool
    percent: int
    tone: str
    mark: str
    label: str  # the badge's words
    text: str  # the line under the progress bar

    def as_json(self) -> dict:
        return asdict(self)


def progress_line(run: VerificationRun) -> str:
    return _("%(phase)s: %(checked)s of %(total)s checked (%(percent)s %%), %(rate)s/s") % {
        "phase": capfirst(run.phase_label),
        "checked": intcomma(run.checked),
        "total": intcomma(run.total),
        "percent": run.percent,
        "rate": intcomma(round(run.rate)),
    }


def run_state(run: VerificationRun, *, waiting_for_broker: bool = False) -> RunState:
    """The run's badge and progress line, both from its status and counts as they are now."""
    status = run.status if run.status in BADGES else Status.QUEUED
    tone, mark = BADGES[status]
    percent = run.percent
    if run.is_finished:
        label = str(Status(status).label)
        text = _("Finished: %(result)s.") % {"result": label.lower()}
    elif status == Status.RUNNING:
        label = _("Running, %(percent)s %%") % {"percent": percent}
        text = progress_line(run) if run.phase else _("Started: counting what to check…")
    else:
        label = str(Status.QUEUED.label)
        text = (
            _(
                "Queued: the task queue cannot be reached just now; the run starts by itself "
                "once it is back."
            )
            if waiting_for_broker
            else _("Waiting for a worker…")
        )
    return RunState(
        status=str(status),
        finished=run.is_finished,
        percent=percent,
        tone=tone,
        mark=mark,
        label=label,
        text=text,
    )
