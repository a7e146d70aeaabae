"""Large, valid ledgers for benchmarks, built in seconds instead of hours.

``build_ledger(n, using=...)`` extends the ledger from its current head until it holds ``n``
entries. Entries are made the way ``ledger.services`` makes them (the same keys, the same
canonical encoding, each ``prev`` the SHA-256 of the previous entry's bytes, times that never run
backwards) and bulk-loaded with COPY under the append lock, so the result is a chain that
``verify_ledger`` accepts and that ``record()`` can keep appending to. COPY inserts rows: the
append-only triggers, which fire on UPDATE, DELETE and TRUNCATE, are not bypassed.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.db import connections, transaction

from ledger.canonical import canonical_bytes
from ledger.services import APPEND_LOCK_KEY, ensure_genesis, entry_fields

ACTIONS = (
    "declaration.created",
    "declaration.submitted",
    "declaration.lane_assigned",
    "declaration.assessed",
    "declaration.paid",
    "declaration.released",
    "declaration.query_raised",
    "document.attached",
)
STATUSES = ("draft", "submitted", "under_review", "assessed", "paid", "released", "query")
COPY_SQL = "COPY ledger_entry (seq, time, actor, action, subject, canonical, hash) FROM STDIN"
# Every entry whose seq is a multiple of this is also encoded with the reference encoder and
# compared, so a drift between the fast encoder and RFC 8785 fails the build, not the benchmark.
REFERENCE_EVERY = 997


def entry_content(seq: int, moment: datetime, prev: str, rng: random.Random) -> dict:
    """A realistic declaration entry: changed fields, a decimal amount and a ``state`` digest."""
    declaration = rng.randrange(1, 200_000)
    action = ACTIONS[rng.randrange(len(ACTIONS))]
    cents = rng.randrange(100, 10**9)
    data = {
        "status": STATUSES[rng.randrange(len(STATUSES))],
        "invoice_total": f"{cents // 100}.{cents % 100:02d}",
        "version": rng.randrange(1, 20),
        "state": hashlib.sha256(seq.to_bytes(8, "big")).hexdigest(),
    }
    if action == "declaration.lane_assigned":
        data["lane"] = ("green", "yellow", "red")[rng.randrange(3)]
        data["reason"] = "risk rule R-0042 matched"
    return entry_fields(
        seq=seq,
        moment=moment,
        actor=f"user:{rng.randrange(1, 5000)}" if rng.random() < 0.8 else "system:risk",
        action=action,
        subject=f"declaration:2201{declaration:014d}",
        data=data,
        prev=prev,
    )


def _fast_canonical(content: dict) -> bytes:
    # RFC 8785 bytes for values made only of BMP strings and safe integers (ledger spec notes).
    return json.dumps(content, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def build_ledger(
    n: int,
    *,
    using: str = "default",
    batch: int = 50_000,
    seed: int = 1,
    content: Callable[[int, datetime, str, random.Random], dict] = entry_content,
) -> int:
    """Extend the ledger on ``using`` to ``n`` entries (genesis included); return the head seq.

    ``content(seq, moment, prev, rng)`` makes each entry (default: ``entry_content``); whatever
    it returns must keep to BMP strings and safe integers, the values the fast encoder handles.

    Holds the append lock for the whole build, so concurrent ``record()`` calls wait instead of
    forking the chain. A ledger that already holds ``n`` entries or more is left as it is.
    """
    if connections[using].vendor != "postgresql":
        raise ValueError("build_ledger bulk-loads with PostgreSQL's COPY")
    ensure_genesis()
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [APPEND_LOCK_KEY])
        cursor.execute("SELECT seq, hash, time FROM ledger_entry ORDER BY seq DESC LIMIT 1")
        head_seq, head_hash, head_time = cursor.fetchone()
        count = n - 1 - head_seq
        if count <= 0:
            return head_seq
        prev = bytes(head_hash).hex()
        # Spread the new entries a millisecond apart, ending about now, never before the head.
        start = max(head_time, datetime.now(UTC) - timedelta(milliseconds=count))
        rng = random.Random(seed * 1_000_003 + head_seq)
        sha256 = hashlib.sha256
        for first in range(head_seq + 1, n, batch):
            buffer = io.StringIO()
            write = buffer.write
            for seq in range(first, min(first + batch, n)):
                moment = start + timedelta(milliseconds=seq - head_seq)
                entry = content(seq, moment, prev, rng)
                raw = _fast_canonical(entry)
                if seq % REFERENCE_EVERY == 0 and canonical_bytes(entry) != raw:
                    raise RuntimeError(f"entry {seq}: fast encoding differs from RFC 8785")
                digest = sha256(raw).digest()
                # COPY text format: bytea as \\x<hex>, the backslash itself escaped.
                write(
                    f"{seq}\t{moment.isoformat()}\t{entry['actor']}\t{entry['action']}\t"
                    f"{entry['subject']}\t\\\\x{raw.hex()}\t\\\\x{digest.hex()}\n"
                )
                prev = digest.hex()
            buffer.seek(0)
            cursor.cursor.copy_expert(COPY_SQL, buffer)
        return n - 1
