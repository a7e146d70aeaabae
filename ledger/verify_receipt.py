"""Check an eport receipt offline (spec section 5): is this entry in the notarized ledger?

Standalone: needs only ``cryptography`` and ``rfc8785`` (plus the pure ``ledger.merkle`` and
``ledger.notes``), never Django or a database, so an auditor or a bank can run it anywhere::

    python -m ledger.verify_receipt receipt.json --keys keys.txt [--quorum N] [--ledger-key NAME]

or, installed on its own (``pip install ./ledger/verifier``), ``eport-verify-receipt`` with the
same arguments.

Every check is reported, passed or failed, with what was found; malformed input is a failed check,
never a traceback. Exit status: 0 valid, 1 invalid, 2 usage error.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import rfc8785

from ledger import merkle, notes

RECEIPT_FORMAT = "eport-receipt/v1"
COMMAND = "eport-verify-receipt"  # the console script of ledger/verifier
DEFAULT_QUORUM = 2

# Check names, in the order they are reported.
KEYS = "keys"
FORMAT = "format"
CHECKPOINT = "checkpoint"
LEDGER_SIGNATURE = "ledger signature"
WITNESSES = "witnesses"
TREE_SIZE = "tree size"
INCLUSION = "inclusion"
ENTRY = "entry"
SUBJECT = "subject"


@dataclass(frozen=True)
class Check:
    """One verification step: its name, whether it passed, and what was found."""

    name: str
    ok: bool
    detail: str

    def __str__(self) -> str:
        return f"{'✓' if self.ok else '✗'} {self.name}: {self.detail}"


@dataclass
class Report:
    """Every check made on a receipt; the receipt is valid when there are checks and all passed."""

    checks: list[Check] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """True when every check passed."""
        return bool(self.checks) and all(check.ok for check in self.checks)

    @property
    def failed(self) -> list[Check]:
        """The checks that did not pass."""
        return [check for check in self.checks if not check.ok]

    def get(self, name: str) -> Check | None:
        """Return the check of that name, or None if it was not reached."""
        return next((check for check in self.checks if check.name == name), None)

    def add(self, name: str, ok: bool, detail: str) -> bool:
        """Record a check and return whether it passed."""
        self.checks.append(Check(name, ok, detail))
        return ok

    def __str__(self) -> str:
        lines = [str(check) for check in self.checks]
        if self.valid:
            lines.append("VALID: the entry is in the notarized ledger")
        else:
            names = ", ".join(check.name for check in self.failed) or "nothing was checked"
            lines.append(f"INVALID: failed {names}")
        return "\n".join(lines)


@dataclass(frozen=True)
class _Receipt:
    entry: bytes
    index: int
    tree_size: int
    inclusion: list[bytes]
    checkpoint: str
    subject: dict[str, Any] | None


def verify_receipt(
    receipt: dict[str, Any] | bytes | str,
    verifier_keys: Iterable[str | notes.Verifier],
    *,
    ledger_key_name: str | None = None,
    quorum: int | None = None,
) -> Report:
    """Check a receipt against trusted verifier keys and return a report of every check.

    The ledger key is the trusted key named after the checkpoint's origin (``ledger_key_name``,
    when given, must equal that origin, which pins the ledger instead of trusting the origin line);
    every other trusted key is a witness. ``quorum`` is the
    number of distinct witnesses that must have signed; by default DEFAULT_QUORUM, or the number of
    trusted witness names if fewer.
    """
    report = Report()
    verifiers = _load_keys(verifier_keys, report)
    parsed = _parse_receipt(receipt, report)
    if parsed is None:
        return report
    checkpoint = _check_checkpoint(parsed.checkpoint, report)
    if checkpoint is not None:
        body, signatures, header = checkpoint
        _check_signatures(body, signatures, header, verifiers, ledger_key_name, quorum, report)
        report.add(
            TREE_SIZE,
            parsed.tree_size == header.size,
            f"receipt tree_size {parsed.tree_size}, checkpoint size {header.size}",
        )
        _check_inclusion(parsed, header, report)
    entry = _check_entry(parsed, report)
    if parsed.subject is not None:
        _check_subject(parsed.subject, entry, report)
    return report


def _load_keys(
    verifier_keys: Iterable[str | notes.Verifier], report: Report
) -> list[notes.Verifier]:
    verifiers: list[notes.Verifier] = []
    problems: list[str] = []
    try:
        keys = list(verifier_keys)
    except TypeError:
        keys = []
        problems.append("verifier keys must be a list of key strings")
    for number, key in enumerate(keys, start=1):
        try:
            if not isinstance(key, notes.Verifier):
                key = notes.Verifier.from_string(key)
            verifiers.append(key)
        except ValueError as exc:
            problems.append(f"key {number}: {exc}")
    if not verifiers and not problems:
        problems.append("no trusted verifier keys given")
    if problems:
        report.add(KEYS, False, "; ".join(problems))
    else:
        names = ", ".join(dict.fromkeys(verifier.name for verifier in verifiers))
        report.add(KEYS, True, f"{len(verifiers)} trusted: {names}")
    return verifiers


def _parse_receipt(receipt: object, report: Report) -> _Receipt | None:
    try:
        parsed = _receipt_fields(receipt)
    except ValueError as exc:
        report.add(FORMAT, False, str(exc))
        return None
    report.add(
        FORMAT,
        True,
        f"{RECEIPT_FORMAT}, entry {parsed.index} of a tree of size {parsed.tree_size}",
    )
    return parsed


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _receipt_fields(receipt: object) -> _Receipt:
    if isinstance(receipt, bytes | bytearray):
        try:
            receipt = bytes(receipt).decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("receipt is not UTF-8 text") from None
    if isinstance(receipt, str):
        try:
            receipt = json.loads(receipt, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            raise ValueError(f"receipt is not JSON: {exc}") from None
    if not isinstance(receipt, dict):
        raise ValueError(f"receipt must be a JSON object, not {type(receipt).__name__}")
    if receipt.get("format") != RECEIPT_FORMAT:
        raise ValueError(f"format must be {RECEIPT_FORMAT!r}, found {receipt.get('format')!r}")
    for name in ("entry", "index", "tree_size", "inclusion", "checkpoint"):
        if name not in receipt:
            raise ValueError(f"missing field {name!r}")
    entry = _base64_field(receipt["entry"], "entry")
    index = _integer_field(receipt["index"], "index", minimum=0)
    tree_size = _integer_field(receipt["tree_size"], "tree_size", minimum=1)
    if index >= tree_size:
        raise ValueError(f"index {index} is not below tree_size {tree_size}")
    hashes = receipt["inclusion"]
    if not isinstance(hashes, list):
        raise ValueError("inclusion must be a list of base64 hashes")
    inclusion = []
    for position, item in enumerate(hashes):
        value = _base64_field(item, f"inclusion[{position}]")
        if len(value) != merkle.HASH_SIZE:
            raise ValueError(f"inclusion[{position}] is {len(value)} bytes, not {merkle.HASH_SIZE}")
        inclusion.append(value)
    checkpoint = receipt["checkpoint"]
    if not isinstance(checkpoint, str):
        raise ValueError("checkpoint must be the signed note text")
    subject = receipt.get("subject")
    if "subject" in receipt and not isinstance(subject, dict):
        raise ValueError("subject, when present, must be a JSON object")
    return _Receipt(entry, index, tree_size, inclusion, checkpoint, subject)


def _base64_field(value: object, name: str) -> bytes:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a base64 string")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{name} is not valid base64") from None
    # One encoding per value: an altered character can never decode to the same bytes.
    if base64.b64encode(raw).decode("ascii") != value:
        raise ValueError(f"{name} is not canonical base64")
    return raw


def _integer_field(value: object, name: str, *, minimum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name} must be an integer, found {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, found {value}")
    return value


def _check_checkpoint(
    text: str, report: Report
) -> tuple[str, list[notes.Signature], notes.Checkpoint] | None:
    try:
        body, signatures = notes.parse_note(text)
        header = notes.parse_checkpoint(body)
    except notes.NoteError as exc:
        report.add(CHECKPOINT, False, str(exc))
        return None
    report.add(
        CHECKPOINT,
        True,
        f"origin {header.origin}, size {header.size}, root {header.root.hex()}, "
        f"{len(signatures)} signature line(s)",
    )
    return body, signatures, header


def _check_signatures(
    body: str,
    signatures: Sequence[notes.Signature],
    header: notes.Checkpoint,
    verifiers: Sequence[notes.Verifier],
    ledger_key_name: str | None,
    quorum: int | None,
    report: Report,
) -> None:
    ledger_name = header.origin if ledger_key_name is None else ledger_key_name
    trusted: dict[tuple[str, bytes], set[notes.Verifier]] = {}
    for verifier in verifiers:
        trusted.setdefault((verifier.name, verifier.key_id), set()).add(verifier)

    # The same rules as note.Open: a trusted key's first line counts, repeats are ignored, and a
    # trusted key's bad signature condemns the note.
    good: set[str] = set()
    ledger_signed = False  # by the ledger's own (0x01) key: a cosigning key never stands for it
    bad: list[tuple[str, bytes]] = []
    untrusted = 0
    seen: set[tuple[str, bytes]] = set()
    body_bytes = body.encode("utf-8")
    for signature in signatures:
        key = (signature.name, signature.key_id)
        if key not in trusted:
            untrusted += 1
            continue
        if key in seen:
            continue
        seen.add(key)
        candidates = trusted[key]
        # Two different trusted keys with one name and key id: the line cannot be attributed.
        verifier = next(iter(candidates))
        if len(candidates) == 1 and verifier.verify(body_bytes, signature.signature):
            good.add(signature.name)
            ledger_signed |= signature.name == ledger_name and not verifier.cosigner
        else:
            bad.append(key)

    def describe(keys: list[tuple[str, bytes]]) -> str:
        return ", ".join(f"{name}+{key_id.hex()}" for name, key_id in keys)

    bad_ledger = [key for key in bad if key[0] == ledger_name]
    if ledger_name != header.origin:
        report.add(
            LEDGER_SIGNATURE,
            False,
            f"checkpoint origin {header.origin!r} is not the ledger {ledger_name!r}",
        )
    elif not any(verifier.name == ledger_name for verifier in verifiers):
        report.add(
            LEDGER_SIGNATURE, False, f"no trusted key named {ledger_name!r} (the ledger's key)"
        )
    elif bad_ledger:
        report.add(LEDGER_SIGNATURE, False, f"signature by {describe(bad_ledger)} does not verify")
    elif not ledger_signed:
        report.add(LEDGER_SIGNATURE, False, f"no signature by the ledger key {ledger_name}")
    else:
        report.add(LEDGER_SIGNATURE, True, f"signed by {ledger_name}")

    witness_names = {verifier.name for verifier in verifiers} - {ledger_name}
    if quorum is None:
        quorum = min(DEFAULT_QUORUM, len(witness_names))
    signed = sorted(good - {ledger_name})
    bad_witnesses = [key for key in bad if key[0] != ledger_name]
    detail = f"{len(signed)} of {len(witness_names)} trusted witnesses signed, quorum {quorum}"
    if signed:
        detail += f" ({', '.join(signed)})"
    if untrusted:
        detail += f"; {untrusted} signature(s) by untrusted keys ignored"
    if quorum < 0:
        report.add(WITNESSES, False, f"quorum must not be negative, got {quorum}")
    elif bad_witnesses:
        report.add(
            WITNESSES, False, f"signature by {describe(bad_witnesses)} does not verify; {detail}"
        )
    else:
        report.add(WITNESSES, len(signed) >= quorum, detail)


def _check_inclusion(parsed: _Receipt, header: notes.Checkpoint, report: Report) -> None:
    leaf = merkle.leaf_hash(parsed.entry)
    try:
        # Against the signed size and root, never the receipt's own unsigned tree_size.
        root = merkle.root_from_inclusion(leaf, parsed.index, header.size, parsed.inclusion)
    except merkle.ProofError as exc:
        report.add(INCLUSION, False, str(exc))
        return
    if root != header.root:
        report.add(
            INCLUSION,
            False,
            f"proof for entry {parsed.index} leads to root {root.hex()}, "
            f"checkpoint root is {header.root.hex()}",
        )
        return
    report.add(
        INCLUSION,
        True,
        f"leaf {leaf.hex()} at index {parsed.index} leads to the checkpoint root",
    )


def _check_entry(parsed: _Receipt, report: Report) -> dict[str, Any] | None:
    try:
        entry = json.loads(parsed.entry.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        report.add(ENTRY, False, f"entry bytes are not UTF-8 JSON: {exc}")
        return None
    if not isinstance(entry, dict):
        report.add(ENTRY, False, f"entry must be a JSON object, not {type(entry).__name__}")
        return None
    try:
        canonical = rfc8785.dumps(entry)
    except (rfc8785.CanonicalizationError, ValueError, TypeError, RecursionError) as exc:
        report.add(ENTRY, False, f"entry has no RFC 8785 encoding: {exc}")
        return entry
    if canonical != parsed.entry:
        report.add(ENTRY, False, "entry bytes are not the RFC 8785 canonical encoding")
        return entry
    seq = entry.get("seq")
    if seq != parsed.index or isinstance(seq, bool):
        report.add(ENTRY, False, f"entry seq {seq!r} is not the receipt index {parsed.index}")
        return entry
    report.add(ENTRY, True, f"canonical RFC 8785, seq {seq}, SHA-256 {_sha256_hex(parsed.entry)}")
    return entry


def _check_subject(subject: dict[str, Any], entry: dict[str, Any] | None, report: Report) -> None:
    data = entry.get("data") if entry is not None else None
    state = data.get("state") if isinstance(data, dict) else None
    if not isinstance(state, str):
        report.add(SUBJECT, False, "the entry has no data.state to compare the subject with")
        return
    try:
        digest = _sha256_hex(rfc8785.dumps(subject))
    except (rfc8785.CanonicalizationError, ValueError, TypeError, RecursionError) as exc:
        report.add(SUBJECT, False, f"subject has no RFC 8785 encoding: {exc}")
        return
    if digest != state:
        report.add(SUBJECT, False, f"subject digest {digest} is not the entry's data.state {state}")
        return
    report.add(SUBJECT, True, f"subject digest equals the entry's data.state {state}")


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- Command line ---------------------------------------------------------------------------------


def read_keys(text: str) -> list[str]:
    """Return the keys of a keys file: one per line; blank lines and '#' comments are skipped."""
    keys = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keys.append(line)
    return keys


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        # The command it was started as: the installed script, or the module.
        prog=(
            COMMAND
            if os.path.basename(sys.argv[0]) == COMMAND
            else "python -m ledger.verify_receipt"
        ),
        description="Check offline that a receipt's entry is in the notarized eport ledger.",
        epilog="Exit status: 0 if the receipt is valid, 1 if it is not, 2 on a usage error.",
    )
    parser.add_argument("receipt", help="the receipt JSON file, or - to read standard input")
    parser.add_argument(
        "--keys",
        required=True,
        metavar="KEYSFILE",
        help="trusted verifier keys, one per line, as served by GET /ledger/keys: the ledger's "
        "key (named after the checkpoint origin) and the witnesses' keys",
    )
    parser.add_argument(
        "--quorum",
        type=_non_negative,
        metavar="N",
        help=f"distinct witness signatures required besides the ledger's (default: "
        f"{DEFAULT_QUORUM}, or the number of witness keys in KEYSFILE if fewer)",
    )
    parser.add_argument(
        "--ledger-key",
        metavar="NAME",
        help="the ledger key's name, which the checkpoint origin must equal "
        "(default: trust the origin)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.receipt == "-":
            receipt = sys.stdin.buffer.read()
        else:
            with open(args.receipt, "rb") as handle:
                receipt = handle.read()
        with open(args.keys, "rb") as handle:
            keys_text = handle.read().decode("utf-8")
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except UnicodeDecodeError:
        print(f"error: {args.keys} is not UTF-8 text", file=sys.stderr)
        return 2
    report = verify_receipt(
        receipt, read_keys(keys_text), ledger_key_name=args.ledger_key, quorum=args.quorum
    )
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")  # ✓ and ✗ on a terminal that is not UTF-8
    print(report)
    return 0 if report.valid else 1


if __name__ == "__main__":
    sys.exit(main())
