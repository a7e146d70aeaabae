"""One appending process for the throughput benchmark (started by ``bench/ledger_write.py``).

Protocol on stdin/stdout: prints ``ready`` once connected, waits for a line on stdin, then appends
one entry per transaction for ``--seconds`` and prints how many it appended.
"""

import argparse
import hashlib
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--worker", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction

    from ledger.services import record

    connection.ensure_connection()
    print("ready", flush=True)
    sys.stdin.readline()
    actor = f"system:bench{args.worker}"
    appended = 0
    deadline = time.perf_counter() + args.seconds
    while time.perf_counter() < deadline:
        with transaction.atomic():
            record(
                actor=actor,
                action="declaration.submitted",
                subject=f"declaration:bench-{args.worker}-{appended}",
                data={
                    "status": "submitted",
                    "invoice_total": "125000.00",
                    "state": hashlib.sha256(f"{args.worker}:{appended}".encode()).hexdigest(),
                },
            )
        appended += 1
    print(appended, flush=True)


if __name__ == "__main__":
    main()
