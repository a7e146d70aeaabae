"""Verify now: a run is queued, carried out with progress, and kept in the history."""

import pytest
from django.urls import reverse

from eport.audit.models import VerificationRun
from eport.audit.services import execute_run, request_verification
from ledger import notary
from tests.ledger.notary_support import tamper

pytestmark = pytest.mark.django_db


def test_verify_now_queues_one_run_after_commit(
    released, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        run = request_verification(actor=world.auditor)

    assert run.status == "queued"
    assert len(callbacks) == 1
    # A second click while it is queued shows the same run instead of piling up work.
    assert request_verification(actor=world.auditor) == run


def test_an_intact_ledger_passes_with_every_part_reported(released, world):
    run = VerificationRun.objects.create(requested_by=world.auditor)

    run = execute_run(run_id=run.pk)

    assert run.status == "passed", run.summary
    assert run.entries_checked == run.head_seq + 1
    assert run.chain_rate > 0
    assert run.checkpoints.startswith("checkpoints intact: 1 roots recomputed")
    assert run.declarations_checked == 1
    assert run.mismatch_count == 0
    assert run.percent == 100
    assert run.summary.startswith("Ledger intact:")


def test_a_changed_entry_fails_the_run_naming_the_entry(released, world, postgresql):
    tamper(
        "UPDATE ledger_entry SET canonical = convert_to(replace(convert_from(canonical, 'UTF8'), "
        "'\"state\":\"', '\"state\":\"0'), 'UTF8') WHERE seq = 3"
    )
    run = VerificationRun.objects.create(requested_by=world.auditor)

    run = execute_run(run_id=run.pk)

    assert run.status == "failed"
    assert run.failure_seq is not None
    assert run.failure_seq in (3, 4)
    assert f"entry {run.failure_seq}" in run.failure


def test_a_finished_run_is_not_run_again(released, world):
    run = execute_run(run_id=VerificationRun.objects.create(requested_by=world.auditor).pk)
    finished_at = run.finished_at

    again = execute_run(run_id=run.pk)

    assert again.finished_at == finished_at


def test_the_workspace_is_for_auditors_only(released, client, world):
    for person in (world.trader, world.officer):
        client.force_login(person)
        for name in ("audit:workspace", "audit:ledger", "audit:verification", "audit:checkpoints"):
            assert client.get(reverse(name)).status_code == 403
    client.logout()
    assert client.get(reverse("audit:ledger")).status_code == 302


def test_the_run_page_and_progress_show_the_result(released, client, world):
    client.force_login(world.auditor)
    response = client.post(reverse("audit:verification_start"), {"kind": "full"})
    run = VerificationRun.objects.get()
    assert response.url == reverse("audit:run", args=[run.pk])
    page = client.get(response.url).content.decode()
    assert "Waiting for a worker" in page and "Refresh" in page

    execute_run(run_id=run.pk)

    progress = client.get(reverse("audit:run_progress", args=[run.pk])).json()
    assert progress["finished"] is True and progress["status"] == "passed"
    page = client.get(reverse("audit:run", args=[run.pk])).content.decode()
    assert "Ledger intact" in page
    history = client.get(reverse("audit:verification")).content.decode()
    assert f"#{run.pk}" in history and "Passed" in history


def test_an_unknown_kind_is_refused_with_a_message(released, client, world):
    client.force_login(world.auditor)

    response = client.post(reverse("audit:verification_start"), {"kind": "everything"}, follow=True)

    assert "unknown verification kind" in response.content.decode()
    assert not VerificationRun.objects.exists()


def test_checkpoint_signatures_are_part_of_the_run(released, world, postgresql):
    checkpoint = notary.latest_notarized()
    tamper(
        "UPDATE ledger_checkpoint SET note = replace(note, %s, %s) WHERE size = %s",
        [checkpoint.note.split("\n")[2], "A" * 43 + "=", checkpoint.size],
    )
    run = execute_run(run_id=VerificationRun.objects.create(requested_by=world.auditor).pk)

    assert run.status == "failed"
    assert f"checkpoint {checkpoint.size}:" in run.checkpoints


def test_the_progress_line_is_in_the_readers_language(released, client, world):
    client.force_login(world.auditor)
    client.post(reverse("audit:verification_start"), {"kind": "full"})
    run = VerificationRun.objects.get()
    url = reverse("audit:run_progress", args=[run.pk])
    assert client.get(url).json()["progress_text"] == ""  # waiting: the page's own words say so
    VerificationRun.objects.filter(pk=run.pk).update(phase="chain", checked=12345, total=50000)

    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()["progress_text"]
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-CN").json()["progress_text"]

    assert english.startswith("Chain: 12,345 of 50,000 checked (")
    assert "12,345" in chinese and "Chain" not in chinese and "checked" not in chinese
