"""Receipts of a declaration's ledger entries, with the declaration's snapshot where it is honest.

An entry's ``data.state`` is the digest of the declaration as it was right after that entry. The
live declaration is only that snapshot for its latest entry (and, since a released declaration is
final, the release entry stays its latest). So a receipt carries the subject snapshot exactly when
the live snapshot's digest equals the entry's state; for an older entry, whose snapshot was not
kept, the receipt omits ``subject`` and the page says why. It never carries a snapshot that does
not verify.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from eport.declarations.models import Declaration
from eport.declarations.snapshot import digest_of, snapshot
from ledger.models import Entry
from ledger.receipts import ReceiptUnavailable, build_receipt, checkpoint_for

RELEASE_ACTION = "declaration.released"


@dataclass(frozen=True)
class EntryReceipt:
    """An entry of a declaration and whether (and why not) its receipt can carry the snapshot."""

    entry: Entry
    covered: bool  # inside the latest notarized checkpoint
    subject_included: bool
    why_no_subject: str = ""

    @property
    def state(self) -> str | None:
        return json.loads(bytes(self.entry.canonical)).get("data", {}).get("state")


def declaration_entries(declaration: Declaration) -> list[EntryReceipt]:
    """Every ledger entry of the declaration, oldest first, with what its receipt will hold."""
    entries = list(Entry.objects.filter(subject=declaration.ledger_subject).order_by("seq"))
    try:
        size = checkpoint_for().size
    except ReceiptUnavailable:
        size = 0
    live = digest_of(snapshot(declaration))
    rows = []
    for entry in entries:
        state = json.loads(bytes(entry.canonical)).get("data", {}).get("state")
        if state == live:
            rows.append(EntryReceipt(entry, entry.seq < size, True))
        else:
            why = (
                "the declaration changed after this entry, and its earlier state is not kept; "
                "the receipt proves the entry without the snapshot"
                if state
                else "this entry records no state"
            )
            rows.append(EntryReceipt(entry, entry.seq < size, False, why))
    return rows


def release_entry(declaration: Declaration) -> Entry:
    """The declaration's release entry; ReceiptUnavailable if it was not released."""
    if declaration.status != Declaration.Status.RELEASED:
        raise ReceiptUnavailable(
            f"declaration {declaration} is {declaration.get_status_display().lower()}, not "
            "released; receipts and release notes exist once customs releases the goods"
        )
    entry = (
        Entry.objects.filter(subject=declaration.ledger_subject, action=RELEASE_ACTION)
        .order_by("-seq")
        .first()
    )
    if entry is None:
        raise ReceiptUnavailable(f"declaration {declaration} has no release entry in the ledger")
    return entry


def declaration_receipt(declaration: Declaration, *, seq: int | None = None) -> dict:
    """The spec-5 receipt of the declaration's release entry (or of its entry ``seq``).

    The subject snapshot is included when it is the state that entry recorded.
    """
    if seq is None:
        entry = release_entry(declaration)
    else:
        entry = Entry.objects.filter(subject=declaration.ledger_subject, seq=seq).first()
        if entry is None:
            raise ReceiptUnavailable(f"entry {seq} is not an entry of declaration {declaration}")
    current = snapshot(declaration)
    state = json.loads(bytes(entry.canonical)).get("data", {}).get("state")
    subject = current if state == digest_of(current) else None
    return build_receipt(entry.seq, subject=subject)


def receipt_filename(declaration: Declaration, seq: int) -> str:
    name = declaration.number or str(declaration.uuid)
    return f"receipt-{name}-entry-{seq}.json"
