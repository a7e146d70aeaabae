"""Receipts (spec section 5): one entry, its inclusion proof, and the notarized checkpoint.

``build_receipt`` is the ledger's side and knows nothing of what a subject is: a caller that wants
the subject's snapshot in the receipt passes it in, and it is accepted only when its digest is the
entry's ``data.state``, so a receipt we hand out always verifies.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from . import keys, notarized, proofs
from .canonical import CanonicalError, canonical_bytes
from .models import Checkpoint, Entry
from .verify_receipt import RECEIPT_FORMAT, Report, verify_receipt


class ReceiptUnavailable(ValueError):
    """No receipt can be made for this entry (yet); the message says why."""


def checkpoint_for(tree_size: int | None = None) -> Checkpoint:
    """The notarized checkpoint of ``tree_size``, or the latest one; ReceiptUnavailable if none."""
    if tree_size is None:
        checkpoint = notarized.latest_notarized()
        if checkpoint is None:
            raise ReceiptUnavailable(
                "the ledger has no notarized checkpoint yet; receipts exist once the first "
                "checkpoint carries the witnesses' quorum"
            )
        return checkpoint
    if not isinstance(tree_size, int) or isinstance(tree_size, bool) or tree_size < 1:
        raise ReceiptUnavailable(f"tree size must be a positive integer, not {tree_size!r}")
    checkpoint = notarized.notarized(tree_size)
    if checkpoint is None:
        raise ReceiptUnavailable(f"there is no notarized checkpoint of size {tree_size}")
    return checkpoint


def subject_digest(subject: dict) -> str:
    """Lowercase hex SHA-256 of the RFC 8785 bytes of a subject snapshot."""
    return hashlib.sha256(canonical_bytes(subject)).hexdigest()


def build_receipt(
    entry_seq: int,
    *,
    tree_size: int | None = None,
    subject: dict | None = None,
    checkpoint: Checkpoint | None = None,
) -> dict[str, Any]:
    """Return the spec-5 receipt of entry ``entry_seq`` against a notarized checkpoint.

    The checkpoint is the notarized one of ``tree_size`` (default: the latest). ``subject``, when
    given, must be the snapshot whose digest is the entry's ``data.state``; otherwise
    ReceiptUnavailable, as it is for an entry that no notarized checkpoint covers yet.
    """
    if not isinstance(entry_seq, int) or isinstance(entry_seq, bool) or entry_seq < 0:
        raise ReceiptUnavailable(f"entry seq must be a non-negative integer, not {entry_seq!r}")
    if checkpoint is None:
        checkpoint = checkpoint_for(tree_size)
    if entry_seq >= checkpoint.size:
        raise ReceiptUnavailable(
            f"entry {entry_seq} is not in a notarized checkpoint yet (the latest covers entries "
            f"0–{checkpoint.size - 1}); it will be in the next one"
        )
    raw = Entry.objects.filter(seq=entry_seq).values_list("canonical", flat=True).first()
    if raw is None:
        raise ReceiptUnavailable(f"there is no entry {entry_seq}")
    raw = bytes(raw)
    receipt: dict[str, Any] = {
        "format": RECEIPT_FORMAT,
        "entry": base64.b64encode(raw).decode("ascii"),
        "index": entry_seq,
        "tree_size": checkpoint.size,
        "inclusion": [
            base64.b64encode(item).decode("ascii")
            for item in proofs.inclusion_proof(entry_seq, checkpoint.size)
        ],
        "checkpoint": notarized.signed_note(checkpoint),
    }
    if subject is not None:
        state = json.loads(raw).get("data", {}).get("state")
        try:
            digest = subject_digest(subject)
        except CanonicalError as error:
            raise ReceiptUnavailable(
                f"the subject snapshot is not canonical JSON: {error}"
            ) from None
        if digest != state:
            raise ReceiptUnavailable(
                f"the subject snapshot's digest {digest} is not entry {entry_seq}'s state "
                f"{state or '(none)'}"
            )
        receipt["subject"] = subject
    return receipt


def receipt_bytes(receipt: dict[str, Any]) -> bytes:
    """The receipt as a downloadable file: indented UTF-8 JSON with a final newline."""
    return (json.dumps(receipt, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def verify_with_trusted_keys(receipt: bytes | str) -> Report:
    """Check a receipt as every page of this server does: ``verify_receipt`` against the keys it
    trusts (the ledger's and its witnesses'), with its ledger key name and witness quorum."""
    return verify_receipt(
        receipt,
        keys.verifier_keys(),
        ledger_key_name=keys.ledger_key_name(),
        quorum=notarized.quorum(),
    )
