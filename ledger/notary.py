"""Notarization: extend the stored tree with new entries, sign a checkpoint (spec sections 3, 4, 7).

The range to notarize always comes from the database, read under a lock: the stored tree's size
(``ledger_node``) up to the ledger's head. Nodes and the checkpoint are written in the same
transaction, so a duplicated, retried or concurrent run makes at most one checkpoint per size and
skips nothing, and a run killed half-way leaves nothing behind for the next one to trip over.
"""

from __future__ import annotations

import hashlib
import io
import logging
import struct
from collections.abc import Iterable

from celery import shared_task
from django.db import connections, router, transaction
from django.utils import timezone

from . import keys, merkle, proofs, witness
from .conf import origin
from .models import Checkpoint

# Which checkpoints are notarized is decided in ledger.notarized; these names stay importable
# from here for the notary's callers.
from .notarized import (  # noqa: F401
    is_notarized,
    latest_notarized,
    notarized,
    notarized_checkpoints,
    quorum,
    signed_note,
)
from .notes import checkpoint_body, sign_note

log = logging.getLogger("ledger.notary")

# A fixed key for pg_advisory_xact_lock, distinct from the append lock's.
NOTARIZE_LOCK_KEY = int.from_bytes(
    hashlib.sha256(b"eport.ledger.notarize").digest()[:8], "big", signed=True
)
# Entries per checkpoint at most, so one transaction stays far below the task time limit.
BATCH_LIMIT = 1_000_000
READ_CHUNK = 10_000
LEAF_CHUNK = 50_000
COSIGN_MODES = ("inline", "tasks", "none")


class NotaryError(RuntimeError):
    """The stored tree and the ledger disagree; nothing was written."""


# --- Making checkpoints ---------------------------------------------------------------------------


def notarize(
    *, cosign: str = "inline", limit: int = BATCH_LIMIT, using: str | None = None
) -> Checkpoint | None:
    """Sign a checkpoint of every entry appended since the last one (at most ``limit``), or None.

    ``cosign`` says how witnesses are then asked: ``inline`` from this process (the command),
    ``tasks`` by a Celery task after commit, ``none`` not at all. Either way every witness that has
    not cosigned the latest checkpoint is asked, so a lost request is made good later.
    """
    if cosign not in COSIGN_MODES:
        raise ValueError(f"cosign must be one of {', '.join(COSIGN_MODES)}, not {cosign!r}")
    using = using or router.db_for_write(Checkpoint)
    signer = keys.ledger_signer()  # a missing key fails before any work is done
    with transaction.atomic(using=using):
        checkpoint = _extend_and_sign(using, signer, limit)
    request_cosignatures(cosign, using=using)
    return checkpoint


def notarize_pending(*, cosign: str = "inline", using: str | None = None) -> list[Checkpoint]:
    """Notarize until every appended entry is in a checkpoint; return the checkpoints made."""
    made = []
    while (checkpoint := notarize(cosign="none", using=using)) is not None:
        made.append(checkpoint)
    request_cosignatures(cosign, using=using)
    return made


def _lock_and_read_sizes(using: str) -> tuple[int, int, int]:
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [NOTARIZE_LOCK_KEY])
        # On SQLite the IMMEDIATE transaction already holds the database's single write lock.
        cursor.execute('SELECT MAX("index") FROM ledger_node WHERE level = 0')
        (last_leaf,) = cursor.fetchone()
        cursor.execute("SELECT MAX(size) FROM ledger_checkpoint")
        (last_checkpoint,) = cursor.fetchone()
        cursor.execute("SELECT MAX(seq) FROM ledger_entry")
        (head,) = cursor.fetchone()
    tree_size = 0 if last_leaf is None else last_leaf + 1
    checkpoint_size = last_checkpoint or 0
    ledger_size = 0 if head is None else head + 1
    return tree_size, checkpoint_size, ledger_size


