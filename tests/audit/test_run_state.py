"""A verification run's badge and progress line come from one state: never "Queued" at 100 %."""

import pytest
from django.urls import reverse

from eport.audit.models import VerificationRun
from eport.audit.run_state import run_state

Status = VerificationRun.Status


def run(status, *, phase="", checked=0, total=0):
    return VerificationRun(status=status, phase=phase, checked=checked, total=total)


def test_a_running_run_says_running_with_its_percent_even_at_100():
    state = run_state(run(Status.RUNNING, phase="reconciliation", checked=40, total=40))

    assert state.label == "Running, 100 %"
    assert state.tone == "info" and not state.finished and state.percent == 100
    assert state.text.startswith("Reconciliation: 40 of 40 checked (100 %)")


def test_a_running_run_without_counts_yet_says_it_started():
    state = run_state(run(Status.RUNNING))

    assert state.label == "Running, 0 %"
    assert state.text == "Started: counting what to check…"


@pytest.mark.parametrize(
    ("status", "label", "tone", "mark"),
    [
        (Status.PASSED, "Passed", "success", "✓"),
        (Status.FAILED, "Failed", "danger", "✗"),
        (Status.ERROR, "Could not finish", "danger", "!"),
    ],
)
def test_a_finished_run_says_how_it_finished(status, label, tone, mark):
    state = run_state(run(status, phase="chain", checked=7, total=10))

    assert (state.label, state.tone, state.mark, state.finished) == (label, tone, mark, True)
    assert state.text == f"Finished: {label.lower()}."


def test_a_passed_run_is_at_100_percent():
    assert run_state(run(Status.PASSED, phase="chain", checked=3, total=10)).percent == 100


def test_a_queued_run_says_what_it_waits_for():
    assert run_state(run(Status.QUEUED)).label == "Queued"
    assert run_state(run(Status.QUEUED)).text == "Waiting for a worker…"
    assert run_state(run(Status.QUEUED), waiting_for_broker=True).text.startswith(
        "Queued: the task queue cannot be reached just now"
    )


@pytest.mark.django_db
def test_the_page_badge_and_the_polled_state_say_the_same(client, world):
    client.force_login(world.auditor)
    started = VerificationRun.objects.create(
        requested_by=world.auditor, status=Status.RUNNING, phase="chain", checked=50, total=50
    )

    page = client.get(reverse("audit:run", args=[started.pk])).content.decode()
    polled = client.get(reverse("audit:run_progress", args=[started.pk])).json()

    assert polled["state"]["label"] == "Running, 100 %"
    assert polled["state"]["status"] == "running" and polled["state"]["tone"] == "info"
    badge = page.split("data-run-badge", 1)[1].split("</span></span>", 1)[0]
    assert "Running, 100 %" in badge and "Queued" not in badge
    assert polled["state"]["text"] in page
    history = client.get(reverse("audit:verification")).content.decode()
    assert "Running, 100 %" in history
