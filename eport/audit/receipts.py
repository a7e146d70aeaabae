"""Receipts of a declaration's ledger entries, with the declaration's snapshot where it is honest.

An entry's ``data.state`` is the digest of the declaration as it was right after that entry. The
live declaration is only that snapshot for its latest entry (and, since a released declaration is
final, the release entry stays its latest). So a receipt carries the subject snapshot exactly when
the live snapshot is the state the latest entry recorded and the entry recorded that state too
(``eport.declarations.selectors.declaration_ledger``); for an older entry, whose snapshot was not
kept, the receipt omits ``subject`` and the page says why. It never carries a snapshot that does
not verify.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.translation import gettext as _

from eport.declarations.models import Declaration
from eport.declarations.selectors import declaration_ledger, declaration_receipt
from ledger import conf as ledger_conf
from ledger.models import Entry
from ledger.receipts import ReceiptUnavailable, checkpoint_for
from ledger.selectors import EntryNotFound, entries_about, recorded_state

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
        return recorded_state(self.entry)


def declaration_entries(declaration: Declaration) -> list[EntryReceipt]:
    """Every ledger entry of the declaration, oldest first, with what its receipt will hold."""
    ledger = declaration_ledger(declaration)
    try:
        size = checkpoint_for().size
    except ReceiptUnavailable:
        size = 0
    rows = []
    for entry in ledger.entries:
        if ledger.subject_for(entry) is not None:
            rows.append(EntryReceipt(entry, entry.seq < size, True))
        else:
            why = (
                _(
                    "the declaration changed after this entry, and its earlier state is not "
                    "kept; the receipt proves the entry without the snapshot"
                )
                if recorded_state(entry)
                else _("this entry records no state")
            )
            rows.append(EntryReceipt(entry, entry.seq < size, False, why))
    return rows


def _require_released(declaration: Declaration) -> None:
    if declaration.status != Declaration.Status.RELEASED:
        raise ReceiptUnavailable(
            _(
                "declaration %(declaration)s is %(status)s, not released; receipts and release "
                "notes exist once customs releases the goods"
            )
            % {"declaration": declaration, "status": declaration.get_status_display().lower()}
        )


def release_entry(declaration: Declaration, entries: list[Entry] | None = None) -> Entry:
    """The declaration's release entry; ReceiptUnavailable if it was not released.

    ``entries``: every ledger entry about the declaration, when the caller has read them already
    (the declaration page's timeline), so they are not read again.
    """
    _require_released(declaration)
    if entries is None:
        entry = (
            entries_about(declaration.ledger_subject)
            .filter(action=RELEASE_ACTION)
            .order_by("-seq")
            .first()
        )
    else:
        released = [entry for entry in entries if entry.action == RELEASE_ACTION]
        entry = max(released, key=lambda entry: entry.seq, default=None)
    if entry is None:
        raise ReceiptUnavailable(
            _("declaration %(declaration)s has no release entry in the ledger")
            % {"declaration": declaration}
        )
    return entry


def released_declaration_receipt(user, declaration: Declaration, *, seq: int | None = None) -> dict:
    """The receipt of a released declaration's release entry (or of its entry ``seq``).

    ReceiptUnavailable if the declaration is not released, the entry is not one of its entries
    or no notarized checkpoint covers it yet; Http404 if ``user`` may not see the declaration.
    """
    if seq is None:
        seq = release_entry(declaration).seq
    else:
        _require_released(declaration)
    try:
        return declaration_receipt(user, declaration, seq)
    except EntryNotFound:
        raise ReceiptUnavailable(
            _("entry %(seq)s is not an entry of declaration %(declaration)s")
            % {"seq": seq, "declaration": declaration}
        ) from None


def receipt_filename(declaration: Declaration, seq: int) -> str:
    """The download name of the receipt of the declaration's entry ``seq``."""
    name = declaration.number or str(declaration.uuid)
    return f"receipt-{name}-entry-{seq}.json"


# --- When a release receipt will be ready -------------------------------------------------
# A receipt exists once a notarized checkpoint covers its entry: the notary signs one every
# EPORT_CHECKPOINT_INTERVAL seconds (the beat schedule's "ledger.notarize") and then waits at most
# EPORT_WITNESS_TIMEOUT seconds for the witnesses' cosignatures.
LONGEST_REFRESH = 30  # seconds: a page waiting for a receipt asks again at least this often
SHORTEST_REFRESH = 2


@dataclass(frozen=True)
class ReceiptReadiness:
    """Whether a released declaration's receipt can be had now, and if not, how long to wait."""

    ready: bool
    within_seconds: int  # the usual longest wait, from the notarization schedule
    refresh_seconds: int  # how often a waiting page asks again


def usual_wait() -> int:
    """Seconds within which a new entry is usually in a notarized checkpoint."""
    return math.ceil(ledger_conf.checkpoint_interval() + ledger_conf.witness_timeout())


def refresh_interval() -> int:
    """Seconds between a waiting page's refreshes: about one notarization interval."""
    interval = math.ceil(ledger_conf.checkpoint_interval())
    return max(SHORTEST_REFRESH, min(LONGEST_REFRESH, interval))


def release_receipt_readiness(
    declaration: Declaration, entries: list[Entry] | None = None
) -> ReceiptReadiness | None:
    """Whether the release receipt is ready; None if the declaration has none (not released).
    ``entries``: as for release_entry()."""
    try:
        entry = release_entry(declaration, entries)
    except ReceiptUnavailable:
        return None
    try:
        covered = entry.seq < checkpoint_for().size
    except ReceiptUnavailable:
        covered = False
    return ReceiptReadiness(covered, usual_wait(), refresh_interval())


def entry_is_waiting(declaration: Declaration, seq: int | None) -> bool:
    """True when the released declaration's entry ``seq`` (default: the release) exists and only
    waits for the next notarized checkpoint: its receipt is coming, not refused."""
    if declaration.status != Declaration.Status.RELEASED:
        return False
    entries = entries_about(declaration.ledger_subject)
    entry = (
        entries.filter(action=RELEASE_ACTION).order_by("-seq").first()
        if seq is None
        else entries.filter(seq=seq).first()
    )
    if entry is None:
        return False
    try:
        return entry.seq >= checkpoint_for().size
    except ReceiptUnavailable:
        return True
