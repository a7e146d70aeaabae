"""Filing through the REST API under load: create + upload the invoice + submit, 10 items each.

Starts gunicorn (``--workers`` sync workers, production settings without DEBUG) on a free loopback
port against a scratch PostgreSQL database (``--database``, dropped and recreated), creates one
trader and one API token per client, then runs ``--clients`` concurrent client threads for
``--seconds`` seconds (after ``--warmup`` untimed seconds). Each client repeats: POST a draft with
``--items`` goods items, POST its invoice (multipart PDF), POST submit (road transport, so the
invoice is the only mandatory document; no risk rules, so every declaration is green and is
assessed by eport in the submit's transaction).

Printed: declarations/s, requests/s, and p50/p95/p99 latency of the whole three-request filing
and of each request. Figures are printed and written to bench/results/api.txt, never asserted.
Needs DATABASE_URL naming a PostgreSQL server (``make bench`` starts a throwaway one); uses
REDIS_URL for the throttling cache when set.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    ROOT,
    CpuMeter,
    Report,
    child_env,
    environment_lines,
    free_port,
    load_line,
    percentile,
    positive,
    setup,
    start_gunicorn,
    table,
    wait_ready,
)

CPU_PARTS = ("server", "database", "clients")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=positive, default=20, help="concurrent clients (20)")
    parser.add_argument("--seconds", type=positive, default=30, help="timed seconds (30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed seconds first (3)")
    parser.add_argument("--items", type=positive, default=10, help="goods items each (10)")
    parser.add_argument(
        "--workers",
        type=positive,
        default=max(2, 2 * (os.cpu_count() or 1) + 1),
        help="gunicorn sync workers (default 2 × CPUs + 1)",
    )
    parser.add_argument(
        "--database", default="eport_bench_api", help="scratch database, recreated (%(default)s)"
    )
    return parser.parse_args(argv)


def prepare(clients: int) -> list[str]:
    """Reference rows, an office, a company, and one trader with a token per client."""
    from decimal import Decimal

    from eport.accounts.models import Company, CustomsOffice, User
    from eport.accounts.usci import usci_check_character
    from eport.api.tokens import create_token
    from eport.reference import codes
    from eport.reference.models import HsCode, TariffLine

    HsCode.objects.create(
        code="847130", level=6, section="XVI", parent="8471", description="Laptops"
    )
    TariffLine.objects.create(hs_prefix="8471", duty_rate=Decimal("0"), vat_rate=Decimal("13"))
    codes.clear_caches()
    CustomsOffice.objects.create(code="2201", name="Shanghai Customs District")
    first17 = "91310000MA1FL0000"
    company = Company.objects.create(
        usci=first17 + usci_check_character(first17), name="Bench Trading Co., Ltd."
    )
    secrets = []
    for n in range(clients):
        trader = User.objects.create_user(
            username=f"bench{n}", password=None, role="trader", company=company
        )
        secrets.append(create_token(actor=trader, name="bench")[1])
    return secrets


def draft_body(lrn: str, items: int) -> bytes:
    value = "100.00"
    body = {
        "office": "2201",
        "flow": "import",
        "procedure_code": "4000",
        "lrn": lrn,
        "consignor_name": "Hamburg Exports GmbH",
        "consignor_country": "DE",
        "consignee_name": "Bench Trading Co., Ltd.",
        "consignee_country": "CN",
        "dispatch_country": "DE",
        "destination_country": "CN",
        "transport_mode": "3",
        "transport_document": "CMR123456",
        "incoterm": "CIF",
        "incoterm_place": "Shanghai",
        "invoice_currency": "EUR",
        "invoice_total": f"{100 * items}.00",
        "exchange_rate": "7.800000",
        "items": [
            {
                "hs_code": "8471300000",
                "description": f"Laptop model {n}",
                "origin_country": "DE",
                "quantity": "1",
                "unit": "PCE",
                "net_mass": "2.000",
                "gross_mass": "2.500",
                "invoice_value": value,
            }
            for n in range(items)
        ],
    }
    return json.dumps(body).encode()


def multipart(fields: dict, file_bytes: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    head = "".join(parts) + (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="invoice.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    )
    body = head.encode() + file_bytes + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


class Client(threading.Thread):
    def __init__(self, number: int, port: int, secret: str, items: int, stop: threading.Event):
        super().__init__(daemon=True)
        self.number, self.port, self.items, self.stop = number, port, items, stop
        self.auth = f"Bearer {secret}"
        self.samples: list[tuple[float, float, float, float, float]] = []  # end, total, 3 steps
        self.errors: list[str] = []

    def request(self, method, path, body, content_type):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(
                method,
                path,
                body=body,
                headers={"Authorization": self.auth, "Content-Type": content_type},
            )
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def file_one(self, sequence: int) -> None:
        lrn = f"B{self.number}-{sequence}"
        started = time.perf_counter()
        status, raw = self.request(
            "POST", "/api/v1/declarations/", draft_body(lrn, self.items), "application/json"
        )
        created = time.perf_counter()
        if status != 201:
            raise RuntimeError(f"create answered {status}: {raw[:300]!r}")
        declaration = json.loads(raw)
        base = f"/api/v1/declarations/{declaration['uuid']}/"
        body, content_type = multipart(
            {"type": "380", "reference": f"INV-{lrn}"}, PDF + lrn.encode()
        )
        status, raw = self.request("POST", base + "documents/", body, content_type)
        uploaded = time.perf_counter()
        if status != 201:
            raise RuntimeError(f"upload answered {status}: {raw[:300]!r}")
        version = json.dumps({"version": json.loads(raw)["declaration_version"]}).encode()
        status, raw = self.request("POST", base + "submit/", version, "application/json")
        done = time.perf_counter()
        if status != 200 or json.loads(raw)["status"] != "assessed":
            raise RuntimeError(f"submit answered {status}: {raw[:300]!r}")
        self.samples.append(
            (done, done - started, created - started, uploaded - created, done - uploaded)
        )

    def run(self):
        sequence = 0
        while not self.stop.is_set():
            sequence += 1
            try:
                self.file_one(sequence)
            except Exception as error:
                self.errors.append(str(error))
                time.sleep(0.05)


def main(argv=None) -> None:
    args = parse_args(argv)
    setup(args.database)
    from django.db import connection

    report = Report("api")
    report(
        f"# REST API filing throughput: create + invoice upload + submit, {args.items} items each",
        *environment_lines(),
        f"gunicorn: {args.workers} sync workers; clients: {args.clients} threads, one token each",
        "",
    )
    secrets = prepare(args.clients)
    connection.close()

    port = free_port()
    # The server runs the production settings (the benchmark settings serve no URLs).
    env = child_env() | {
        "DJANGO_SETTINGS_MODULE": "eport.settings",
        "DJANGO_DEBUG": "0",  # whatever the caller's shell says: DEBUG records every query
        "DJANGO_SECRET_KEY": "eport-benchmark-server-not-for-production",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "EPORT_API_RATE": "1000000/minute",
        "EPORT_LOG_LEVEL": "WARNING",
    }
    server = start_gunicorn(port, args.workers, env)
    try:
        wait_ready(port, server, "/api/schema/")
        stop = threading.Event()
        clients = [Client(n, port, secret, args.items, stop) for n, secret in enumerate(secrets)]
        for client in clients:
            client.start()
        time.sleep(args.warmup)
        meter = CpuMeter(server.pid, args.database)
        before = meter.snapshot()
        begin = time.perf_counter()
        time.sleep(args.seconds)
        end = time.perf_counter()
        cpu = CpuMeter.spent(before, meter.snapshot())
        stop.set()
        for client in clients:
            client.join(timeout=120)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    samples = [s for c in clients for s in c.samples if begin <= s[0] <= end]
    errors = [e for c in clients for e in c.errors]
    elapsed = end - begin
    rows = []
    for label, index in (("filing (3 requests)", 1), ("create", 2), ("upload", 3), ("submit", 4)):
        values = [s[index] * 1000 for s in samples]
        rows.append(
            [
                label,
                f"{statistics.mean(values):.1f}" if values else "-",
                f"{percentile(values, 0.50):.1f}",
                f"{percentile(values, 0.95):.1f}",
                f"{percentile(values, 0.99):.1f}",
            ]
        )
    filed = max(len(samples), 1)
    ours = cpu["server"] + cpu["database"] + cpu["clients"]
    cpus = os.cpu_count() or 1
    report(
        f"declarations filed in {elapsed:.1f} s: {len(samples)}",
        f"throughput: {len(samples) / elapsed:.1f} declarations/s, "
        f"{3 * len(samples) / elapsed:.1f} requests/s",
        f"errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""),
        "",
        *table(["latency (ms)", "mean", "p50", "p95", "p99"], rows),
        "",
        "CPU per filing, ms (gunicorn, its PostgreSQL backends, the client threads); filings/s "
        "if these CPUs were ours alone; how busy the machine was, and our share of it:",
        *table(
            ["server", "database", "clients", "all", "filings/s", "busy", "ours"],
            [
                [
                    *(f"{cpu[key] / filed * 1000:.1f}" for key in CPU_PARTS),
                    f"{ours / filed * 1000:.1f}",
                    f"{cpus * filed / ours:.0f}" if ours else "-",
                    f"{cpu['machine'] / (cpus * elapsed):.0%}",
                    f"{ours / cpu['machine']:.0%}" if cpu["machine"] else "-",
                ]
            ],
        ),
        load_line(),
        "",
        "Target: ≤ 25 ms of CPU per filing in all, ≥ 70 declarations/s with p95 ≤ 400 ms under 20 "
        "clients, 0 errors.",
    )
    report(f"written to {report.save().relative_to(ROOT)}")


if __name__ == "__main__":
    main()
