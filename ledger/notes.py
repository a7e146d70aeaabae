"""C2SP signed notes and tlog checkpoints with Ed25519 keys (spec section 4).

Byte-compatible with Go's ``golang.org/x/mod/sumdb/note``: the same key strings, key ids, signature
lines and ``note.Open`` rules, so that independent tools verify our checkpoints unchanged. Pure
Python on ``cryptography``, no Django, so that ``ledger.verify_receipt`` can use it standalone.

One deliberate difference from Go: in notes and checkpoints, base64 must be canonical (no stray bits
in the last character). Every honest signer, Go's included, writes canonical base64, and accepting
only that gives each note exactly one encoding, so any altered byte is detected.

Keys come in two kinds, told apart by their algorithm byte: plain Ed25519 note signatures (0x01),
which the ledger signs with, and witness cosignatures (C2SP tlog-cosignature, ``cosignature/v1``,
0x04), whose signature line carries the time of cosigning and signs
``cosignature/v1\ntime <t>\n`` followed by the checkpoint body. ``open_note`` verifies both.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

ALGORITHM_ED25519 = 0x01
ALGORITHM_COSIGNATURE_V1 = 0x04  # C2SP tlog-cosignature, Ed25519 with a timestamp
ALGORITHMS = (ALGORITHM_ED25519, ALGORITHM_COSIGNATURE_V1)
COSIGNATURE_V1_HEADER = b"cosignature/v1\n"
TIMESTAMP_SIZE = 8
SIGNATURE_PREFIX = "\u2014 "  # EM DASH, then a space
MAX_SIGNATURES = 100  # note.Open's limit, so a hostile note cannot make us verify forever
KEY_ID_SIZE = 4
ED25519_SIGNATURE_SIZE = 64
HASH_SIZE = 32

# Unicode White_Space, which is what Go's unicode.IsSpace tests.
_WHITESPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
)
_DECIMAL = re.compile(r"0|[1-9][0-9]*")  # ASCII only: str.isdigit would accept other scripts
_MAX_TREE_SIZE = 2**63 - 1  # Go's tlog sizes are int64


class NoteError(ValueError):
    """A signed note that cannot be accepted."""


class MalformedNote(NoteError):
    """Text that is not a well-formed signed note (or checkpoint)."""


class UnverifiedNote(NoteError):
    """A well-formed note that no trusted key signed; ``note`` holds what was found."""

    def __init__(self, note: OpenedNote) -> None:
        super().__init__("note has no verifiable signatures")
        self.note = note


class InvalidNoteSignature(NoteError):
    """A signature line of a trusted key whose signature does not verify."""

    def __init__(self, name: str, key_id: bytes) -> None:
        super().__init__(f"invalid signature for key {name}+{key_id.hex()}")
        self.name = name
        self.key_id = key_id


class AmbiguousKey(NoteError):
    """Two different trusted keys share a name and key id, so a signature cannot be attributed."""

    def __init__(self, name: str, key_id: bytes) -> None:
        super().__init__(f"ambiguous key {name}+{key_id.hex()}")
        self.name = name
        self.key_id = key_id


# --- Keys -----------------------------------------------------------------------------------------


def check_key_name(name: str) -> None:
    """Raise ValueError unless name is a valid key name (Go's rule: non-empty, no space, no '+')."""
    if not isinstance(name, str):
        raise ValueError(f"key name must be a string, not {type(name).__name__}")
    if not name:
        raise ValueError("key name is empty")
    if "+" in name:
        raise ValueError(f"key name {name!r} contains '+'")
    if any(char in _WHITESPACE for char in name):
        raise ValueError(f"key name {name!r} contains whitespace")
    # Stricter than Go's key parser, as strict as its note.Open: a note naming such a key is
    # malformed anyway.
    if any(char < " " for char in name):
        raise ValueError(f"key name {name!r} contains a control character")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"key name {name!r} is not valid UTF-8") from None


