"""What notarization costs: extending the tree and signing, and serving proofs from stored nodes.

  notarize  time for ``ledger.notary.notarize()`` to take in 100,000 new entries (stream their
            bytes, hash, extend the frontier, COPY the new subtree hashes, sign), in rounds on a
            growing ledger; then the three witnesses' cosignatures (consistency proof + signature).
  proofs    inclusion and consistency proof latency, p50/p95, on the 1,000,000-entry ledger:
            through ``ledger.proofs`` directly and through the HTTP views (Django's test client,
            the whole middleware stack, JSON encoding included).

Targets: notarizing 100,000 entries <= 2 s; a proof <= 5 ms. Figures are printed and written to
bench/results/notarize.txt, never asserted. Needs DATABASE_URL naming PostgreSQL (`make bench`
starts a throwaway server); works in its own database, dropped and recreated on every run.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Report, environment_lines, setup, table


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="eport_bench_notary")
    parser.add_argument("--size", type=int, default=1_000_000, help="final ledger size")
    parser.add_argument("--batch", type=int, default=100_000, help="entries per timed round")
    parser.add_argument("--rounds", type=int, default=3, help="timed notarization rounds")
    parser.add_argument("--samples", type=int, default=2000, help="proofs per latency figure")
    return parser.parse_args(argv)


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return statistics.median(ordered), p95, ordered[-1]


def ms(value: float) -> str:
    return f"{value * 1000:.2f}"


def main(argv=None) -> None:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="eport-bench-keys-") as keys_dir:
        os.environ["EPORT_KEYS_DIR"] = keys_dir
        run(args)


def run(args: argparse.Namespace) -> None:
    setup(args.database)

    from django.db import connection
    from django.test import Client, override_settings

    from bench.ledgerdata import build_ledger
    from ledger import keys, notary, proofs, witness

    report = Report("notarize")
    report(*environment_lines(), "")
    keys.ensure_keys()

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
    for name in keys.witness_names():
        witness.catch_up(name)

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
        for name in keys.witness_names():
            witness.catch_up(name)
        cosigning = time.perf_counter() - started
        assert notary.is_notarized(checkpoint)
        rows.append(
            [
                f"{size_before:,} -> {checkpoint.size:,}",
                f"{checkpoint.size - size_before:,}",
                f"{elapsed:.2f}",
                f"{(checkpoint.size - size_before) / elapsed:,.0f}",
                ms(cosigning / len(keys.witness_names())),
            ]
        )
    report(
        "notarize: new entries -> stored subtrees + signed checkpoint (target <= 2 s per 100,000)",
        *table(["tree", "new entries", "seconds", "entries/s", "cosign ms/witness"], rows),
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
    )
    report("", f"saved to {report.save()}")


if __name__ == "__main__":
    main()
