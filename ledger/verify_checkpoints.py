"""Streaming verification of every stored checkpoint (spec sections 3 and 4).

Each checkpoint's root is recomputed from the entries' own bytes (never from ``ledger_node``, which
the notarizer derived from them), and its signed note is opened with the configured verifier keys:
the ledger's signature must verify, witnesses' cosignatures must verify, and the body must say what
the checkpoint row says. Entries are read once, in seq order, in chunks, so memory stays flat.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router

from . import keys, merkle
from .models import Checkpoint, Cosignature, Node
from .notarized import quorum
from .notes import NoteError, open_note, parse_checkpoint

CHECKPOINT_BATCH = 1000
ENTRY_CHUNK = 10_000
PROGRESS_EVERY = 50_000  # entries between progress reports inside one checkpoint


@dataclass(frozen=True)
class CheckpointProblem:
    size: int
    problem: str
    first_entry: int | None = None
    last_entry: int | None = None

    def __str__(self) -> str:
        text = f"checkpoint {self.size}: {self.problem}"
        if self.first_entry is not None:
            text += f"\n  changed entries lie in seq {self.first_entry}–{self.last_entry}"
        return text


@dataclass
class CheckpointReport:
    checkpoints: int = 0
    notarized: int = 0
    entries: int = 0
    seconds: float = 0.0
    quorum: int = 0
    problems: list[CheckpointProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.checkpoints == 0 and self.ok:
            return "no checkpoints yet: nothing to verify"
        if self.ok:
            return (
                f"checkpoints intact: {self.checkpoints:,} roots recomputed from "
                f"{self.entries:,} entries and their signatures verified, {self.notarized:,} "
                f"notarized (ledger key + {self.quorum} witnesses), {self.seconds:.2f} s"
            )
        return (
            f"checkpoints BROKEN: {len(self.problems):,} problem(s) in {self.checkpoints:,} "
            f"checkpoints, the first at size {self.problems[0].size:,}"
        )


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _checkpoint_batches(using: str) -> Iterator[list[tuple[int, bytes, str, list[str]]]]:
    after = 0
    while True:
        batch = list(
            Checkpoint.objects.using(using)
            .filter(size__gt=after)
            .order_by("size")
            .values_list("size", "root", "note")[:CHECKPOINT_BATCH]
        )
        if not batch:
            return
        lines: dict[int, list[str]] = {}
        for size, line in (
            Cosignature.objects.using(using)
            .filter(checkpoint_id__gte=batch[0][0], checkpoint_id__lte=batch[-1][0])
            .order_by("checkpoint_id", "id")
            .values_list("checkpoint_id", "line")
        ):
            lines.setdefault(size, []).append(line)
        yield [(size, bytes(root), note, lines.get(size, [])) for size, root, note in batch]
        after = batch[-1][0]


def _entries(using: str, start: int, end: int) -> Iterator[tuple[int, bytes]]:
    cursor = connections[using].chunked_cursor()
    try:
        cursor.execute(
            "SELECT seq, canonical FROM ledger_entry WHERE seq >= %s AND seq < %s ORDER BY seq",
            [start, end],
        )
        while rows := cursor.fetchmany(ENTRY_CHUNK):
            yield from rows
    finally:
        cursor.close()


def _first_changed_leaf(using: str, start: int, end: int) -> int | None:
    """The first entry in [start, end) whose leaf hash differs from the one stored for it."""
    stored = dict(
        Node.objects.using(using)
        .filter(level=0, index__gte=start, index__lt=end)
        .values_list("index", "hash")
    )
    if len(stored) != end - start:
        return None  # the stored leaves were tampered with too: only the range can be named
    for seq, raw in _entries(using, start, end):
        if bytes(stored[seq]) != merkle.leaf_hash(bytes(raw)):
            return seq
    return None


def verify_checkpoints(
    *, using: str | None = None, on_progress: Callable[[int, int], None] | None = None
) -> CheckpointReport:
    """Recompute every checkpoint's root from the entries and check all its signatures.

    ``on_progress(checkpoints done, entries hashed)`` is called after each checkpoint and every
    PROGRESS_EVERY entries.

    A root mismatch is reported at the first checkpoint it affects, with the entry range since the
    last checkpoint that still matched (narrowed to one entry when its stored leaf hash shows it).
    """
    using = using or router.db_for_read(Checkpoint)
    started = time.perf_counter()
    report = CheckpointReport()
    problems = report.problems
    try:
        ledger_verifier = keys.ledger_verifier()
        witness_verifiers = keys.witness_verifiers()
        report.quorum = needed = quorum()
    except ImproperlyConfigured as error:
        ledger_verifier, witness_verifiers, needed = None, {}, 0
        key_problem = str(error)
    else:
        key_problem = ""
    verifiers = [ledger_verifier, *witness_verifiers.values()] if ledger_verifier else []
    origin = keys.ledger_key_name()

    frontier = merkle.Frontier()
    sha256 = hashlib.sha256
    last_good = 0
    roots_broken = False
    for batch in _checkpoint_batches(using):
        if key_problem and not problems:
            problems.append(
                CheckpointProblem(batch[0][0], f"cannot check signatures: {key_problem}")
            )
        # One entry range for the whole batch; the root is compared at each checkpoint's size.
        entries = _entries(using, frontier.size, batch[-1][0]) if not roots_broken else iter(())
        for size, root, note, cosignature_lines in batch:
            report.checkpoints += 1
            if not roots_broken:
                for seq, raw in entries:
                    if seq != frontier.size:
                        break  # a gap: caught below as a short ledger
                    frontier.append(sha256(b"\x00" + raw).digest())
                    if on_progress is not None and not seq % PROGRESS_EVERY:
                        on_progress(report.checkpoints - 1, frontier.size)
                    if frontier.size == size:
                        break
                if frontier.size != size:
                    problems.append(
                        CheckpointProblem(
                            size,
                            f"entry {frontier.size} is missing, so the root cannot be recomputed",
                        )
                    )
                    roots_broken = True
                elif frontier.root() != root:
                    changed = _first_changed_leaf(using, last_good, size)
                    detail = (
                        f"; entry {changed}'s bytes no longer match the leaf hash stored when it "
                        "was notarized"
                        if changed is not None
                        else ""
                    )
                    problems.append(
                        CheckpointProblem(
                            size,
                            f"the root recomputed from entries 0–{size - 1} is "
                            f"{_b64(frontier.root())}, the checkpoint says {_b64(root)}: entries "
                            f"were changed after notarization{detail}",
                            changed if changed is not None else last_good,
                            changed if changed is not None else size - 1,
                        )
                    )
                    roots_broken = True  # every later root differs too; the first one says it
                else:
                    last_good = size
            if verifiers:
                _check_note(report, size, root, note, cosignature_lines, origin, verifiers, needed)
            if on_progress is not None:
                on_progress(report.checkpoints, frontier.size)
        if hasattr(entries, "close"):
            entries.close()
    report.entries = frontier.size
    report.seconds = time.perf_counter() - started
    return report


def _check_note(report, size, root, note, lines, origin, verifiers, needed) -> None:
    text = note + "".join(lines)
    try:
        opened = open_note(text, verifiers)
        body = parse_checkpoint(opened.text)
    except NoteError as error:
        report.problems.append(CheckpointProblem(size, f"signed note does not verify: {error}"))
        return
    if origin not in opened.signed_by:
        report.problems.append(
            CheckpointProblem(size, "the note does not carry a valid signature by the ledger key")
        )
        return
    if (body.origin, body.size, body.root) != (origin, size, root):
        report.problems.append(
            CheckpointProblem(
                size,
                f"the signed body says origin {body.origin!r}, size {body.size}, root "
                f"{_b64(body.root)}, not what the checkpoint row says",
            )
        )
        return
    witnesses = sum(1 for signature in opened.signatures if signature.name != origin)
    if witnesses >= needed:
        report.notarized += 1
