"""Appending to the ledger (spec sections 1, 2 and 7)."""

from __future__ import annotations

import functools
import hashlib
import re
from datetime import UTC, datetime
from typing import Any

from django.db import connections, router, transaction

from . import conf
from .canonical import CanonicalError, canonical_bytes
from .conf import origin
from .models import Entry
from .notary import notarize_task

FORMAT_VERSION = 1
GENESIS_PREV = "0" * 64
GENESIS_ACTOR = "system:ledger"
GENESIS_ACTION = "ledger.genesis"

# A fixed key for pg_advisory_xact_lock: the first 8 bytes of SHA-256("eport.ledger.append").
APPEND_LOCK_KEY = int.from_bytes(
    hashlib.sha256(b"eport.ledger.append").digest()[:8], "big", signed=True
)

HEAD_SQL = "SELECT seq, hash, time FROM ledger_entry ORDER BY seq DESC LIMIT 1"

# PostgreSQL appends in one round trip through ledger_append_entry() (ledger/db.py, migration
# 0005), which returns the entry's bytes.
APPEND_SQL = "SELECT ledger_append_entry(%s, %s, %s, %s, %s, %s)"
# What the function writes between the head part and the subject part: prev's 64 hex digits, then
# this key before seq; and after the time, the last key.
SEQ_KEY = b'","seq":'
TAIL = b'","v":1}'
INSERT_COLUMNS = ("seq", "time", "actor", "action", "subject", "canonical", "hash")
INSERT_SQL = (
    "INSERT INTO ledger_entry (seq, time, actor, action, subject, canonical, hash) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s)"
)

ACTOR_PATTERN = re.compile(r"^(user:[1-9][0-9]{0,18}|system:[a-z][a-z0-9_.-]{0,60})$")
ACTION_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
SUBJECT_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,39}:[!-~]{1,150}$")


class LedgerError(ValueError):
    """An entry that cannot be recorded; the message says which argument and why."""


def format_time(moment: datetime) -> str:
    """RFC 3339, UTC, microseconds, ``Z`` (spec section 1)."""
    if moment.tzinfo is UTC and moment.year >= 1000:
        # The same text as below, without strftime's cost (verify formats every entry's time).
        return moment.isoformat(timespec="microseconds")[:-6] + "Z"
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def actor_ref(actor: Any) -> str:
    """``user:<id>`` for a user object, or a checked ``user:``/``system:`` string."""
    if not isinstance(actor, str):
        pk = getattr(actor, "pk", None)
        if pk is None:
            raise LedgerError(f"actor {actor!r} is neither a saved user nor an actor string")
        actor = f"user:{pk}"
    if not ACTOR_PATTERN.match(actor):
        raise LedgerError(
            f"actor {actor!r} is malformed; expected 'user:<id>' or 'system:<component>'"
        )
    return actor


def subject_ref(subject: Any) -> str:
    """A checked ``<type>:<stable id>`` string, from a string or an object's ``ledger_subject``."""
    if not isinstance(subject, str):
        subject = getattr(subject, "ledger_subject", None)
        if not isinstance(subject, str):
            raise LedgerError("subject must be '<type>:<stable id>' or have a ledger_subject")
    if not SUBJECT_PATTERN.match(subject):
        raise LedgerError(
            f"subject {subject!r} is malformed; expected '<type>:<stable id>' with a lowercase "
            "type and an id of printable ASCII without spaces"
        )
    return subject


def _checked_action(action: Any) -> str:
    if not isinstance(action, str) or len(action) > 100 or not ACTION_PATTERN.match(action):
        raise LedgerError(
            f"action {action!r} is malformed; expected a dotted lowercase verb such as "
            "'declaration.submitted'"
        )
    return action


def _encoded_data(data: Any) -> bytes:
    """The canonical bytes of ``data``, or LedgerError naming what has no single encoding."""
    if not isinstance(data, dict):
        raise LedgerError(f"data must be an object (dict), not {type(data).__name__}")
    try:
        return canonical_bytes(data)
    except CanonicalError as error:
        raise LedgerError(str(error)) from None


def record(*, actor: Any, action: str, subject: Any, data: dict) -> Entry:
    """Append one entry inside the caller's transaction; it commits or rolls back with it.

    Everything is validated before the append lock is taken, so a refused entry writes nothing.
    """
    actor = actor_ref(actor)
    action = _checked_action(action)
    subject = subject_ref(subject)
    encoded = _encoded_data(data)
    using = router.db_for_write(Entry)
    connection = connections[using]
    with transaction.atomic(using=using, savepoint=False):
        if connection.vendor == "postgresql":
            entry = _append_postgresql(
                connection, using, actor=actor, action=action, subject=subject, encoded_data=encoded
            )
        else:
            entry = _append(using, actor=actor, action=action, subject=subject, data=data)
        _maybe_request_notarization(using, entry.seq)
        return entry


