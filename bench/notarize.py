"""What notarization costs: extending the tree and signing, and serving proofs from stored nodes.

  notarize  time for ``ledger.notary.notarize()`` to take in 100,000 new entries (stream their
            bytes, hash, extend the frontier, COPY the new subtree hashes, sign), in rounds on a
            growing ledger; then the three witnesses' cosignatures, all asked at once
            (``witness.catch_up()``: consistency proof, HTTP round trip, signature check, store).
  proofs    inclusion and consistency proof latency, p50/p95, on the 1,000,000-entry ledger:
            through ``ledger.proofs`` directly and through the HTTP views (Django's test client,
            the whole middleware stack, JSON encoding included).
  latency   notarization latency with three HTTP witnesses, p50/p95 over 1,000 checkpoints: append
            a few entries, then time ``notarize()`` + ``catch_up()`` until the checkpoint carries
            the quorum's cosignatures. A scheduled run starts up to EPORT_CHECKPOINT_INTERVAL after
            an append, so the latency from append is this figure plus the configured interval.

The witnesses are three real witness servers (``python -m ledger.witness_server serve``), separate
processes with their own keys (``keygen``) and SQLite state in a temporary folder, reached over
loopback HTTP as members' servers are (EPORT_WITNESSES ``<verifier key> <URL>``, quorum 2).

Targets: notarizing 100,000 entries <= 2 s; a proof <= 5 ms; notarization latency p95 <= 200 ms
plus the configured interval. Figures are printed and written to bench/results/notarize.txt, never
asserted. Needs DATABASE_URL naming PostgreSQL (`make bench` starts a throwaway server); works in
its own database, dropped and recreated on every run.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, Report, environment_lines, free_port, positive, setup, table

WITNESS_NAMES = ("customs.witness", "commerce.witness", "bank.witness")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="eport_bench_notary")
    parser.add_argument("--size", type=int, default=1_000_000, help="final ledger size")
    parser.add_argument("--batch", type=int, default=100_000, help="entries per timed round")
    parser.add_argument("--rounds", type=int, default=3, help="timed notarization rounds")
    parser.add_argument("--samples", type=int, default=2000, help="proofs per latency figure")
    parser.add_argument(
        "--checkpoints", type=positive, default=1000, help="checkpoints timed for the latency"
    )
    parser.add_argument(
        "--entries", type=positive, default=5, help="entries appended before each of them"
    )
    return parser.parse_args(argv)


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return statistics.median(ordered), p95, ordered[-1]


def ms(value: float) -> str:
    return f"{value * 1000:.2f}"


class WitnessServer:
    """One member's witness server: ``keygen``, then ``serve`` on a free loopback port."""

    def __init__(self, name: str, folder: Path, log_key: str):
        self.name = name
        self.folder = folder
        self.log_key = log_key
        self.key = folder / f"{name}.key"
        self.log = folder / f"{name}.log"
        done = subprocess.run(
            [*self.command("keygen"), "--name", name, "--key", str(self.key)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        self.verifier_key = done.stdout.strip()
        self.port = free_port()
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [
                    *self.command("serve"),
                    *("--name", name, "--key", str(self.key), "--log-key", log_key),
                    *("--state", str(folder / f"{name}.state.sqlite3")),
                    *("--listen", f"127.0.0.1:{self.port}"),
                ],
                cwd=ROOT,
                stdout=log,
                stderr=log,
            )

    @staticmethod
    def command(action: str) -> list[str]:
        return [sys.executable, "-m", "ledger.witness_server", action]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.url + "/", timeout=5):
                    return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"witness {self.name} did not start: {self.log.read_text()}"
                    ) from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def main(argv=None) -> None:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="eport-bench-keys-") as keys_dir:
        os.environ["EPORT_KEYS_DIR"] = keys_dir
        setup(args.database)
        from django.conf import settings

        from ledger import keys

        # The ledger's key only: each witness server makes and keeps its own.
        settings.EPORT_WITNESSES = []
        keys.clear_cache()
        keys.ensure_keys()
        folder = Path(keys_dir) / "members"
        folder.mkdir()
        servers = []
        try:
            for name in WITNESS_NAMES:
                servers.append(WitnessServer(name, folder, str(keys.ledger_verifier())))
            for server in servers:
                server.wait_ready()
            settings.EPORT_WITNESSES = [f"{s.verifier_key} {s.url}" for s in servers]
            settings.EPORT_WITNESS_QUORUM = 2
            keys.clear_cache()
            run(args)
        finally:
            for server in servers:
                server.stop()


