"""The auditor's verification in a real Celery prefork worker, the chain checked in processes."""

import uuid

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction

from bench.ledgerdata import build_ledger
from eport.audit.models import VerificationRun
from eport.audit.services import run_verification
from ledger import verify
from ledger.verify import verify_chain
from tests.celery_worker import CeleryWorker

pytestmark = pytest.mark.django_db(transaction=True)

# Two ranges of more than one chunk each: what a worker with EPORT_VERIFY_WORKERS=2 splits.
SIZE = 2 * verify.MIN_RANGE + 2000


@pytest.fixture
def redis(postgresql):
    if not django_settings.REDIS_URL:
        pytest.skip("needs Redis: run through `make test`")
    from eport.celery import app

    app.control.purge()  # tasks left over from an earlier test must not run against this one
    return django_settings.REDIS_URL


@pytest.fixture
def worker(redis, tmp_path):
    name = f"audit-{uuid.uuid4().hex[:8]}"
    # Prefork: the task runs in a daemonic pool child, which must still start the range checkers.
    started = CeleryWorker(
        tmp_path / name, name=name, pool="prefork", concurrency=1, env={"EPORT_VERIFY_WORKERS": 2}
    )
    yield started
    started.stop()


def tamper(sql: str, params=()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


def finished(run: VerificationRun) -> VerificationRun | None:
    run.refresh_from_db()
    return run if run.is_finished else None


def test_a_prefork_worker_checks_the_chain_in_processes_and_names_the_first_break(worker):
    build_ledger(SIZE)
    broken = SIZE - 1000  # in the second range
    tamper(
        "UPDATE ledger_entry SET actor = 'system:someone_else' WHERE seq IN (%s, %s)",
        [broken, SIZE - 10],
    )
    one_pass = verify_chain(workers=1)
    run = VerificationRun.objects.create()

    run_verification.delay(run.pk)
    run = worker.wait_for(lambda: finished(run), timeout=240, what="the verification run")

    assert run.status == "failed", run.summary
    assert (run.failure_seq, run.entries_checked) == (broken, broken)
    assert run.failure == str(one_pass.failure)
    assert (run.head_seq, run.head_hash) == (one_pass.head_seq, one_pass.head_hash)
    assert f"verifying entries 0–{SIZE - 1} in 2 processes" in worker.output(tail=None)
