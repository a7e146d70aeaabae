"""Streaming verification of the hash chain (spec section 2).

Entries are read in ``seq`` order through a server-side cursor and checked one at a time, so
memory stays flat whatever the ledger's size. Verification stops at the first broken entry and
says what was expected and what was found.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connections, router, transaction

from . import conf
from .canonical import CanonicalError, parse_canonical
from .models import Entry
from .services import (
    FORMAT_VERSION,
    GENESIS_ACTION,
    GENESIS_ACTOR,
    GENESIS_PREV,
    format_time,
)

ROWS_SQL = (
    "SELECT seq, canonical, hash, time, actor, action, subject FROM ledger_entry "
    "WHERE seq >= %s AND seq <= %s ORDER BY seq"
)
ENTRY_KEYS = frozenset({"v", "seq", "time", "actor", "action", "subject", "data", "prev"})
CHUNK_SIZE = 5000


@dataclass(frozen=True)
class Failure:
    seq: int
    problem: str
    expected: str = ""
    found: str = ""

    def __str__(self) -> str:
        text = f"entry {self.seq}: {self.problem}"
        if self.expected or self.found:
            text += f"\n  expected: {self.expected}\n  found:    {self.found}"
        return text


@dataclass
class Progress:
    checked: int
    total: int
    elapsed: float

    @property
    def rate(self) -> float:
        return self.checked / self.elapsed if self.elapsed > 0 else 0.0


@dataclass
class ChainReport:
    first_seq: int
    checked: int = 0
    head_seq: int | None = None
    head_hash: str = ""
    seconds: float = 0.0
    failure: Failure | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def rate(self) -> float:
        return self.checked / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        if self.checked == 0 and self.ok:
            return "ledger is empty: nothing to verify"
        timing = f"{self.seconds:.2f} s, {self.rate:,.0f} entries/s"
        if self.ok:
            return (
                f"ledger intact: {self.checked:,} entries (seq {self.first_seq:,}–"
                f"{self.head_seq:,}), head {self.head_hash}, {timing}"
            )
        return (
            f"ledger BROKEN at entry {self.failure.seq:,}: {self.checked:,} entries before it "
            f"verified, last good hash {self.head_hash or '-'}, {timing}"
        )


def _fail(seq, problem, expected="", found="") -> Failure:
    return Failure(seq=seq, problem=problem, expected=str(expected), found=str(found))


def check_entry(seq: int, raw: bytes, prev_hash: str, origin: str) -> tuple[dict, Failure | None]:
    """Check one entry's bytes against its position and its predecessor's hash."""
    try:
        content = parse_canonical(raw)
    except CanonicalError as error:
        return {}, _fail(seq, f"canonical bytes do not parse as RFC 8785 JSON: {error}")
    if not isinstance(content, dict) or content.keys() != ENTRY_KEYS:
        keys = sorted(content) if isinstance(content, dict) else type(content).__name__
        return {}, _fail(seq, "entry does not have the spec's keys", sorted(ENTRY_KEYS), keys)
    if content["v"] != FORMAT_VERSION:
        return content, _fail(seq, "unknown format version", FORMAT_VERSION, content["v"])
    if content["seq"] != seq:
        return content, _fail(
            seq, "seq inside the entry does not match its position", seq, content["seq"]
        )
    if content["prev"] != prev_hash:
        problem = (
            "prev does not match the hash of entry {0}: entry {0} or this entry was changed "
            "after it was written".format(seq - 1)
            if seq > 0
            else "genesis prev must be 64 zeros"
        )
        return content, _fail(seq, problem, prev_hash, content["prev"])
    if not isinstance(content["data"], dict):
        return content, _fail(
            seq, "data is not an object", "object", type(content["data"]).__name__
        )
    if seq == 0:
        genesis = {
            "actor": GENESIS_ACTOR,
            "action": GENESIS_ACTION,
            "subject": f"ledger:{origin}",
            "data": {"origin": origin},
        }
        for key, expected in genesis.items():
            if content[key] != expected:
                return content, _fail(0, f"genesis {key} is wrong", expected, content[key])
    return content, None


def verify_chain(
    *,
    from_seq: int = 0,
    to_seq: int | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    progress_every: float = 0.5,
) -> ChainReport:
    """Verify entries ``from_seq``..``to_seq`` (inclusive) and return a report of the first break.

    A range that starts after 0 is anchored on the stored bytes of entry ``from_seq - 1``.
    """
    origin = conf.origin()
    started = time.perf_counter()
    report = ChainReport(first_seq=from_seq)
    head = Entry.objects.order_by("-seq").values_list("seq", flat=True).first()
    if head is None:
        return report
    last = head if to_seq is None else min(to_seq, head)
    total = max(0, last - from_seq + 1)

    if from_seq == 0:
        prev_hash = GENESIS_PREV
    else:
        anchor = Entry.objects.filter(seq=from_seq - 1).values_list("canonical", flat=True).first()
        if anchor is None:
            report.failure = _fail(from_seq - 1, "entry is missing")
            return report
        prev_hash = hashlib.sha256(bytes(anchor)).hexdigest()

    with _streamed_rows(from_seq, last) as rows:
        expected_seq = from_seq
        next_report = started + progress_every
        sha256 = hashlib.sha256
        for seq, raw, stored_hash, moment, actor, action, subject in rows:
            raw = bytes(raw)
            if seq != expected_seq:
                report.failure = _fail(
                    expected_seq, "entry is missing: the sequence has a gap", expected_seq, seq
                )
                break
            digest = sha256(raw).digest()
            content, failure = check_entry(seq, raw, prev_hash, origin)
            if failure is None and bytes(stored_hash) != digest:
                failure = _fail(
                    seq,
                    "the stored hash column does not match the entry's bytes",
                    digest.hex(),
                    bytes(stored_hash).hex(),
                )
            if failure is None:
                failure = _check_columns(seq, content, moment, actor, action, subject)
            if failure is not None:
                report.failure = failure
                break
            prev_hash = digest.hex()
            report.checked += 1
            report.head_seq = seq
            report.head_hash = prev_hash
            expected_seq += 1
            if on_progress is not None:
                now = time.perf_counter()
                if now >= next_report:
                    on_progress(Progress(report.checked, total, now - started))
                    next_report = now + progress_every
        else:
            if expected_seq <= last:
                report.failure = _fail(expected_seq, "entry is missing at the end of the range")

    report.seconds = time.perf_counter() - started
    if on_progress is not None:
        on_progress(Progress(report.checked, total, report.seconds))
    return report


@contextmanager
def _streamed_rows(first: int, last: int) -> Iterator[Iterator[tuple]]:
    """Rows ``first``..``last`` in seq order, fetched CHUNK_SIZE at a time.

    On PostgreSQL the cursor lives in a transaction: outside one, a server-side cursor is
    declared WITH HOLD and the server copies the whole result before the first row arrives.
    """
    using = router.db_for_read(Entry)
    connection = connections[using]
    block = transaction.atomic(using=using) if connection.vendor == "postgresql" else nullcontext()
    with block, connection.chunked_cursor() as cursor:
        cursor.execute(ROWS_SQL, [first, last])

        def rows():
            while chunk := cursor.fetchmany(CHUNK_SIZE):
                yield from chunk

        yield rows()


def _check_columns(seq, content, moment, actor, action, subject) -> Failure | None:
    """The indexed copies must say what the canonical bytes say, or filters would mislead."""
    for name, column in (("actor", actor), ("action", action), ("subject", subject)):
        if content[name] != column:
            return _fail(
                seq, f"the {name} column does not match the entry's bytes", content[name], column
            )
    if isinstance(moment, str):  # SQLite through a raw cursor: naive UTC text
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if format_time(moment) != content["time"]:
        return _fail(
            seq,
            "the time column does not match the entry's bytes",
            content["time"],
            format_time(moment),
        )
    return None
