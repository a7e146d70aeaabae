"""Notarization through real Celery workers on Redis: beat, threshold, duplicates, kills."""

import signal
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from ledger import merkle, notary, tasks
from ledger.models import Checkpoint, Node
from ledger.verify_checkpoints import verify_checkpoints
from tests.celery_worker import CeleryWorker

from .notary_support import WITNESSES, append, database_url, leaf_hashes, ledger_keys  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.usefixtures("ledger_keys"), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis(postgresql):
    if not django_settings.REDIS_URL:
        pytest.skip("needs Redis: run through `make test`")
    from eport.celery import app

    app.control.purge()  # tasks left over from an earlier test must not run against this one
    return django_settings.REDIS_URL


@pytest.fixture
def workers(tmp_path):
    started = []

    def start(*, beat: bool, pool: str = "solo", pause_file=None, **env) -> CeleryWorker:
        if pause_file:
            env["NOTARY_TEST_PAUSE_FILE"] = pause_file
        name = f"notary-{uuid.uuid4().hex[:8]}"
        worker = CeleryWorker(
            tmp_path / name,
            name=name,
            program=("tests.ledger.notary_worker",),
            pool=pool,
            concurrency=4,
            beat=beat,
            env=env,
        )
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def notarized_size() -> int:
    latest = notary.latest_notarized()
    return latest.size if latest else 0


def assert_checkpoints_match_the_entries() -> None:
    leaves = leaf_hashes()
    sizes = list(Checkpoint.objects.values_list("size", flat=True))
    assert sizes == sorted(set(sizes))
    for checkpoint in Checkpoint.objects.all():
        assert bytes(checkpoint.root) == merkle.root_from_leaves(leaves[: checkpoint.size])
    size = sizes[-1]
    assert Node.objects.count() == 2 * size - size.bit_count()
    report = verify_checkpoints()
    assert report.ok, report.problems


def test_the_scheduled_task_notarizes_and_every_witness_cosigns(redis, workers):
    append(5)
    worker = workers(beat=True, EPORT_CHECKPOINT_INTERVAL=1)

    worker.wait_for(lambda: notarized_size() == 6, timeout=60, what="checkpoint 6")
    append(3)
    worker.wait_for(lambda: notarized_size() == 9, timeout=30, what="checkpoint 9")
    latest = notary.latest_notarized()
    worker.wait_for(
        lambda: latest.cosignatures.count() == len(WITNESSES),
        timeout=30,
        what="every witness's cosignature",
    )

    assert_checkpoints_match_the_entries()
    assert set(latest.cosignatures.values_list("witness", flat=True)) == set(WITNESSES)


def test_enough_waiting_entries_ask_for_a_checkpoint_without_the_schedule(redis, workers, settings):
    settings.EPORT_CHECKPOINT_MAX_ENTRIES = 10
    worker = workers(beat=False)  # no scheduler: only record() can ask

    append(8)  # seq 0..8: nobody asks yet
    time.sleep(2)
    assert not Checkpoint.objects.exists()
    append(2)  # seq 10 is the tenth entry since 0: record() asks after commit

    worker.wait_for(lambda: notarized_size() >= 11, timeout=60, what="a checkpoint")
    assert_checkpoints_match_the_entries()


def test_duplicated_concurrent_tasks_make_one_checkpoint_per_size(redis, workers):
    append(400)
    worker = workers(beat=False, pool="prefork")  # four processes take tasks at once

    for _ in range(12):
        tasks.notarize.delay()
    worker.wait_for(lambda: notarized_size() == 401, timeout=60, what="checkpoint 401")
    time.sleep(2)  # let the duplicates finish

    assert list(Checkpoint.objects.values_list("size", flat=True)) == [401]
    assert "Traceback" not in worker.output(tail=None)
    assert_checkpoints_match_the_entries()


def test_a_worker_killed_mid_notarization_loses_nothing_and_the_next_catches_up(
    redis, workers, tmp_path
):
    # Given entries, a checkpoint, and more entries waiting
    append(30)
    notary.notarize()
    append(300)
    pause_file = tmp_path / "paused"
    doomed = workers(beat=False, pause_file=pause_file)
    tasks.notarize.delay()

    # when the worker is killed after writing subtree hashes but before committing
    doomed.wait_for(pause_file.exists, timeout=60, what="the notarizer to pause")
    doomed.kill(signal.SIGKILL)

    # then nothing of its transaction is left
    assert list(Checkpoint.objects.values_list("size", flat=True)) == [31]
    assert Node.objects.count() == 2 * 31 - (31).bit_count()
    # and a restarted worker's next scheduled run notarizes everything, with no gap
    append(7)
    survivor = workers(beat=True, EPORT_CHECKPOINT_INTERVAL=1)
    survivor.wait_for(lambda: notarized_size() == 338, timeout=60, what="checkpoint 338")
    assert list(Checkpoint.objects.values_list("size", flat=True)) == [31, 338]
    assert_checkpoints_match_the_entries()
