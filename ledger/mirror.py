"""An alliance mirror: follow the ledger over C2SP tlog-tiles, keep a verified copy (spec 1-4, 8).

Pure Python (standard library, ``cryptography`` through ``ledger.notes``), no Django: a member runs
it on its own machine with nothing but the ledger's and the witnesses' verifier keys::

    python -m ledger.mirror URL --keys FILE --quorum N --store DIR [--token-file FILE]
                            [--interval SECONDS | --once] [--workers N] [--processes N]
    python -m ledger.mirror --verify-store --store DIR --keys FILE --quorum N [--processes N]

``URL`` is the site's root (``http://127.0.0.1:8000``); the mirror reads ``URL/ledger/checkpoint``,
the hash tiles ``URL/ledger/tile/<L>/<N>[.p/<W>]`` and the entry bundles
``URL/ledger/tile/entries/<N>[.p/<W>]``, which need the mirror's bearer token (``--token-file``, or
the environment variable ``EPORT_MIRROR_TOKEN``; ``manage.py ledger_mirror_token NAME`` makes one).
``--keys`` holds one verifier key per line, as ``GET /ledger/keys`` serves them (blank lines and
lines starting with ``#`` are skipped). Without ``--once`` it polls every ``--interval`` seconds
(default 10) until stopped. ``--workers`` downloads run at once (8); entries are checked in
``--processes`` worker processes (one per CPU; 0 checks them in the mirror's own process).

A checkpoint is accepted only when all of these hold, none of them taken from the server's word:

- it opens with the keys file: a valid signature by the ledger's 0x01 key named after the
  checkpoint's origin, and valid cosignatures by at least ``--quorum`` other keys of the file
  (``cosignature/v1`` 0x04 lines, or older plain 0x01 witness lines); its origin is the one of every
  checkpoint accepted before;
- every new hash tile has the right length; the root of every full tile equals its hash in the
  tile above; the tree the tiles make has the checkpoint's root; the tiles keep, unchanged, every
  hash of the tiles of the last accepted checkpoint, and a consistency proof computed from the tiles
  verifies from the last accepted checkpoint (RFC 9162);
- every new entry is RFC 8785 canonical, has ``seq`` equal to its index and ``prev`` equal to the
  SHA-256 of the previous entry's bytes (64 zeros for seq 0), and its leaf hash is the hash at its
  place in the level-0 tile;
- no two checkpoints of one size have different roots: the latest checkpoint, and the one of the
  last accepted size fetched again each round (``URL/ledger/checkpoint/<size>``), are compared with
  the tree the mirror verified; a smaller checkpoint than the last accepted must have the root the
  mirror's tree has at that size.

When a check fails the mirror stops with one line on stderr, ``ALARM <kind>: <what and where>``
(seq, tile path, sizes, roots), and a non-zero status naming the kind:

====  ==========================================================================================
0     all is well (``--once``: the store holds the latest checkpoint, verified)
1     a local problem: arguments, the keys file, the token file, the store cannot be written
2     usage (argparse)
3     the server could not be reached or answered an error, after retries (``--once`` only;
      otherwise the mirror reports it and tries again at the next interval)
4     the latest checkpoint lacks the quorum of cosignatures by the keys file (``--once`` only)
10    ALARM signature: a checkpoint that is malformed, signed badly by a trusted key, of another
      origin, or not signed by the ledger's key
11    ALARM split-view: two checkpoints of one size with different roots
12    ALARM inconsistent: a checkpoint that does not extend the last accepted one (smaller size,
      changed tiles, a consistency proof that fails)
13    ALARM entry: an entry that is not canonical, has the wrong seq or prev, or does not hash to
      its tile's leaf hash, or a bundle with the wrong number of entries
14    ALARM tile: a tile of the wrong length, one whose root is not its hash in the tile above, or
      tiles that do not give the checkpoint's root
15    ALARM store: ``--verify-store`` found the local copy incomplete or unreadable
====  ==========================================================================================

The store (``--store DIR``) is itself laid out as a tlog-tiles log: ``checkpoint`` (the latest
accepted signed note), ``checkpoints/<size>`` (every checkpoint accepted), ``tile/<L>/<N>[.p/<W>]``
and ``tile/entries/<N>[.p/<W>]``. Every file is written atomically (a temporary file, fsync, rename,
then the folder is synced); ``checkpoints/<size>`` is written only after all tiles and bundles of
that size, so the largest size there is what was verified, and a mirror killed mid-run restarts
from it. ``--verify-store`` re-verifies all of it offline, checkpoint by checkpoint.
"""

from __future__ import annotations

import argparse
import base64
import collections
import hashlib
import http.client
import itertools
import multiprocessing
import os
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from . import merkle, notes, tiles
from .canonical import CanonicalError, parse_canonical
from .tiles import TILE_HEIGHT, TILE_WIDTH, Tile

