"""A real Celery worker in its own process, for the notarization tests.

Usage: python -m tests.ledger.notary_worker [celery worker options]
(DATABASE_URL names the test database, REDIS_URL the broker). When NOTARY_TEST_PAUSE_FILE is set,
the notarizer stops half-way through its transaction, after writing subtree hashes and before
committing, writes that file and sleeps, so a test can kill the worker at exactly that point.
"""

import os
import sys
import time
from pathlib import Path

import django


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    django.setup()
    pause_file = os.environ.get("NOTARY_TEST_PAUSE_FILE")
    if pause_file:
        from ledger import notary

        insert_nodes = notary._insert_nodes

        def insert_then_hang(connection, nodes):
            insert_nodes(connection, nodes)
            Path(pause_file).write_text(str(os.getpid()))
            time.sleep(3600)

        notary._insert_nodes = insert_then_hang

    from eport.celery import app

    app.worker_main(["worker", *argv])


if __name__ == "__main__":
    main(sys.argv[1:])
