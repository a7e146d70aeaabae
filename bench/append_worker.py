"""One appending process for the throughput benchmark (started by ``bench/ledger_write.py``).

Protocol on stdin/stdout: prints ``ready`` once connected, waits for a line on stdin, then appends
one entry per transaction for ``--seconds`` and prints one JSON line: how many it appended, its
own CPU seconds, its PostgreSQL backend's CPU seconds, and its round trips and the wall seconds
spent waiting on them (counted and timed as ``bench.ledger_write.RoundTrips`` does).
"""

import argparse
import hashlib
import json
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

    from bench.ledger_write import RoundTrips, backend_cpu
    from ledger.services import record

    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    print("ready", flush=True)
    sys.stdin.readline()
    actor = f"system:bench{args.worker}"
    appended = 0
    trips = RoundTrips()
    stop = trips.install()
    server_before = backend_cpu(backend)
    client_before = time.process_time()
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
    client = time.process_time() - client_before
    server_after = backend_cpu(backend)
    stop()
    server = None if server_before is None or server_after is None else server_after - server_before
    result = {
        "appended": appended,
        "client_cpu": client,
        "server_cpu": server,
        "round_trips": trips.round_trips,
        "round_trip_seconds": trips.seconds,
    }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