HASH = merkle.HASH_SIZE
ZERO_PREV = "0" * 64
TOKEN_ENV = "EPORT_MIRROR_TOKEN"  # noqa: S105 (the variable's name, not a token)
USER_AGENT = "eport-ledger-mirror (C2SP tlog-tiles client)"
MIN_BUNDLES_FOR_PROCESSES = 8  # fewer are checked in the mirror's own process

EXIT_OK = 0
EXIT_LOCAL = 1
EXIT_NETWORK = 3
EXIT_QUORUM = 4
ALARMS = {
    "signature": 10,
    "split-view": 11,
    "inconsistent": 12,
    "entry": 13,
    "tile": 14,
    "store": 15,
}


class Alarm(Exception):
    """Evidence that the log misbehaved (or the store was damaged): the mirror stops."""

    def __init__(self, kind: str, message: str) -> None:
        assert kind in ALARMS
        super().__init__(message)
        self.kind = kind

    def __reduce__(self):  # raised in worker processes, re-raised here
        return Alarm, (self.kind, str(self))

    @property
    def status(self) -> int:
        return ALARMS[self.kind]

    @property
    def line(self) -> str:
        return f"ALARM {self.kind}: {self}"


class NetworkError(Exception):
    """The server could not be reached or answered an error: report, retry later."""


class LocalError(Exception):
    """A problem on the mirror's side: arguments, keys, token, store."""


