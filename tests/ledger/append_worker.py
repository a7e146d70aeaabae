"""A separate process that appends entries, for the concurrency test.

Usage: python -m tests.ledger.append_worker WORKER_ID COUNT   (DATABASE_URL names the test DB)
"""

import os
import sys

import django


def main(worker: int, count: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    django.setup()
    from django.db import transaction

    from ledger.services import record

    for n in range(count):
        with transaction.atomic():
            record(
                actor=f"system:worker{worker}",
                action="thing.touched",
                subject=f"thing:{worker}",
                data={"n": n},
            )


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
