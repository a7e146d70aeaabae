"""Reconciliation: a change made in the database behind the application's back is found."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from eport.audit import reconcile
from eport.audit.models import Mismatch, VerificationRun
from eport.audit.reconcile import reconcile_declarations
from eport.audit.services import execute_run
from eport.declarations.models import Declaration
from ledger.models import Entry
from tests.declarations import factories as f

pytestmark = pytest.mark.django_db


def findings():
    found = []
    report = reconcile_declarations(on_finding=found.append)
    return report, found


def test_declarations_changed_only_through_the_application_all_match(released, world):
    f.submitted(world.trader, lane="yellow", lrn="LRN-2")
    f.draft(world.trader, lrn="LRN-3")

    report, found = findings()

    assert report.ok, found
    assert report.checked == 3
    assert found == []


@pytest.mark.smoke
def test_an_out_of_band_sql_update_of_a_value_is_flagged(released, world):
    other = f.submitted(world.trader, lane="yellow", lrn="LRN-2")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE declarations_declaration SET invoice_total = %s WHERE id = %s",
            ["999999.00", released.pk],
        )

    report, found = findings()

    assert not report.ok
    assert [(item.kind, item.number) for item in found] == [("state", released.number)]
    latest = Entry.objects.filter(subject=released.ledger_subject).order_by("-seq").first()
    assert found[0].entry_seq == latest.seq
    assert found[0].ledger_state == latest.data["state"]
    assert found[0].live_state != found[0].ledger_state
    assert other.ledger_subject not in {item.subject for item in found}


def test_an_out_of_band_change_to_a_goods_item_is_flagged(released):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE declarations_goodsitem SET hs_code = %s WHERE declaration_id = %s",
            ["8517120000", released.pk],
        )

    _, found = findings()

    assert [item.kind for item in found] == ["state"]


def test_a_declaration_deleted_behind_the_applications_back_is_flagged(released, world):
    draft = f.draft(world.trader, lrn="LRN-9")
    subject = draft.ledger_subject
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM declarations_goodsitem WHERE declaration_id = %s", [draft.pk])
        cursor.execute("DELETE FROM declarations_declaration WHERE id = %s", [draft.pk])

    _, found = findings()

    assert [(item.kind, item.subject) for item in found] == [("missing", subject)]


def test_a_declaration_inserted_without_a_ledger_entry_is_flagged(released, world):
    draft = f.draft(world.trader, lrn="LRN-9")
    with connection.cursor() as cursor:
        # Pretend the row was written directly: its entries belong to another subject now.
        cursor.execute(
            "UPDATE declarations_declaration SET uuid = %s WHERE id = %s",
            [
                "00000000-0000-4000-8000-000000000001".replace("-", "")
                if connection.vendor == "sqlite"
                else "00000000-0000-4000-8000-000000000001",
                draft.pk,
            ],
        )

    _, found = findings()

    kinds = sorted(item.kind for item in found)
    assert kinds == ["missing", "no_entry"]


def test_reconcile_only_run_records_the_mismatches(released, world):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE declarations_declaration SET consignee_name = %s WHERE id = %s",
            ["Someone Else Ltd.", released.pk],
        )
    run = VerificationRun.objects.create(kind="reconcile", requested_by=world.auditor)

    run = execute_run(run_id=run.pk)

    assert run.status == "failed"
    assert run.mismatch_count == 1
    assert "1 mismatch(es)" in run.summary
    mismatch = Mismatch.objects.get(run=run)
    assert mismatch.number == released.number
    assert mismatch.get_kind_display() == "Live state differs from the ledger"


def test_a_change_committed_while_the_batch_was_read_is_not_a_finding(world, monkeypatch):
    draft = f.ready(world.trader, lrn="LRN-2")
    # The batch is read just before the trader's submission commits (status, number, lane, bill).
    stale = list(Declaration.objects.select_related("company", "office"))
    f.submit(draft, world.trader)
    rows = reconcile._row_batches

    def read_before_the_change(subjects):
        if subjects is reconcile.DECLARATIONS:
            yield stale
        else:
            yield from rows(subjects)

    monkeypatch.setattr(reconcile, "_row_batches", read_before_the_change)

    report, found = findings()

    assert found == [] and report.checked == 1


def test_the_reconcile_command_prints_the_summary_and_exits_1_naming_each_finding(released, world):
    out = io.StringIO()
    call_command("reconcile", stdout=out)
    assert "match the state of their latest ledger entry" in out.getvalue()

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE declarations_declaration SET invoice_total = %s WHERE id = %s",
            ["999999.00", released.pk],
        )
    err = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("reconcile", stdout=io.StringIO(), stderr=err)

    assert failed.value.returncode == 1
    assert f"state {released.ledger_subject} {released.number}" in err.getvalue()
    assert "mismatch" in str(failed.value)