class NotNotarized(Exception):
    """The checkpoint lacks the quorum of cosignatures the mirror requires (not an alarm)."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# --- Trust: the keys file and the quorum ----------------------------------------------------------


class Trust:
    """The verifier keys and quorum that decide which checkpoints are accepted."""

    def __init__(self, verifiers: list[notes.Verifier], quorum: int) -> None:
        if quorum < 0:
            raise LocalError(f"--quorum must be at least 0, not {quorum}")
        self.verifiers = verifiers
        self.quorum = quorum

    @classmethod
    def from_file(cls, path: Path, quorum: int) -> Trust:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise LocalError(f"cannot read the keys file {path}: {error}") from None
        verifiers = []
        for number, line in enumerate(text.splitlines(), start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            try:
                verifiers.append(notes.Verifier.from_string(line))
            except ValueError as error:
                raise LocalError(f"{path} line {number} is not a verifier key: {error}") from None
        if not verifiers:
            raise LocalError(f"{path} holds no verifier key")
        return cls(verifiers, quorum)

    def open(self, note: str, origin: str | None, where: str) -> notes.Checkpoint:
        """Return the checkpoint of a signed note that the keys and quorum accept.

        Alarm("signature") for a note that is malformed, badly signed by a trusted key, of another
        origin than ``origin`` or not signed by the ledger's key; NotNotarized below the quorum.
        """
        try:
            body, _ = notes.parse_note(note)
            checkpoint = notes.parse_checkpoint(body)
        except notes.NoteError as error:
            raise Alarm("signature", f"{where} is not a signed checkpoint: {error}") from None
        if origin is not None and checkpoint.origin != origin:
            raise Alarm(
                "signature",
                f"{where} is of origin {checkpoint.origin!r}, not {origin!r} like the "
                "checkpoints this mirror accepted",
            )
        ledger_keys = [
            v
            for v in self.verifiers
            if v.name == checkpoint.origin and v.algorithm == notes.ALGORITHM_ED25519
        ]
        if not ledger_keys:
            raise LocalError(
                f"the keys file has no 0x01 key named {checkpoint.origin!r}, the origin of {where}"
            )
        try:
            opened = notes.open_note(note, self.verifiers)
        except notes.UnverifiedNote:
            raise Alarm("signature", f"{where} is signed by no key of the keys file") from None
        except notes.NoteError as error:
            raise Alarm("signature", f"{where}: {error}") from None
        by_ledger = [
            s
            for s in opened.signatures
            if s.name == checkpoint.origin and s.key_id in {v.key_id for v in ledger_keys}
        ]
        if not by_ledger:
            raise Alarm(
                "signature",
                f"{where} (size {checkpoint.size}) is not signed by the ledger's key "
                f"{checkpoint.origin}",
            )
        witnesses = {s.name for s in opened.signatures if s.name != checkpoint.origin}
        if len(witnesses) < self.quorum:
            raise NotNotarized(
                f"{where} (size {checkpoint.size}) carries {len(witnesses)} cosignature(s) by "
                f"witnesses of the keys file ({', '.join(sorted(witnesses)) or 'none'}); "
                f"the quorum is {self.quorum}"
            )
        return checkpoint


# --- Hashing --------------------------------------------------------------------------------------


def perfect_root(hashes: list[bytes]) -> bytes:
    """The Merkle root of a power-of-two number of hashes, level by level."""
    sha = hashlib.sha256
    while len(hashes) > 1:
        hashes = [
            sha(b"\x01" + hashes[i] + hashes[i + 1]).digest() for i in range(0, len(hashes), 2)
        ]
    return hashes[0]


def changed_tiles(old_size: int, new_size: int) -> list[Tile]:
    """The tiles of ``new_size`` that a mirror at ``old_size`` lacks or holds only partially."""
    found = []
    level = 0
    while new_size >> (TILE_HEIGHT * level):
        hashes = new_size >> (TILE_HEIGHT * level)
        first = (old_size >> (TILE_HEIGHT * level)) // TILE_WIDTH
        for index in range(first, (hashes + TILE_WIDTH - 1) // TILE_WIDTH):
            width = tiles.width_at(level, index, new_size)
            if width > tiles.width_at(level, index, old_size):
                found.append(Tile(level, index, width))
        level += 1
    return found


# --- The store ------------------------------------------------------------------------------------


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file: write, fsync, rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    with open(temporary, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


def sync_folder(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class Store:
    """The mirror's local copy, laid out like the log's tiles (see the module's docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.folders: set[Path] = set()

    # Checkpoints

    def checkpoint_sizes(self) -> list[int]:
        folder = self.root / "checkpoints"
        if not folder.is_dir():
            return []
        return sorted(int(p.name) for p in folder.iterdir() if p.name.isdigit())

    def checkpoint_note(self, size: int) -> str:
        path = self.root / "checkpoints" / str(size)
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise Alarm("store", f"cannot read {path}: {error}") from None

    def save_checkpoint(self, size: int, note: str, *, latest: bool) -> None:
        """The commit point: after every tile and bundle of this size is written and synced."""
        self.sync()
        write_atomically(self.root / "checkpoints" / str(size), note.encode("utf-8"))
        sync_folder(self.root / "checkpoints")
        if latest:
            write_atomically(self.root / "checkpoint", note.encode("utf-8"))
            sync_folder(self.root)

    # Tiles and bundles

    def _path(self, tile: Tile, entries: bool) -> Path:
        return self.root / (tile.entries_path if entries else tile.path)

    def write(self, tile: Tile, data: bytes, *, entries: bool = False) -> None:
        path = self._path(tile, entries)
        write_atomically(path, data)
        self.folders.add(path.parent)

    def sync(self) -> None:
        for folder in sorted(self.folders, key=lambda p: len(p.parts), reverse=True):
            sync_folder(folder)
        self.folders.clear()

    def _read_widest(self, tile: Tile, entries: bool) -> tuple[bytes, int] | None:
        """The stored bytes of this tile at its width or wider, and the stored width."""
        full = self._path(Tile(tile.level, tile.index), entries)
        if full.is_file():
            return full.read_bytes(), TILE_WIDTH
        partials = full.with_name(full.name + ".p")
        if not partials.is_dir():
            return None
        widths = [int(p.name) for p in partials.iterdir() if p.name.isdigit()]
        widths = [w for w in widths if w >= tile.width]
        if not widths:
            return None
        width = min(widths)
        return (partials / str(width)).read_bytes(), width

    def tile(self, tile: Tile) -> bytes:
        """The hashes of a tile at ``tile.width``, sliced from a stored tile as wide or wider."""
        try:
            found = self._read_widest(tile, entries=False)
        except OSError as error:
            raise Alarm("store", f"cannot read {tile.path}: {error}") from None
        if found is None:
            raise Alarm("store", f"the store has no {tile.path} (or a wider one)")
        data, width = found
        if len(data) != width * HASH:
            raise Alarm(
                "tile",
                f"stored {tile.path} (width {width}) is {len(data)} bytes, not {width * HASH}",
            )
        return data[: tile.width * HASH]

    def bundle(self, tile: Tile) -> list[bytes]:
        """The first ``tile.width`` entries of the stored bundle at this index."""
        try:
            found = self._read_widest(tile, entries=True)
        except OSError as error:
            raise Alarm("store", f"cannot read {tile.entries_path}: {error}") from None
        if found is None:
            raise Alarm("store", f"the store has no {tile.entries_path} (or a wider one)")
        data, width = found
        try:
            entries = tiles.decode_bundle(data)
        except ValueError as error:
            raise Alarm("entry", f"stored {tile.entries_path}: {error}") from None
        if len(entries) != width:
            raise Alarm(
                "entry", f"stored {tile.entries_path} holds {len(entries)} entries, not {width}"
            )
        return entries[: tile.width]

    def bundle_bytes(self, tile: Tile) -> tuple[bytes, int]:
        """The stored bundle at this index as wide or wider, and its width (for check_bundle)."""
        try:
            found = self._read_widest(tile, entries=True)
        except OSError as error:
            raise Alarm("store", f"cannot read {tile.entries_path}: {error}") from None
        if found is None:
            raise Alarm("store", f"the store has no {tile.entries_path} (or a wider one)")
        return found

    def drop_partials(self, size: int) -> None:
        """Remove partial tiles and bundles narrower than those of ``size`` (superseded)."""
        for folder in self.root.joinpath("tile").glob("**/*.p"):
            if not folder.is_dir():
                continue
            relative = folder.relative_to(self.root / "tile")
            level_text = relative.parts[0]
            index_text = "/".join(relative.parts[1:])[: -len(".p")]
            try:
                index, _ = tiles.decode_index(index_text)
                level = 0 if level_text == "entries" else tiles.decode_level(level_text)
            except tiles.TilePathError:
                continue
            keep = tiles.width_at(level, index, size)
            for item in folder.iterdir():
                if item.name.isdigit() and (keep == TILE_WIDTH or int(item.name) < keep):
                    item.unlink()
            if not any(folder.iterdir()):
                folder.rmdir()

    def drop_temporaries(self) -> None:
        """Remove temporary files a killed run left behind."""
        if self.root.is_dir():
            for item in self.root.rglob(".*.tmp-*"):
                item.unlink(missing_ok=True)


# --- The server -----------------------------------------------------------------------------------


class Server:
    """The log's HTTP surface, one keep-alive connection per thread, with retries."""

    def __init__(self, url: str, token: str | None, *, retries: int = 3, timeout: float = 30):
        parts = urllib.parse.urlsplit(url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise LocalError(f"URL must be http:// or https:// and name a host, not {url!r}")
        self.scheme = parts.scheme
        self.netloc = parts.netloc
        self.prefix = parts.path
        self.token = token
        self.retries = retries
        self.timeout = timeout
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            kind = (
                http.client.HTTPSConnection
                if self.scheme == "https"
                else http.client.HTTPConnection
            )
            connection = kind(self.netloc, timeout=self.timeout)
            self._local.connection = connection
        return connection

    def _drop(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    def get(self, path: str, *, secret: bool = False, missing_ok: bool = False) -> bytes | None:
        """The body of ``GET <URL>/ledger/<path>``; NetworkError after retries."""
        headers = {"User-Agent": USER_AGENT}
        if secret and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        target = f"{self.prefix}/ledger/{path}"
        problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(min(0.2 * 2**attempt, 5))
            try:
                connection = self._connection()
                connection.request("GET", target, headers=headers)
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as error:
                self._drop()
                problem = f"{type(error).__name__}: {error}"
                continue
            if response.status == 200:
                return body
            if response.status == 404 and missing_ok:
                return None
            problem = f"HTTP {response.status} {body[:200].decode('utf-8', 'replace')}"
            if response.status < 500 and response.status != 429:
                break  # retrying will not change the answer
        raise NetworkError(f"GET {self.scheme}://{self.netloc}{target}: {problem}")


def ordered_prefetch(
    items: Iterable[Tile], fetch: Callable[[Tile], bytes], pool: ThreadPoolExecutor, window: int
) -> Iterator[tuple[Tile, bytes]]:
    """Yield ``(item, fetch(item))`` in order, with up to ``window`` fetches running ahead."""
    pending: collections.deque[tuple[Tile, Future]] = collections.deque()
    for item in items:
        pending.append((item, pool.submit(fetch, item)))
        if len(pending) >= window:
            tile, future = pending.popleft()
            yield tile, future.result()
    while pending:
        tile, future = pending.popleft()
        yield tile, future.result()


# --- Verification ---------------------------------------------------------------------------------


@dataclass
class Accepted:
    """The last checkpoint accepted: its size, root and origin."""

    size: int
    root: bytes
    origin: str


def check_tiles(
    old_size: int,
    new: notes.Checkpoint,
    fetched: dict[tuple[int, int], bytes],
    store: Store,
    old_root: bytes | None,
) -> merkle.NodeGetter:
    """Check the new tiles of ``new`` against each other, the old tiles and the signed root."""
    for (level, index), data in fetched.items():
        width = tiles.width_at(level, index, new.size)
        path = Tile(level, index, width).path
        if len(data) != width * HASH:
            raise Alarm("tile", f"{path} is {len(data)} bytes, not {width} hashes of 32 bytes")
        old_width = tiles.width_at(level, index, old_size)
        if old_width:
            held = store.tile(Tile(level, index, old_width))
            if data[: old_width * HASH] != held:
                at = next(
                    i
                    for i in range(old_width)
                    if data[i * HASH : (i + 1) * HASH] != held[i * HASH : (i + 1) * HASH]
                )
                raise Alarm(
                    "inconsistent",
                    f"{path} of the checkpoint of size {new.size} changes hash {at} of "
                    f"{Tile(level, index, old_width).path} of the accepted checkpoint of size "
                    f"{old_size}: {b64(held[at * HASH : (at + 1) * HASH])} became "
                    f"{b64(data[at * HASH : (at + 1) * HASH])}",
                )
    # The root of every full tile is its hash in the tile above.
    for (level, index), data in fetched.items():
        if len(data) != TILE_WIDTH * HASH:
            continue
        above = fetched.get((level + 1, index // TILE_WIDTH))
        if above is None:
            continue  # cannot happen for a tile of changed_tiles
        position = index % TILE_WIDTH
        expected = above[position * HASH : (position + 1) * HASH]
        found = perfect_root(tiles.split_hashes(data))
        if found != expected:
            upper = Tile(level + 1, index // TILE_WIDTH, len(above) // HASH)
            raise Alarm(
                "tile",
                f"{Tile(level, index).path} hashes to {b64(found)}, but hash {position} of "
                f"{upper.path} is {b64(expected)} (checkpoint size {new.size})",
            )

    def fetch_tile(tile: Tile) -> bytes:
        data = fetched.get((tile.level, tile.index))
        return data if data is not None else store.tile(tile)

    getter = tiles.node_getter(new.size, fetch_tile)
    root = merkle.range_hash(0, new.size, getter)
    if root != new.root:
        raise Alarm(
            "tile",
            f"the tiles of size {new.size} give the root {b64(root)}, but the checkpoint says "
            f"{b64(new.root)}",
        )
    if old_size and old_root is not None:
        proof = merkle.consistency_proof(old_size, new.size, getter)
        try:
            merkle.check_consistency(old_size, new.size, old_root, new.root, proof)
        except merkle.ProofError as error:
            raise Alarm(
                "inconsistent",
                f"checkpoint {new.size} ({b64(new.root)}) does not extend the accepted checkpoint "
                f"{old_size} ({b64(old_root)}): {error}",
            ) from None
    return getter


class BundleCheck(NamedTuple):
    """What ``check_bundle`` found: the first entry's prev (empty if it did not get that far), the
    last entry's hash, and the alarm it raised, if any."""

    first_prev: list[object]
    last: str
    alarm: Alarm | None


def check_bundle(
    tile: Tile, data: bytes, leaves: bytes, stored_width: int | None = None
) -> BundleCheck:
    """``check_bundle_or_raise``, its alarm returned rather than raised: the caller first checks
    the link to the bundle before, which comes earlier in the log."""
    found: list[object] = []
    try:
        last = check_bundle_or_raise(tile, data, leaves, stored_width, found)
    except Alarm as alarm:
        return BundleCheck(found, "", alarm)
    return BundleCheck(found, last, None)


def check_bundle_or_raise(
    tile: Tile,
    data: bytes,
    leaves: bytes,
    stored_width: int | None = None,
    first_prev: list[object] | None = None,
) -> str:
    """Check one entry bundle against the hashes of its level-0 tile (``leaves``).

    Every entry is canonical, has its seq, the ``prev`` of the entry before it within the bundle,
    and its leaf hash at its place in the tile. Return the entry hash (hex) of the last entry and
    append the first entry's ``prev`` to ``first_prev``: the caller links them to the bundles
    around it. A pure function of its arguments, so bundles are checked in worker processes.
    ``stored_width``: the bundle is the store's, that wide, and only its first ``tile.width``
    entries count.
    """
    where = f"stored {tile.entries_path}" if stored_width else tile.entries_path
    try:
        entries = tiles.decode_bundle(data)
    except ValueError as error:
        raise Alarm("entry", f"{where}: {error}") from None
    expected = stored_width or tile.width
    if len(entries) != expected:
        raise Alarm("entry", f"{where} holds {len(entries)} entries, not {expected}")
    sha = hashlib.sha256
    seq = tile.index * TILE_WIDTH
    prev = ""
    at = 0
    for position, raw in enumerate(entries[: tile.width]):
        try:
            value = parse_canonical(raw)
        except CanonicalError as error:
            raise Alarm("entry", f"seq {seq} ({where}, position {position}): {error}") from None
        if type(value) is not dict or type(value.get("seq")) is not int or value["seq"] != seq:
            found = value.get("seq") if type(value) is dict else type(value).__name__
            raise Alarm("entry", f"seq {seq} ({where}, position {position}): its seq is {found!r}")
        if position == 0:
            if first_prev is not None:
                first_prev.append(value.get("prev"))
        elif value.get("prev") != prev:
            raise Alarm("entry", prev_problem(seq, where, position, value.get("prev"), prev))
        leaf = sha(b"\x00" + raw).digest()
        if leaf != leaves[at : at + HASH]:
            raise Alarm(
                "entry",
                f"seq {seq} ({where}, position {position}): its leaf hash "
                f"{b64(leaf)} is not hash {position} of {Tile(0, tile.index, tile.width).path} "
                f"({b64(leaves[at : at + HASH])})",
            )
        prev = sha(raw).hexdigest()
        seq += 1
        at += HASH
    return prev


def prev_problem(seq: int, where: str, position: int, found: object, expected: str) -> str:
    return (
        f"seq {seq} ({where}, position {position}): prev is {found!r}, but the SHA-256 of "
        f"entry {seq - 1} is {expected}"
    )


def previous_entry_hash(store: Store, first_seq: int) -> str:
    """The entry hash (hex) of entry ``first_seq - 1`` from the store, or 64 zeros for seq 0."""
    if first_seq == 0:
        return ZERO_PREV
    entries = store.bundle(Tile(0, (first_seq - 1) // TILE_WIDTH))
    return hashlib.sha256(entries[-1]).hexdigest()


class Mirror:
    """Follows one log into one store."""

    def __init__(
        self,
        store: Store,
        trust: Trust,
        server: Server | None = None,
        *,
        workers: int = 8,
        processes: int = 0,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        self.trust = trust
        self.server = server
        self.workers = workers
        self.processes = processes
        self.log = log or (lambda text: print(text, file=sys.stderr, flush=True))
        self.accepted: dict[int, bytes] = {}
        self.origin: str | None = None
        self.latest: Accepted | None = None

    # Loading what was accepted

    def load(self) -> None:
        """Read the accepted checkpoints (re-opening each with the keys and quorum)."""
        self.store.drop_temporaries()
        for size in self.store.checkpoint_sizes():
            note = self.store.checkpoint_note(size)
            where = f"stored checkpoints/{size}"
            try:
                checkpoint = self.trust.open(note, self.origin, where)
            except NotNotarized as problem:
                raise Alarm("store", str(problem)) from None
            if checkpoint.size != size:
                raise Alarm("store", f"{where} is a checkpoint of size {checkpoint.size}")
            self.origin = checkpoint.origin
            self.accepted[size] = checkpoint.root
            self.latest = Accepted(size, checkpoint.root, checkpoint.origin)

    def root_at(self, size: int) -> bytes:
        """The root of the first ``size`` entries, from the stored (verified) tiles."""
        return merkle.range_hash(0, size, tiles.node_getter(size, self.store.tile))

    # One round

    def fetch_checkpoint(self, path: str = "checkpoint") -> str | None:
        assert self.server is not None
        body = self.server.get(path, missing_ok=path != "checkpoint")
        if body is None:
            return None
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            raise Alarm("signature", f"{path} is not UTF-8 text") from None

    def check_known_size(self, checkpoint: notes.Checkpoint, where: str) -> bool:
        """Compare a checkpoint no larger than the latest accepted one with the verified tree.

        Return True when it is new and agrees (the caller keeps it); Alarm when roots differ.
        """
        assert self.latest is not None
        held = self.accepted.get(checkpoint.size)
        if held is None:
            held = self.root_at(checkpoint.size)
            source = f"the tree this mirror verified up to size {self.latest.size}"
        else:
            source = f"the checkpoint of size {checkpoint.size} accepted before"
        if held != checkpoint.root:
            raise Alarm(
                "split-view",
                f"{where} has size {checkpoint.size} and root {b64(checkpoint.root)}; "
                f"{source} has root {b64(held)} at that size",
            )
        return checkpoint.size not in self.accepted

    def sync_once(self) -> notes.Checkpoint | None:
        """Fetch the latest checkpoint and, if it is new, verify and store it; return it."""
        assert self.server is not None
        if self.latest is not None:
            # Ask again for the last accepted size: a log showing two roots for it is caught.
            size = self.latest.size
            note = self.fetch_checkpoint(f"checkpoint/{size}")
            if note is None:
                self.log(f"warning: the server no longer serves checkpoint/{size}")
            else:
                try:
                    self.check_known_size(
                        self.trust.open(note, self.origin, f"checkpoint/{size}"),
                        f"checkpoint/{size}",
                    )
                except NotNotarized as problem:
                    self.log(f"warning: {problem}")
        note = self.fetch_checkpoint()
        assert note is not None
        checkpoint = self.trust.open(note, self.origin, "the latest checkpoint")
        if self.latest is not None and checkpoint.size <= self.latest.size:
            if self.check_known_size(checkpoint, "the latest checkpoint"):
                if checkpoint.size < self.latest.size:
                    self.log(
                        f"warning: the latest checkpoint (size {checkpoint.size}) is older than "
                        f"the one accepted (size {self.latest.size}); it agrees with it"
                    )
                self.store.save_checkpoint(checkpoint.size, note, latest=False)
                self.accepted[checkpoint.size] = checkpoint.root
            return None
        self.extend(checkpoint, note, self.server_tile, self.server_bundle)
        return checkpoint

    def server_tile(self, tile: Tile) -> bytes:
        assert self.server is not None
        return self.server.get(tile.path)

    def server_bundle(self, tile: Tile) -> tuple[bytes, None]:
        assert self.server is not None
        return self.server.get(tile.entries_path, secret=True), None

    def checked(
        self, bundles: Iterable[tuple[Tile, tuple[bytes, int | None]]], fetched: dict
    ) -> Iterator[tuple[Tile, tuple[bytes, int | None], BundleCheck]]:
        """Yield each bundle with ``check_bundle``'s answer, in order, checked in ``processes``
        worker processes (in this one for a few bundles, or with ``processes`` 0)."""
        bundles = iter(bundles)
        head = list(itertools.islice(bundles, MIN_BUNDLES_FOR_PROCESSES))
        if not self.processes or len(head) < MIN_BUNDLES_FOR_PROCESSES:
            for tile, item in itertools.chain(head, bundles):
                data, stored_width = item
                yield tile, item, check_bundle(tile, data, fetched[(0, tile.index)], stored_width)
            return
        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(self.processes, mp_context=context) as workers:
            pending: collections.deque = collections.deque()
            for tile, item in itertools.chain(head, bundles):
                data, stored_width = item
                leaves = fetched[(0, tile.index)]
                future = workers.submit(check_bundle, tile, data, leaves, stored_width)
                pending.append((tile, item, future))
                if len(pending) >= 4 * self.processes:
                    tile, item, future = pending.popleft()
                    yield tile, item, future.result()
            while pending:
                tile, item, future = pending.popleft()
                yield tile, item, future.result()

    def extend(
        self,
        checkpoint: notes.Checkpoint,
        note: str | None,
        get_tile: Callable[[Tile], bytes],
        get_bundle: Callable[[Tile], tuple[bytes, int | None]],
        *,
        old: Accepted | None = None,
        write: bool = True,
    ) -> int:
        """Verify the log from the last accepted checkpoint (or ``old``) to ``checkpoint``."""
        old = old if old is not None else self.latest
        old_size, old_root = (old.size, old.root) if old else (0, None)
        needed = changed_tiles(old_size, checkpoint.size)
        with ThreadPoolExecutor(self.workers) as pool:
            fetched = {
                (tile.level, tile.index): data
                for tile, data in ordered_prefetch(needed, get_tile, pool, 4 * self.workers)
            }
            check_tiles(old_size, checkpoint, fetched, self.store, old_root)
            # Entries, bundle by bundle, against the level-0 tiles now trusted.
            first = old_size // TILE_WIDTH * TILE_WIDTH
            prev = previous_entry_hash(self.store, first)
            level0 = [tile for tile in needed if tile.level == 0]
            bundles = ordered_prefetch(level0, get_bundle, pool, 4 * self.workers)
            for tile, (data, stored_width), check in self.checked(bundles, fetched):
                if check.first_prev and check.first_prev[0] != prev:
                    where = f"stored {tile.entries_path}" if stored_width else tile.entries_path
                    seq = tile.index * TILE_WIDTH
                    raise Alarm("entry", prev_problem(seq, where, 0, check.first_prev[0], prev))
                if check.alarm is not None:
                    raise check.alarm
                prev = check.last
                if write:
                    self.store.write(tile, data, entries=True)
        if write:
            for tile in needed:
                self.store.write(tile, fetched[(tile.level, tile.index)])
            assert note is not None
            self.store.save_checkpoint(checkpoint.size, note, latest=True)
            self.store.drop_partials(checkpoint.size)
            self.accepted[checkpoint.size] = checkpoint.root
            self.origin = checkpoint.origin
            self.latest = Accepted(checkpoint.size, checkpoint.root, checkpoint.origin)
        return checkpoint.size - old_size

    # Offline

    def verify_store(self) -> int:
        """Re-verify the whole store offline; return the number of entries verified."""
        self.load()
        if self.latest is None:
            raise Alarm("store", f"{self.store.root} holds no accepted checkpoint")
        latest = self.latest
        checkpoint = notes.Checkpoint(latest.origin, latest.size, latest.root)
        count = self.extend(
            checkpoint,
            None,
            self.store.tile,
            self.store.bundle_bytes,
            old=Accepted(0, b"", latest.origin),
            write=False,
        )
        getter = tiles.node_getter(latest.size, self.store.tile)
        for size, root in sorted(self.accepted.items()):
            found = merkle.range_hash(0, size, getter)
            if found != root:
                raise Alarm(
                    "split-view",
                    f"stored checkpoints/{size} has root {b64(root)}, but the stored tree of size "
                    f"{latest.size} has {b64(found)} at size {size}",
                )
            if size < latest.size:
                proof = merkle.consistency_proof(size, latest.size, getter)
                try:
                    merkle.check_consistency(size, latest.size, root, latest.root, proof)
                except merkle.ProofError as error:
                    raise Alarm(
                        "inconsistent", f"stored checkpoints/{size} and /{latest.size}: {error}"
                    ) from None
        return count


# --- Command line ---------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m ledger.mirror",
        description="Follow the ledger's tiles into a verified local copy, or re-verify the copy.",
        epilog="Exit status: 0 ok, 1 local problem, 3 server unreachable, 4 below quorum, "
        "10-15 ALARM (see the module's docstring).",
    )
    parser.add_argument("url", nargs="?", help="the site's root, e.g. http://127.0.0.1:8000")
    parser.add_argument("--keys", required=True, type=Path, help="verifier keys, one per line")
    parser.add_argument(
        "--quorum", required=True, type=int, help="witness cosignatures a checkpoint needs"
    )
    parser.add_argument("--store", required=True, type=Path, help="the local copy's folder")
    parser.add_argument(
        "--token-file", type=Path, help=f"the bearer token for entry bundles (or ${TOKEN_ENV})"
    )
    parser.add_argument("--workers", type=int, default=8, help="parallel downloads (8)")
    parser.add_argument(
        "--processes",
        type=int,
        default=os.cpu_count() or 1,
        help="processes checking entries (the CPUs; 0: this one only)",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="one round, then exit")
    mode.add_argument("--interval", type=float, default=10.0, help="seconds between rounds (10)")
    mode.add_argument(
        "--verify-store", action="store_true", help="re-verify the local copy offline, then exit"
    )
    args = parser.parse_args(argv)
    if args.verify_store == bool(args.url):
        parser.error("give either URL or --verify-store")
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.processes < 0:
        parser.error("--processes must be at least 0")
    if args.interval <= 0:
        parser.error("--interval must be positive")
    return args


def read_token(args: argparse.Namespace) -> str | None:
    if args.token_file is not None:
        try:
            token = args.token_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            raise LocalError(f"cannot read the token file {args.token_file}: {error}") from None
        if not token:
            raise LocalError(f"the token file {args.token_file} is empty")
        return token
    return os.environ.get(TOKEN_ENV, "").strip() or None


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    trust = Trust.from_file(args.keys, args.quorum)
    store = Store(args.store)
    if args.verify_store:
        mirror = Mirror(store, trust, workers=args.workers, processes=args.processes, log=say)
        started = time.perf_counter()
        count = mirror.verify_store()
        elapsed = time.perf_counter() - started
        latest = mirror.latest
        assert latest is not None
        print(
            f"verified {count} entries and {len(mirror.accepted)} checkpoint(s) up to size "
            f"{latest.size} (root {b64(latest.root)}) in {elapsed:.2f} s",
            flush=True,
        )
        return EXIT_OK
    server = Server(args.url, read_token(args))
    mirror = Mirror(store, trust, server, workers=args.workers, processes=args.processes, log=say)
    try:
        store.root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise LocalError(f"cannot create the store {store.root}: {error}") from None
    mirror.load()
    while True:
        started = time.perf_counter()
        try:
            before = mirror.latest.size if mirror.latest else 0
            checkpoint = mirror.sync_once()
            if checkpoint is not None:
                elapsed = time.perf_counter() - started
                count = checkpoint.size - before
                print(
                    f"accepted checkpoint {checkpoint.size} (root {b64(checkpoint.root)}): "
                    f"{count} new entries in {elapsed:.2f} s",
                    flush=True,
                )
        except NetworkError as problem:
            say(f"network: {problem}")
            if args.once:
                return EXIT_NETWORK
        except NotNotarized as problem:
            say(f"not accepted yet: {problem}")
            if args.once:
                return EXIT_QUORUM
        if args.once:
            return EXIT_OK
        time.sleep(args.interval)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return run(args)
    except Alarm as alarm:
        say(alarm.line)
        return alarm.status
    except LocalError as problem:
        say(f"error: {problem}")
        return EXIT_LOCAL
    except OSError as error:
        say(f"error: {error}")
        return EXIT_LOCAL
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    # Run the imported module's main, so that worker processes unpickle ledger.mirror's functions
    # and alarms, not __main__'s.
    from ledger import mirror

    sys.exit(mirror.main())
