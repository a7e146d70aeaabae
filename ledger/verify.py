"""Streaming verification of the hash chain (spec section 2).

Entries are read in ``seq`` order through a server-side cursor and checked one at a time, so
memory stays flat whatever the ledger's size. Verification stops at the first broken entry and
says what was expected and what was found. On PostgreSQL the chain can be cut into consecutive
ranges checked at once in child processes (``workers``), each anchored on the stored bytes of the
entry before it; the first failure by seq is the one a single pass would report.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import time
import traceback
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
# PostgreSQL writes the time column as the spec's text (RFC 3339, UTC, microseconds, Z), so it is
# compared with the entry's bytes as a string: making a datetime of every row and formatting it
# again cost about a tenth of verification's time.
ROWS_SQL_POSTGRESQL = (
    "SELECT seq, canonical, hash, "
    """to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), """
    "actor, action, subject FROM ledger_entry WHERE seq >= %s AND seq <= %s ORDER BY seq"
)
ENTRY_KEYS = frozenset({"v", "seq", "time", "actor", "action", "subject", "data", "prev"})
CHUNK_SIZE = 5000

logger = logging.getLogger(__name__)


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
    workers: int = 1,
) -> ChainReport:
    """Verify entries ``from_seq``..``to_seq`` (inclusive) and return a report of the first break.

    A range that starts after 0 is anchored on the stored bytes of entry ``from_seq - 1``.

    With ``workers`` above 1 (on PostgreSQL, outside a transaction) the range is cut into that many
    consecutive ranges checked at once in child processes, each anchored on the stored bytes of
    the entry before it, which the range before checks: every entry is checked against the same
    bytes as in one pass, so the report (the first broken entry, the count before it, the head)
    is the one a single pass gives.
    """
    origin = conf.origin()
    started = time.perf_counter()
    report = ChainReport(first_seq=from_seq)
    head = Entry.objects.order_by("-seq").values_list("seq", flat=True).first()
    if head is None:
        return report
    last = head if to_seq is None else min(to_seq, head)
    total = max(0, last - from_seq + 1)
    ranges = _ranges(from_seq, last, workers) if _can_fork(workers) else [(from_seq, last)]

    if len(ranges) == 1:
        if on_progress is None:
            tick = None
        else:
            next_report = started + progress_every

            def tick(checked: int) -> None:
                nonlocal next_report
                now = time.perf_counter()
                if now >= next_report:
                    on_progress(Progress(checked, total, now - started))
                    next_report = now + progress_every

        results = [_verify_range(from_seq, last, last, origin, tick)]
    else:
        results = _verify_in_processes(ranges, last, origin, on_progress, progress_every, started)

    for result in results:  # in seq order; every range before the first failing one is whole
        report.checked += result.checked
        if result.head_seq is not None:
            report.head_seq, report.head_hash = result.head_seq, result.head_hash
        if result.failure is not None:
            report.failure = result.failure
            break
    report.seconds = time.perf_counter() - started
    if on_progress is not None:
        on_progress(Progress(report.checked, total, report.seconds))
    return report


@dataclass
class RangeResult:
    """What checking one range found: its good entries, its last good one, its first failure."""

    checked: int = 0
    head_seq: int | None = None
    head_hash: str = ""
    failure: Failure | None = None


def _verify_range(
    first: int, last: int, limit: int, origin: str, tick: Callable[[int], None] | None = None
) -> RangeResult:
    """Check entries ``first``..``last``; ``limit`` is the last seq of the whole run.

    A range that ends short names the gap as one pass over ``first``..``limit`` would: by the
    next entry present after it, if there is one.
    """
    result = RangeResult()
    if first == 0:
        prev_hash = GENESIS_PREV
    else:
        anchor = Entry.objects.filter(seq=first - 1).values_list("canonical", flat=True).first()
        if anchor is None:
            result.failure = _fail(first - 1, "entry is missing")
            return result
        prev_hash = hashlib.sha256(bytes(anchor)).hexdigest()

    expected_seq = first
    sha256 = hashlib.sha256
    with _streamed_chunks(first, last) as chunks:
        for chunk in chunks:
            for seq, raw, stored_hash, moment, actor, action, subject in chunk:
                if seq != expected_seq:
                    result.failure = _fail(
                        expected_seq, "entry is missing: the sequence has a gap", expected_seq, seq
                    )
                    break
                raw = bytes(raw)
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
                    result.failure = failure
                    break
                prev_hash = digest.hex()
                expected_seq += 1
            checked = expected_seq - first
            if checked:
                result.checked = checked
                result.head_seq, result.head_hash = expected_seq - 1, prev_hash
            if result.failure is not None:
                return result
            if tick is not None:
                tick(checked)
    if expected_seq <= last:
        after = _next_seq(expected_seq, limit) if last < limit else None
        if after is None:
            result.failure = _fail(expected_seq, "entry is missing at the end of the range")
        else:
            result.failure = _fail(
                expected_seq, "entry is missing: the sequence has a gap", expected_seq, after
            )
    return result


def _next_seq(after: int, limit: int) -> int | None:
    return (
        Entry.objects.filter(seq__gt=after, seq__lte=limit)
        .order_by("seq")
        .values_list("seq", flat=True)
        .first()
    )


@contextmanager
def _streamed_chunks(first: int, last: int) -> Iterator[Iterator[list[tuple]]]:
    """Rows ``first``..``last`` in seq order, in lists of CHUNK_SIZE.

    On PostgreSQL the cursor lives in a transaction: outside one, a server-side cursor is
    declared WITH HOLD and the server copies the whole result before the first row arrives.
    """
    using = router.db_for_read(Entry)
    connection = connections[using]
    block = transaction.atomic(using=using) if connection.vendor == "postgresql" else nullcontext()
    with block, connection.chunked_cursor() as cursor:
        sql = ROWS_SQL_POSTGRESQL if connection.vendor == "postgresql" else ROWS_SQL
        cursor.execute(sql, [first, last])

        def chunks():
            while chunk := cursor.fetchmany(CHUNK_SIZE):
                yield chunk

        yield chunks()


# --- parallel ranges ------------------------------------------------------------------------------

# Below this many entries (one chunk) a range is not worth a process of its own.
MIN_RANGE = CHUNK_SIZE


def _can_fork(workers: int) -> bool:
    """Whether child processes can check ranges: PostgreSQL, outside a transaction, on fork.

    Inside a transaction the children could not see what it wrote; SQLite is checked in one pass.
    """
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return False
    connection = connections[router.db_for_read(Entry)]
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def _ranges(first: int, last: int, workers: int) -> list[tuple[int, int]]:
    """``first``..``last`` cut into at most ``workers`` consecutive ranges of near equal size."""
    total = last - first + 1
    count = max(1, min(workers, total // MIN_RANGE))
    size, extra = divmod(total, count)
    ranges, start = [], first
    for index in range(count):
        end = start + size + (index < extra) - 1
        ranges.append((start, end))
        start = end + 1
    return ranges


def _verify_in_processes(ranges, limit, origin, on_progress, progress_every, started):
    """Check each range in a forked child and return their results in seq order.

    Children are billiard processes: Celery's prefork workers are daemonic, and billiard (which
    Celery's pool is built on) lets them have children where multiprocessing refuses. Each child
    opens its own database connection; the parent's are closed first so none is shared.
    Once a range fails, the ranges after it cannot hold the first failure and are stopped.
    """
    import billiard
    from billiard.connection import wait

    total = ranges[-1][1] - ranges[0][0] + 1
    logger.info("verifying entries %s–%s in %s processes", ranges[0][0], ranges[-1][1], len(ranges))
    context = billiard.get_context("fork")
    counts = context.Array("l", len(ranges), lock=False)
    connections.close_all()
    children, readers = [], {}
    try:
        for index, (first, last) in enumerate(ranges):
            reader, writer = context.Pipe(duplex=False)
            child = context.Process(
                target=_range_child,
                args=(writer, counts, index, first, last, limit, origin),
                name=f"verify-ledger-{first}-{last}",
                daemon=True,
            )
            child.start()
            writer.close()
            children.append(child)
            readers[reader] = index
        results: dict[int, RangeResult] = {}
        failing = len(ranges)  # the first range known to fail
        while any(index not in results for index in range(failing)):
            for reader in wait(list(readers), timeout=progress_every):
                index = readers.pop(reader)
                try:
                    outcome = reader.recv()
                except EOFError:
                    children[index].join(5)
                    raise RuntimeError(
                        "the process checking entries {}–{} ended without a result "
                        "(exit code {})".format(*ranges[index], children[index].exitcode)
                    ) from None
                finally:
                    reader.close()
                if isinstance(outcome, str):
                    raise RuntimeError(
                        "the process checking entries {}–{} failed:\n{}".format(
                            *ranges[index], outcome
                        )
                    )
                results[index] = outcome
                if outcome.failure is not None:
                    failing = min(failing, index)
            if on_progress is not None:
                on_progress(Progress(sum(counts), total, time.perf_counter() - started))
        return [results[index] for index in range(min(failing + 1, len(ranges)))]
    finally:
        for reader in readers:
            reader.close()
        for child in children:
            if child.is_alive():
                child.terminate()
        for child in children:
            child.join(10)
            if child.is_alive():
                child.kill()
                child.join()


def _range_child(writer, counts, index, first, last, limit, origin) -> None:
    """In a child process: check one range and send back its result (or the error's trace)."""
    try:

        def tick(checked: int) -> None:
            counts[index] = checked

        outcome = _verify_range(first, last, limit, origin, tick)
    except BaseException:  # the parent raises it with the trace
        outcome = traceback.format_exc()
    finally:
        connections.close_all()
    writer.send(outcome)
    writer.close()


def _check_columns(seq, content, moment, actor, action, subject) -> Failure | None:
    """The indexed copies must say what the canonical bytes say, or filters would mislead."""
    if content["actor"] != actor or content["action"] != action or content["subject"] != subject:
        for name, column in (("actor", actor), ("action", action), ("subject", subject)):
            if content[name] != column:
                return _fail(
                    seq,
                    f"the {name} column does not match the entry's bytes",
                    content[name],
                    column,
                )
    if isinstance(moment, str) and moment.endswith("Z"):  # PostgreSQL: the spec's text already
        if moment[:1] != "0":  # a year before 1000 is formatted below, as it is written
            if moment != content["time"]:
                return _fail(
                    seq, "the time column does not match the entry's bytes", content["time"], moment
                )
            return None
        moment = datetime.fromisoformat(moment)
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