def key_id(name: str, public_key: bytes, algorithm: int = ALGORITHM_ED25519) -> bytes:
    """Return the 4-byte key id: SHA-256(name || "\\n" || algorithm || public key)[:4]."""
    material = name.encode("utf-8") + b"\n" + bytes([algorithm]) + public_key
    return hashlib.sha256(material).digest()[:KEY_ID_SIZE]


def cosigned_message(body: str | bytes, timestamp: int) -> bytes:
    """What a ``cosignature/v1`` signs: the header, ``time <t>``, then the checkpoint body."""
    return COSIGNATURE_V1_HEADER + b"time %d\n" % timestamp + _body_bytes(body)


def _decode_base64(text: str, what: str, *, canonical: bool = True) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{what} is not valid base64") from None
    if canonical and base64.b64encode(raw).decode("ascii") != text:
        raise ValueError(f"{what} is not canonical base64")
    return raw


def _parse_key_id(text: str) -> bytes:
    # Go parses with strconv.ParseUint(s, 16, 32) after checking the length, so either case works.
    if len(text) != 2 * KEY_ID_SIZE or not all(c in "0123456789abcdefABCDEF" for c in text):
        raise ValueError("key id must be 8 hexadecimal digits")
    return bytes.fromhex(text)


def _parse_typed_key(text: str, what: str) -> tuple[int, bytes]:
    # Keys are trusted configuration, so they are read as leniently as Go reads them: its base64
    # decoder skips CR and LF and ignores stray bits in the last character.
    raw = _decode_base64(text.replace("\r", "").replace("\n", ""), what, canonical=False)
    if not raw:
        raise ValueError(f"{what} is empty")
    if raw[0] not in ALGORITHMS:
        raise ValueError(
            f"{what} has algorithm 0x{raw[0]:02x}; only 0x01 (Ed25519) and 0x04 "
            "(cosignature/v1) are supported"
        )
    if len(raw) != 1 + 32:
        raise ValueError(f"Ed25519 {what} must be 32 bytes, got {len(raw) - 1}")
    return raw[0], raw[1:]