def _append_postgresql(
    connection, using: str, *, actor: str, action: str, subject: str, encoded_data: bytes
) -> Entry:
    head_part = b"".join(
        (
            b'{"action":',
            canonical_bytes(action),
            b',"actor":',
            canonical_bytes(actor),
            b',"data":',
            encoded_data,
            b',"prev":"',
        )
    )
    subject_part = b',"subject":' + canonical_bytes(subject) + b',"time":"'
    params = [APPEND_LOCK_KEY, actor, action, subject, head_part, subject_part]
    with connection.cursor() as cursor:
        cursor.execute(APPEND_SQL, params)
        raw = cursor.fetchone()[0]
        if raw is None:
            # An empty ledger has no head to follow: write the genesis entry (the lock is
            # already held) and append again.
            _insert_genesis(using, datetime.now(UTC))
            cursor.execute(APPEND_SQL, params)
            raw = cursor.fetchone()[0]
    raw = bytes(raw)
    # seq and time are the only values the function chose; read them back from between the
    # parts framed here (a seq's digits never contain the comma that follows them).
    seq_start = len(head_part) + 64 + len(SEQ_KEY)
    seq_end = raw.index(b",", seq_start)
    seq = int(raw[seq_start:seq_end])
    moment = datetime.fromisoformat(raw[seq_end + len(subject_part) : -len(TAIL)].decode())
    return _stored(using, seq, moment, actor, action, subject, raw, hashlib.sha256(raw).digest())


def _stored(using: str, *values) -> Entry:
    """The entry with these INSERT_COLUMNS values, marked as a row of ``using``, as loaded."""
    return Entry.from_db(using, INSERT_COLUMNS, values)


def _maybe_request_notarization(using: str, seq: int) -> None:
    # Every EPORT_CHECKPOINT_MAX_ENTRIES-th entry asks for a checkpoint without waiting for the
    # next scheduled one: no query, and exactly one append per block of entries asks.
    every = conf.checkpoint_max_entries()
    if every > 0 and seq % every == 0:
        transaction.on_commit(notarize_task.delay, using=using, robust=True)


def _append(using: str, *, actor: str, action: str, subject: str, data: dict) -> Entry:
    # SQLite: IMMEDIATE transactions already hold the database's single write lock.
    with connections[using].cursor() as cursor:
        cursor.execute(HEAD_SQL)
        head = cursor.fetchone()
    now = datetime.now(UTC)
    if head is None:
        genesis = _insert_genesis(using, now)
        head_seq, head_hash, head_time = 0, bytes(genesis.hash), genesis.time
    else:
        head_seq, head_hash, head_time = head[0], bytes(head[1]), head[2]
    if isinstance(head_time, str):  # SQLite through a raw cursor: naive UTC text
        head_time = datetime.fromisoformat(head_time)
    if head_time.tzinfo is None:
        head_time = head_time.replace(tzinfo=UTC)
    # Entry times never run backwards along the chain, even if the clock does.
    moment = max(now, head_time)
    return _insert(
        using,
        seq=head_seq + 1,
        moment=moment,
        actor=actor,
        action=action,
        subject=subject,
        data=data,
        prev=head_hash.hex(),
    )


def entry_fields(*, seq, moment, actor, action, subject, data, prev) -> dict:
    """The object whose canonical bytes are the entry (spec section 1)."""
    return {
        "v": FORMAT_VERSION,
        "seq": seq,
        "time": format_time(moment),
        "actor": actor,
        "action": action,
        "subject": subject,
        "data": data,
        "prev": prev,
    }


def _insert(using, *, seq, moment, actor, action, subject, data, prev) -> Entry:
    raw = canonical_bytes(
        entry_fields(
            seq=seq,
            moment=moment,
            actor=actor,
            action=action,
            subject=subject,
            data=data,
            prev=prev,
        )
    )
    entry = _stored(using, seq, moment, actor, action, subject, raw, hashlib.sha256(raw).digest())
    # What entry.save(force_insert=True) does, minus the ORM's per-call machinery: values
    # prepared by the model's own fields and one INSERT.
    connection = connections[using]
    fields = _insert_fields()
    params = [field.get_db_prep_save(getattr(entry, field.attname), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(INSERT_SQL, params)
    return entry


@functools.cache
def _insert_fields() -> list:
    return [Entry._meta.get_field(name) for name in INSERT_COLUMNS]


def _insert_genesis(using: str, moment: datetime) -> Entry:
    return _insert(
        using,
        seq=0,
        moment=moment,
        actor=GENESIS_ACTOR,
        action=GENESIS_ACTION,
        subject=f"ledger:{origin()}",
        data={"origin": origin()},
        prev=GENESIS_PREV,
    )


def ensure_genesis() -> Entry:
    """Write the genesis entry if the ledger is empty; return entry 0."""
    using = router.db_for_write(Entry)
    with transaction.atomic(using=using):
        connection = connections[using]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [APPEND_LOCK_KEY])
        existing = Entry.objects.using(using).filter(seq=0).first()
        if existing is not None:
            return existing
        return _insert_genesis(using, datetime.now(UTC))
