"""gunicorn hooks for Prometheus with several workers: ``gunicorn -c python:eport.ops.gunicorn``.

With ``PROMETHEUS_MULTIPROC_DIR`` set (an empty directory only this server writes), every worker
writes its counters there and /metrics adds them up, so a scrape counts every worker's requests,
not just those of the worker that answered it. The directory is emptied when the server starts
and a dead worker's live gauges are dropped. Without the variable these hooks do nothing.
"""

import os
from pathlib import Path


def _folder() -> Path | None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return Path(folder) if folder else None


def on_starting(server):
    folder = _folder()
    if folder is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):  # an earlier run's counts would be added to this one's
        stale.unlink()


def child_exit(server, worker):
    if _folder() is None:
        return
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