class Verifier:
    """A public key that checks signatures by one named key: plain note signatures (0x01) or
    witness cosignatures (``cosignature/v1``, 0x04)."""

    __slots__ = ("_public_key", "algorithm", "key_id", "name", "public_key")

    def __init__(self, name: str, public_key: bytes, algorithm: int = ALGORITHM_ED25519) -> None:
        check_key_name(name)
        if len(public_key) != 32:
            raise ValueError(f"Ed25519 public key must be 32 bytes, got {len(public_key)}")
        if algorithm not in ALGORITHMS:
            raise ValueError(f"unsupported key algorithm 0x{algorithm:02x}")
        self.name = name
        self.algorithm = algorithm
        self.public_key = bytes(public_key)
        self.key_id = key_id(name, self.public_key, algorithm)
        self._public_key = Ed25519PublicKey.from_public_bytes(self.public_key)

    @property
    def cosigner(self) -> bool:
        """Whether this is a witness's ``cosignature/v1`` key."""
        return self.algorithm == ALGORITHM_COSIGNATURE_V1

    @classmethod
    def from_string(cls, vkey: str) -> Verifier:
        """Parse ``<name>+<key id hex>+<base64(0x01 or 0x04 || public key)>``; ValueError if bad."""
        if not isinstance(vkey, str):
            raise ValueError(f"verifier key must be a string, not {type(vkey).__name__}")
        parts = vkey.split("+", 2)  # base64 may itself contain '+'
        if len(parts) != 3:
            raise ValueError("verifier key must look like <name>+<key id>+<base64 key>")
        name, id_hex, key64 = parts
        check_key_name(name)
        claimed_id = _parse_key_id(id_hex)
        algorithm, public_key = _parse_typed_key(key64, "verifier key")
        verifier = cls(name, public_key, algorithm)
        if verifier.key_id != claimed_id:
            raise ValueError(
                f"key id {id_hex} does not match name {name!r} and its key "
                f"(expected {verifier.key_id.hex()})"
            )
        return verifier

    def __str__(self) -> str:
        encoded = base64.b64encode(bytes([self.algorithm]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    def __repr__(self) -> str:
        return f"Verifier({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Verifier):
            return NotImplemented
        return (self.name, self.public_key, self.algorithm) == (
            other.name,
            other.public_key,
            other.algorithm,
        )

    def __hash__(self) -> int:
        return hash((self.name, self.public_key, self.algorithm))

    def verify(self, body: str | bytes, signature: bytes) -> bool:
        """Return True exactly when ``signature`` (the bytes after the key id) is this key's
        signature of the body: Ed25519 over the body bytes, or for a cosigner an 8-byte
        big-endian timestamp followed by Ed25519 over ``cosigned_message(body, timestamp)``."""
        signature = bytes(signature)
        message = _body_bytes(body)
        if self.cosigner:
            if len(signature) != TIMESTAMP_SIZE + ED25519_SIGNATURE_SIZE:
                return False
            timestamp = int.from_bytes(signature[:TIMESTAMP_SIZE], "big")
            message = cosigned_message(message, timestamp)
            signature = signature[TIMESTAMP_SIZE:]
        elif len(signature) != ED25519_SIGNATURE_SIZE:
            return False
        try:
            self._public_key.verify(signature, message)
        except (_CryptoInvalidSignature, ValueError):
            return False
        return True

    def timestamp(self, signature: bytes) -> int | None:
        """A cosignature's time (POSIX seconds), or None for a plain signature."""
        if not self.cosigner or len(signature) != TIMESTAMP_SIZE + ED25519_SIGNATURE_SIZE:
            return None
        return int.from_bytes(bytes(signature[:TIMESTAMP_SIZE]), "big")


class Signer:
    """A private key that signs notes under a key name (0x01), or cosigns checkpoints as a
    witness (``cosignature/v1``, 0x04); repr() and str() never show the key."""

    __slots__ = ("_private_key", "algorithm", "key_id", "name", "public_key")

    def __init__(
        self, name: str, private_key: Ed25519PrivateKey, algorithm: int = ALGORITHM_ED25519
    ) -> None:
        check_key_name(name)
        if algorithm not in ALGORITHMS:
            raise ValueError(f"unsupported key algorithm 0x{algorithm:02x}")
        self.name = name
        self.algorithm = algorithm
        self._private_key = private_key
        self.public_key = private_key.public_key().public_bytes_raw()
        self.key_id = key_id(name, self.public_key, algorithm)

    @classmethod
    def from_string(cls, skey: str) -> Signer:
        """Parse ``PRIVATE+KEY+<name>+<key id hex>+<base64(0x01 or 0x04 || seed)>``; ValueError
        if bad."""
        # Messages never quote the input: it holds the private key.
        if not isinstance(skey, str):
            raise ValueError(f"signer key must be a string, not {type(skey).__name__}")
        parts = skey.split("+", 4)  # base64 may itself contain '+'
        if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
            raise ValueError("signer key must look like PRIVATE+KEY+<name>+<key id>+<base64 key>")
        _, _, name, id_hex, key64 = parts
        check_key_name(name)
        claimed_id = _parse_key_id(id_hex)
        algorithm, seed = _parse_typed_key(key64, "signer key")
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(seed), algorithm)
        if signer.key_id != claimed_id:
            raise ValueError(
                f"key id {id_hex} does not match name {name!r} and its key "
                f"(expected {signer.key_id.hex()})"
            )
        return signer

    @property
    def verifier(self) -> Verifier:
        """The matching public verifier."""
        return Verifier(self.name, self.public_key, self.algorithm)

    @property
    def verifier_key(self) -> str:
        """The public verifier key string, as served by GET /ledger/keys."""
        return str(self.verifier)

    def signature(self, body: str | bytes, timestamp: int | None = None) -> bytes:
        """Return the signature bytes after the key id (deterministic): the 64-byte Ed25519
        signature of the body, or for a cosigner the 8-byte big-endian ``timestamp`` (POSIX
        seconds, required) followed by the signature of ``cosigned_message(body, timestamp)``."""
        if not self.cosigner:
            return self._private_key.sign(_body_bytes(body))
        if timestamp is None or not 0 <= timestamp < 2**63:
            raise ValueError("a cosignature/v1 needs its timestamp, in POSIX seconds")
        stamp = timestamp.to_bytes(TIMESTAMP_SIZE, "big")
        return stamp + self._private_key.sign(cosigned_message(body, timestamp))

    @property
    def cosigner(self) -> bool:
        """Whether this is a witness's ``cosignature/v1`` key."""
        return self.algorithm == ALGORITHM_COSIGNATURE_V1

    def sign(self, body: str | bytes, timestamp: int | None = None) -> str:
        """Return the signature line ``— <name> <base64(key id || signature)>\\n`` for the body
        (a cosigner's carries ``timestamp``)."""
        encoded = base64.b64encode(self.key_id + self.signature(body, timestamp)).decode("ascii")
        return f"{SIGNATURE_PREFIX}{self.name} {encoded}\n"

    def __repr__(self) -> str:
        return f"Signer(name={self.name!r}, key_id={self.key_id.hex()})"

    def __reduce__(self) -> object:
        # Pickling would copy the private key into caches, queues or logs.
        raise TypeError("a Signer holds a private key and cannot be pickled")


def signer_key_string(name: str, seed: bytes, algorithm: int = ALGORITHM_ED25519) -> str:
    """Return the secret signer key string for a name and a 32-byte Ed25519 seed."""
    check_key_name(name)
    if len(seed) != 32:
        raise ValueError(f"Ed25519 seed must be 32 bytes, got {len(seed)}")
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unsupported key algorithm 0x{algorithm:02x}")
    public_key = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()
    encoded = base64.b64encode(bytes([algorithm]) + seed).decode("ascii")
    return f"PRIVATE+KEY+{name}+{key_id(name, public_key, algorithm).hex()}+{encoded}"


def generate_signer(name: str, algorithm: int = ALGORITHM_ED25519) -> tuple[str, str]:
    """Return a new random key pair as (signer key string, verifier key string); pass
    ``ALGORITHM_COSIGNATURE_V1`` for a witness's cosigning key."""
    check_key_name(name)
    private_key = Ed25519PrivateKey.generate()
    skey = signer_key_string(name, private_key.private_bytes_raw(), algorithm)
    return skey, Signer(name, private_key, algorithm).verifier_key


def _body_bytes(body: str | bytes) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


# --- Notes ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    """One signature line: key name, key id and the base64 of key id || signature."""

    name: str
    key_id: bytes
    base64: str

    @property
    def signature(self) -> bytes:
        """The signature bytes after the key id."""
        return base64.b64decode(self.base64)[KEY_ID_SIZE:]

    @property
    def line(self) -> str:
        """The signature line as it appears in the note, with its newline."""
        return f"{SIGNATURE_PREFIX}{self.name} {self.base64}\n"


@dataclass(frozen=True)
class OpenedNote:
    """A note's body with its signatures by trusted keys and by keys we do not know."""

    text: str
    signatures: tuple[Signature, ...]
    unverified_signatures: tuple[Signature, ...] = ()

    @property
    def signed_by(self) -> tuple[str, ...]:
        """The names of the trusted keys whose signatures verified, in note order."""
        return tuple(signature.name for signature in self.signatures)


def _note_text(note: str | bytes) -> str:
    if isinstance(note, bytes | bytearray | memoryview):
        try:
            return bytes(note).decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedNote("malformed note: not valid UTF-8") from None
    if not isinstance(note, str):
        raise MalformedNote(f"malformed note: expected text, not {type(note).__name__}")
    try:
        note.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedNote("malformed note: not valid UTF-8") from None
    return note


def _check_text_characters(text: str, what: str) -> None:
    for position, char in enumerate(text):
        if char < " " and char != "\n":
            raise MalformedNote(
                f"malformed {what}: control character U+{ord(char):04X} at position {position}"
            )


def parse_note(note: str | bytes) -> tuple[str, list[Signature]]:
    """Split a signed note into its body and signature lines, without verifying any signature.

    Applies note.Open's syntax rules: valid UTF-8 without control characters other than newline, a
    body ending in a newline, a blank line, at least one and at most 100 well-formed signature
    lines each ending in a newline.
    """
    text = _note_text(note)
    _check_text_characters(text, "note")
    split = text.rfind("\n\n")
    if split < 0:
        raise MalformedNote("malformed note: no blank line before the signatures")
    body, block = text[: split + 1], text[split + 2 :]
    if not block:
        raise MalformedNote("malformed note: no signature lines")
    if not block.endswith("\n"):
        raise MalformedNote("malformed note: the last signature line does not end in a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedNote(f"malformed note: more than {MAX_SIGNATURES} signatures")
    signatures = []
    for number, line in enumerate(lines, start=1):
        if not line.startswith(SIGNATURE_PREFIX):
            raise MalformedNote(
                f"malformed note: signature line {number} does not start with an em dash and space"
            )
        name, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
        try:
            check_key_name(name)
        except ValueError as exc:
            raise MalformedNote(f"malformed note: signature line {number}: {exc}") from None
        try:
            raw = _decode_base64(encoded, "signature")
        except ValueError as exc:
            raise MalformedNote(f"malformed note: signature line {number}: {exc}") from None
        if len(raw) <= KEY_ID_SIZE:
            raise MalformedNote(f"malformed note: signature line {number} is too short")
        signatures.append(Signature(name, raw[:KEY_ID_SIZE], encoded))
    return body, signatures


def _as_verifiers(verifiers: Iterable[Verifier | str]) -> list[Verifier]:
    return [v if isinstance(v, Verifier) else Verifier.from_string(v) for v in verifiers]


def open_note(note: str | bytes, verifiers: Iterable[Verifier | str]) -> OpenedNote:
    """Return the note's body and signatures once at least one trusted key's signature verifies.

    Follows note.Open: a trusted key's bad signature rejects the whole note (InvalidNoteSignature),
    repeated signatures by one key count once, and a note no trusted key signed raises
    UnverifiedNote. Malformed text raises MalformedNote; a bad key string raises ValueError.
    """
    body, signatures = parse_note(note)
    trusted: dict[tuple[str, bytes], set[Verifier]] = {}
    for verifier in _as_verifiers(verifiers):
        trusted.setdefault((verifier.name, verifier.key_id), set()).add(verifier)
    body_bytes = body.encode("utf-8")
    verified: list[Signature] = []
    unverified: list[Signature] = []
    seen: set[tuple[str, bytes]] = set()
    for signature in signatures:
        key = (signature.name, signature.key_id)
        candidates = trusted.get(key)
        if not candidates:
            if signature not in unverified:
                unverified.append(signature)
            continue
        if len(candidates) > 1:
            raise AmbiguousKey(*key)
        if key in seen:
            continue
        seen.add(key)
        (verifier,) = candidates
        if not verifier.verify(body_bytes, signature.signature):
            raise InvalidNoteSignature(*key)
        verified.append(signature)
    opened = OpenedNote(body, tuple(verified), tuple(unverified))
    if not verified:
        raise UnverifiedNote(opened)
    return opened


def _check_body(body: str) -> None:
    if not isinstance(body, str):
        raise MalformedNote(f"malformed note body: expected text, not {type(body).__name__}")
    _note_text(body)
    _check_text_characters(body, "note body")
    if not body.endswith("\n"):
        raise MalformedNote("malformed note body: does not end in a newline")


def sign_note(body: str, signers: Sequence[Signer], timestamp: int | None = None) -> str:
    """Return the signed note: body, a blank line, one signature line per signer in order
    (cosigners sign with ``timestamp``)."""
    _check_body(body)
    if not signers:
        raise ValueError("a signed note needs at least one signer")
    lines: dict[tuple[str, bytes], str] = {}
    for signer in signers:
        lines.setdefault(
            (signer.name, signer.key_id),
            signer.sign(body, timestamp if signer.cosigner else None),
        )
    if len(lines) > MAX_SIGNATURES:
        raise ValueError(f"a note carries at most {MAX_SIGNATURES} signatures")
    return body + "\n" + "".join(lines.values())


def add_signatures(
    note: str | bytes, signers: Sequence[Signer], timestamp: int | None = None
) -> str:
    """Return the note with the signers' lines added after the existing ones (cosigning;
    cosigners sign with ``timestamp``).

    A signer whose key already has a line gets it replaced in place; Ed25519 is deterministic, so
    re-signing an honestly signed note (at the same time) leaves it byte-for-byte unchanged.
    """
    body, _signatures = parse_note(note)
    return add_signature_lines(
        note, [signer.sign(body, timestamp if signer.cosigner else None) for signer in signers]
    )


def add_signature_lines(note: str | bytes, new: Iterable[str]) -> str:
    """Return the note with these signature lines (e.g. a witness's answer) after its own.

    A line by a key that already has one replaces it in place. The lines are parsed, not trusted:
    whoever adds them still opens the note with the verifier keys it trusts.
    """
    body, signatures = parse_note(note)
    new_lines: dict[tuple[str, bytes], str] = {}
    for text in new:
        _, parsed = parse_note("x\n\n" + text.rstrip("\n") + "\n")
        for signature in parsed:
            new_lines.setdefault((signature.name, signature.key_id), signature.line)
    lines = []
    for signature in signatures:
        replacement = new_lines.pop((signature.name, signature.key_id), None)
        lines.append(replacement or signature.line)
    lines.extend(new_lines.values())
    if len(lines) > MAX_SIGNATURES:
        raise ValueError(f"a note carries at most {MAX_SIGNATURES} signatures")
    return body + "\n" + "".join(lines)


# --- Checkpoints (C2SP tlog-checkpoint) -----------------------------------------------------------


class Checkpoint(NamedTuple):
    """The three lines of a checkpoint body."""

    origin: str
    size: int
    root: bytes


def checkpoint_body(origin: str, size: int, root: bytes) -> str:
    """Return the checkpoint body ``<origin>\\n<size>\\n<base64 root>\\n``."""
    check_key_name(origin)  # the ledger's key is named after the origin
    if not isinstance(size, int) or isinstance(size, bool):
        raise ValueError(f"checkpoint size must be an integer, not {type(size).__name__}")
    if not 1 <= size <= _MAX_TREE_SIZE:
        # Spec section 7: no checkpoint of size 0 is ever made or accepted.
        raise ValueError(f"checkpoint size must be between 1 and {_MAX_TREE_SIZE}, got {size}")
    if not isinstance(root, bytes | bytearray) or len(root) != HASH_SIZE:
        raise ValueError(f"checkpoint root must be {HASH_SIZE} bytes")
    return f"{origin}\n{size}\n{base64.b64encode(bytes(root)).decode('ascii')}\n"


def parse_checkpoint(body: str | bytes) -> Checkpoint:
    """Parse a checkpoint body strictly; extension lines after the third are ignored."""
    text = _note_text(body)
    _check_text_characters(text, "checkpoint")
    if not text.endswith("\n"):
        raise MalformedNote("malformed checkpoint: does not end in a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise MalformedNote("malformed checkpoint: fewer than three lines")
    origin, size_text, root_text, *extensions = lines
    try:
        check_key_name(origin)
    except ValueError as exc:
        raise MalformedNote(f"malformed checkpoint origin: {exc}") from None
    if not _DECIMAL.fullmatch(size_text):
        raise MalformedNote(
            f"malformed checkpoint size {size_text!r}: not a decimal without leading zeros"
        )
    size = int(size_text)
    if not 1 <= size <= _MAX_TREE_SIZE:
        raise MalformedNote(f"checkpoint size must be between 1 and {_MAX_TREE_SIZE}, got {size}")
    try:
        root = _decode_base64(root_text, "checkpoint root")
    except ValueError as exc:
        raise MalformedNote(f"malformed {exc}") from None
    if len(root) != HASH_SIZE:
        raise MalformedNote(f"malformed checkpoint root: {len(root)} bytes, not {HASH_SIZE}")
    if any(not line for line in extensions):
        # C2SP tlog-checkpoint: extension lines are non-empty.
        raise MalformedNote("malformed checkpoint: empty extension line")
    return Checkpoint(origin, size, root)