def _extend_and_sign(using: str, signer, limit: int) -> Checkpoint | None:
    tree_size, checkpoint_size, ledger_size = _lock_and_read_sizes(using)
    if tree_size != checkpoint_size:
        raise NotaryError(
            f"the stored tree has {tree_size} leaves but the last checkpoint is of size "
            f"{checkpoint_size}: ledger_node or ledger_checkpoint was changed outside the notary"
        )
    if ledger_size < tree_size:
        raise NotaryError(
            f"the ledger has {ledger_size} entries but {tree_size} were notarized: "
            "entries were removed after notarization"
        )
    if ledger_size == tree_size:
        return None  # nothing appended since the last checkpoint; no size-0 checkpoint either
    end = min(ledger_size, tree_size + max(1, limit))
    frontier = merkle.Frontier.load(
        tree_size, proofs.fetch_nodes(merkle.frontier_nodes(tree_size), using=using)
    )
    frontier = _extend(using, frontier, end)
    root = frontier.root()
    body = checkpoint_body(origin(), end, root)
    checkpoint = Checkpoint(
        size=end, root=root, note=sign_note(body, [signer]), created=timezone.now()
    )
    checkpoint.save(using=using, force_insert=True)
    log.info("checkpoint %d signed by the ledger (%d new entries)", end, end - tree_size)
    return checkpoint