def run(args: argparse.Namespace) -> None:
    from django.conf import settings
    from django.db import connection
    from django.test import Client, override_settings

    from bench.ledgerdata import build_ledger
    from ledger import conf, keys, notary, proofs, witness
    from ledger.services import record

    report = Report("notarize")
    report(*environment_lines(), "")
    report(
        f"witnesses: {len(keys.witness_names())} witness server processes "
        "(python -m ledger.witness_server serve) on loopback HTTP, quorum "
        f"{settings.EPORT_WITNESS_QUORUM}, EPORT_WITNESS_TIMEOUT {conf.witness_timeout():g} s",
        "",
    )

    # --- notarize -------------------------------------------------------------------------------
    first = args.size - args.rounds * args.batch
    started = time.perf_counter()
    build_ledger(first)
    built = time.perf_counter() - started
    started = time.perf_counter()
    notary.notarize(cosign="none")
    initial = time.perf_counter() - started
    report(
        f"ledger of {first:,} entries built in {built:.1f} s; first notarization of all "
        f"{first:,} in {initial:.2f} s ({first / initial:,.0f} entries/s)",
        "",
    )
    witness.catch_up()
    assert notary.is_notarized(notary.latest_notarized())

    rows = []
    for _ in range(args.rounds):
        size_before = notary.latest_notarized().size
        build_ledger(size_before + args.batch)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE ledger_entry")
        started = time.perf_counter()
        checkpoint = notary.notarize(cosign="none")
        elapsed = time.perf_counter() - started
        started = time.perf_counter()
        outcomes = witness.catch_up()
        cosigning = time.perf_counter() - started
        assert notary.is_notarized(checkpoint), outcomes
        rows.append(
            [
                f"{size_before:,} -> {checkpoint.size:,}",
                f"{checkpoint.size - size_before:,}",
                f"{elapsed:.2f}",
                f"{(checkpoint.size - size_before) / elapsed:,.0f}",
                ms(cosigning),
            ]
        )
    report(
        "notarize: new entries -> stored subtrees + signed checkpoint (target <= 2 s per 100,000)",
        "(cosign: the three HTTP witnesses asked at once, until every answer is stored)",
        *table(["tree", "new entries", "seconds", "entries/s", "cosign ms"], rows),
        "",
    )

    # --- proofs ---------------------------------------------------------------------------------
    size = notary.latest_notarized().size
    sizes = list(notary.notarized_checkpoints().values_list("size", flat=True))
    rng = random.Random(4)
    client = Client()

    def timed(call, count) -> list[float]:
        samples = []
        for _ in range(count):
            started = time.perf_counter()
            call()
            samples.append(time.perf_counter() - started)
        return samples

    def http(path, params):
        response = client.get(path, params)
        if response.status_code != 200:
            raise RuntimeError(f"{path} {params}: {response.status_code} {response.content!r}")

    with override_settings(ALLOWED_HOSTS=["testserver"], ROOT_URLCONF="eport.urls"):
        http("/ledger/proof/inclusion", {"index": 0, "tree_size": size})  # warm up
        measured = {
            "inclusion, ledger.proofs": timed(
                lambda: proofs.inclusion_proof(rng.randrange(size), size), args.samples
            ),
            "consistency, ledger.proofs": timed(
                lambda: proofs.consistency_proof(rng.randrange(1, size), size), args.samples
            ),
            "inclusion, HTTP view": timed(
                lambda: http(
                    "/ledger/proof/inclusion", {"index": rng.randrange(size), "tree_size": size}
                ),
                args.samples,
            ),
            "consistency, HTTP view": timed(
                lambda: http(
                    "/ledger/proof/consistency",
                    {"old_size": rng.choice(sizes[:-1]), "new_size": size},
                ),
                args.samples,
            ),
            "latest checkpoint, HTTP view": timed(
                lambda: http("/ledger/checkpoint", {}), args.samples
            ),
        }
    rows = [[name, *map(ms, percentiles(samples))] for name, samples in measured.items()]
    report(
        f"proof latency on a {size:,}-entry ledger, {args.samples:,} random proofs each "
        "(target <= 5 ms)",
        *table(["proof", "p50 ms", "p95 ms", "max ms"], rows),
        "",
    )

    # --- latency --------------------------------------------------------------------------------
    def append(count: int) -> None:
        for n in range(count):
            record(actor="system:bench", action="bench.appended", subject="bench:1", data={"n": n})

    append(args.entries)  # warm up: connections to the witnesses, caches
    notary.notarize(cosign="inline")
    samples: dict[str, list[float]] = {"append": [], "notarize": [], "cosign": [], "total": []}
    rounds = []
    for _ in range(args.checkpoints):
        started = time.perf_counter()
        append(args.entries)
        appended = time.perf_counter()
        checkpoint = notary.notarize(cosign="none")
        signed = time.perf_counter()
        asked = 0
        while not notary.is_notarized(checkpoint):
            witness.catch_up()
            asked += 1
            if asked > 10:
                raise RuntimeError(f"checkpoint {checkpoint.size} not notarized after 10 rounds")
        done = time.perf_counter()
        rounds.append(asked)
        samples["append"].append(appended - started)
        samples["notarize"].append(signed - appended)
        samples["cosign"].append(done - signed)
        samples["total"].append(done - appended)
    names = {
        "append": f"append {args.entries} entries (not counted below)",
        "notarize": "notarize(): extend, store, sign",
        "cosign": "catch_up() until the quorum cosigned",
        "total": "notarize() + catch_up(): the latency",
    }
    rows = [[names[key], *map(ms, percentiles(values))] for key, values in samples.items()]
    p50, p95, _ = percentiles(samples["total"])
    interval = conf.checkpoint_interval()
    report(
        f"notarization latency with {len(keys.witness_names())} HTTP witnesses, over "
        f"{args.checkpoints:,} checkpoints of {args.entries} new entries each, ledger of "
        f"{notary.latest_notarized().size:,} (target p95 <= 200 ms + the configured interval)",
        *table(["step", "p50 ms", "p95 ms", "max ms"], rows),
        f"catch_up() rounds per checkpoint: max {max(rounds)}",
        f"append -> quorum-cosigned checkpoint: p50 {ms(p50)} ms, p95 {ms(p95)} ms, "
        f"+ the configured interval (EPORT_CHECKPOINT_INTERVAL = {interval:g} s: the "
        "scheduler starts a run up to that long after an append)",
    )
    report("", f"saved to {report.save()}")


if __name__ == "__main__":
    main()