def _extend(using: str, frontier: merkle.Frontier, end: int) -> merkle.Frontier:
    """Hash entries [frontier.size, end) in seq order, store every subtree their leaves complete.

    Returns the frontier of the extended tree. A missing entry raises NotaryError.
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        return _extend_on_postgresql(connection, frontier, end)
    expected = frontier.size
    sha256 = hashlib.sha256
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT seq, canonical FROM ledger_entry WHERE seq >= %s AND seq < %s ORDER BY seq",
            [frontier.size, end],
        )
        while rows := cursor.fetchmany(READ_CHUNK):
            _check_contiguous([seq for seq, _ in rows], expected)
            expected += len(rows)
            leaves = [sha256(b"\x00" + bytes(raw)).digest() for _, raw in rows]
            frontier, completed = extend_frontier(frontier, leaves)
            _insert_nodes(connection, completed)
    if expected != end:
        raise NotaryError(f"entry {expected} is missing: the ledger ends before {end}")
    return frontier


# The server hashes each entry's bytes where they lie and stores the leaf (level 0) itself, so
# only 32 bytes per entry cross the wire, once: the same SHA-256(0x00 || canonical bytes).
_INSERT_LEAVES_SQL = (
    'INSERT INTO ledger_node (level, "index", hash) '
    "SELECT 0, seq, sha256('\\x00'::bytea || canonical) FROM ledger_entry "
    "WHERE seq >= %s AND seq < %s"
)
_READ_LEAVES_SQL = (
    "SELECT string_agg(hash, ''::bytea ORDER BY \"index\") FROM ledger_node "
    'WHERE level = 0 AND "index" >= %s AND "index" < %s'
)


def _extend_on_postgresql(connection, frontier: merkle.Frontier, end: int) -> merkle.Frontier:
    with connection.cursor() as cursor:
        for start in range(frontier.size, end, LEAF_CHUNK):
            stop = min(end, start + LEAF_CHUNK)
            cursor.execute(_INSERT_LEAVES_SQL, [start, stop])
            if cursor.rowcount != stop - start:
                cursor.execute(
                    "SELECT seq FROM ledger_entry WHERE seq >= %s AND seq < %s ORDER BY seq",
                    [start, stop],
                )
                _check_contiguous([seq for (seq,) in cursor.fetchall()] + [None], start)
            cursor.execute(_READ_LEAVES_SQL, [start, stop])
            joined = bytes(cursor.fetchone()[0])
            leaves = [joined[i : i + 32] for i in range(0, len(joined), 32)]
            frontier, completed = extend_frontier(frontier, leaves, include_leaves=False)
            _insert_nodes(connection, completed)
    return frontier


def _check_contiguous(seqs: list, first: int) -> None:
    for expected, seq in enumerate(seqs, first):
        if seq != expected:
            raise NotaryError(f"entry {expected} is missing from the ledger")


def extend_frontier(
    frontier: merkle.Frontier, leaves: list[bytes], *, include_leaves: bool = True
) -> tuple[merkle.Frontier, list[tuple[int, int, bytes]]]:
    """Return the frontier after appending ``leaves`` and every subtree they complete.

    The same result as ``Frontier.extend``, computed a level at a time over the whole batch: at
    level L the new complete nodes start at index size >> L, and when that index is odd its left
    sibling is the old tree's border node at that level.
    """
    size = frontier.size
    border = dict(zip(merkle.frontier_nodes(size), frontier.hashes, strict=True))
    new_size = size + len(leaves)
    sha256 = hashlib.sha256
    completed: list[tuple[int, int, bytes]] = []
    levels: dict[int, tuple[int, list[bytes]]] = {}
    level, first, hashes = 0, size, list(leaves)
    while hashes:
        levels[level] = (first, hashes)
        if level or include_leaves:
            completed.extend((level, first + offset, hash_) for offset, hash_ in enumerate(hashes))
        if first & 1:
            hashes = [border[(level, first - 1)], *hashes]
            first -= 1
        # An odd last node waits for its right sibling in a later batch.
        hashes = [
            sha256(b"\x01" + left + right).digest()
            for left, right in zip(hashes[::2], hashes[1::2], strict=False)
        ]
        level, first = level + 1, first >> 1
    new_border = {}
    for level, index in merkle.frontier_nodes(new_size):
        start, items = levels.get(level, (0, ()))
        if start <= index < start + len(items):
            new_border[(level, index)] = items[index - start]
        else:
            new_border[(level, index)] = border[(level, index)]
    return merkle.Frontier.load(new_size, new_border), completed


_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension length
# 3 fields: int2 level, int8 index, 32-byte bytea, each preceded by its length
_COPY_ROW = struct.Struct("!hihiqi32s")


def _insert_nodes(connection, nodes: Iterable[merkle.Subtree]) -> None:
    if connection.vendor == "postgresql":
        # Binary COPY is several times faster than INSERT for the ~2 rows each entry adds.
        pack = _COPY_ROW.pack
        parts = [_COPY_HEADER]
        parts.extend([pack(3, 2, level, 8, index, 32, hash_) for level, index, hash_ in nodes])
        parts.append(b"\xff\xff")
        with connection.cursor() as cursor:
            cursor.copy_expert(
                'COPY ledger_node (level, "index", hash) FROM STDIN WITH (FORMAT binary)',
                io.BytesIO(b"".join(parts)),
            )
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            'INSERT INTO ledger_node (level, "index", hash) VALUES (%s, %s, %s)',
            [(level, index, hash_) for level, index, hash_ in nodes],
        )


# --- Witnesses -------------------------------------------------------------------------------


def pending_witnesses(*, using: str | None = None) -> list[str]:
    """Return the configured witnesses that have not yet cosigned the latest checkpoint."""
    return witness.pending(using=using)[1]


def request_cosignatures(cosign: str = "inline", *, using: str | None = None) -> None:
    """Ask every witness that has not cosigned the latest checkpoint to cosign it.

    ``inline`` asks them all at once from this process and waits at most EPORT_WITNESS_TIMEOUT;
    ``tasks`` leaves that to one Celery task after commit; ``none`` does nothing.
    """
    if cosign == "inline":
        witness.catch_up(using=using)  # asks nobody when every witness has cosigned
    elif cosign == "tasks" and pending_witnesses(using=using):
        # robust: the entries are committed; a broker hiccup only delays the cosignatures.
        transaction.on_commit(lambda: witness.cosign_task.delay(), using=using, robust=True)


# The task sits beside the service it runs; ledger.tasks re-exports it for Celery's autodiscovery.
@shared_task(name="ledger.notarize")
def notarize_task() -> int:
    """Notarize every entry appended since the last checkpoint, then ask witnesses to cosign.

    The witnesses are asked from this task, all at once, so a checkpoint is notarized one round
    trip after it is signed; one that is down costs at most EPORT_WITNESS_TIMEOUT.
    """
    return len(notarize_pending(cosign="inline"))
