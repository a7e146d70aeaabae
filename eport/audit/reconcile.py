"""Reconciliation: does each subject still look the way its latest ledger entry says, and is each
paid or released declaration settled the way its tax bill says?

Every ledger entry about a declaration, a tax bill, a payment agreement, a payment instruction or
a guarantee carries ``data.state``, the digest of the subject's snapshot right after the change.
A subject whose live digest differs from the state of its latest entry was changed without going
through the application (an SQL UPDATE, a restored backup, a hand edit): that is what this finds,
with ledger subjects whose row is gone. Rows are read in batches by primary key, each batch's
latest entries in one query, so memory stays flat at any size. The settlement check
(``settlements``) then looks at the payments behind each paid or released declaration.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from eport.declarations.models import Declaration
from eport.declarations.snapshot import state_digest
from eport.payments import snapshot as payments_snapshot
from eport.payments.models import Guarantee, PaymentAgreement, PaymentInstruction, TaxBill
from ledger.models import Entry

from . import settlements
from .findings import Finding, Latest, latest_entries

BATCH_SIZE = 500
# Re-reads of a mismatching subject before it is reported, in case a legitimate change was
# committing while it was read.
RECHECKS = 3


@dataclass(frozen=True)
class Subjects:
    """One kind of ledger subject whose rows carry a state: how to read them and digest them."""

    prefix: str  # the ledger subject's "<type>:" before the row's uuid
    rows: Callable[[], QuerySet]  # every row, with what its state and number read
    state: Callable[[Any], str]
    number: Callable[[Any], str]  # what an auditor knows the row by

    def count(self) -> int:
        return self.rows().count()


DECLARATIONS = Subjects(
    "declaration:",
    lambda: Declaration.objects.select_related("company", "office"),
    state_digest,
    lambda declaration: declaration.number or "",
)
# The payments' subjects (eport.payments.snapshot): bills, agreements, instructions, guarantees.
PAYMENTS = (
    Subjects(
        "bill:",
        lambda: TaxBill.objects.select_related("declaration__company", "guarantee"),
        payments_snapshot.state,
        lambda bill: bill.number,
    ),
    Subjects(
        "agreement:",
        lambda: PaymentAgreement.objects.select_related("company", "bank"),
        payments_snapshot.state,
        lambda agreement: agreement.account_number,
    ),
    Subjects(
        "payment:",
        lambda: PaymentInstruction.objects.select_related("bill", "agreement", "bank"),
        payments_snapshot.state,
        lambda instruction: instruction.bill.number,
    ),
    Subjects(
        "guarantee:",
        lambda: Guarantee.objects.select_related("bank", "company"),
        payments_snapshot.state,
        lambda guarantee: guarantee.bank_reference,
    ),
)


@dataclass
class ReconciliationReport:
    """What a reconciliation compared, and how much it found (the first 100 findings kept)."""

    checked: int = 0  # declarations
    payments_checked: int = 0  # bills, agreements, payment instructions, guarantees
    settlements_checked: int = 0  # paid or released declarations checked against their bills
    subjects_in_ledger: int = 0
    findings: int = 0
    seconds: float = 0.0
    sample: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.findings == 0

    def summary(self) -> str:
        figures = {
            "declarations": f"{self.checked:,}",
            "payments": f"{self.payments_checked:,}",
            "settled": f"{self.settlements_checked:,}",
        }
        if self.ok:
            return _(
                "%(declarations)s declarations and %(payments)s payment records match the state "
                "of their latest ledger entry, and %(settled)s paid or released declarations are "
                "settled as their tax bills say (%(seconds)s s)"
            ) % {**figures, "seconds": f"{self.seconds:.1f}"}
        return _(
            "%(findings)s mismatch(es) among %(declarations)s declarations, %(payments)s payment "
            "records, %(settled)s paid or released declarations and %(subjects)s ledger subjects"
        ) % {
            **figures,
            "findings": f"{self.findings:,}",
            "subjects": f"{self.subjects_in_ledger:,}",
        }


def _compare(subjects: Subjects, row: Model, latest: Latest | None, live: str) -> Finding | None:
    subject = row.ledger_subject
    number = subjects.number(row)
    if latest is None:
        return Finding("no_entry", subject, number, live_state=live)
    if latest.state is None:
        return Finding("no_state", subject, number, latest.seq, live_state=live)
    if latest.state != live:
        return Finding("state", subject, number, latest.seq, latest.state, live)
    return None


def _recheck(subjects: Subjects, row: Model) -> Finding | None:
    """Compare again with the row read afresh, accepting the result only if no entry was
    appended while reading (a row gone meanwhile is left to the check of ledger subjects)."""
    finding = None
    subject = row.ledger_subject
    for _attempt in range(RECHECKS):
        latest = latest_entries([subject]).get(subject)
        fresh = subjects.rows().filter(pk=row.pk).first()
        if fresh is None:
            return None
        live = subjects.state(fresh)
        after = latest_entries([subject]).get(subject)
        finding = _compare(subjects, fresh, latest, live)
        if (latest and latest.seq) == (after and after.seq):
            return finding
    return finding


def _row_batches(subjects: Subjects) -> Iterator[list[Model]]:
    last_pk = 0
    while True:
        batch = list(subjects.rows().filter(pk__gt=last_pk).order_by("pk")[:BATCH_SIZE])
        if not batch:
            return
        yield batch
        last_pk = batch[-1].pk


def _ledger_subject_batches(prefix: str) -> Iterator[list[str]]:
    # Keyset over the (subject, seq) index: each query reads the next BATCH_SIZE distinct subjects.
    last = prefix
    while True:
        batch = list(
            Entry.objects.filter(subject__gt=last, subject__startswith=prefix)
            .order_by("subject")
            .values_list("subject", flat=True)
            .distinct()[: BATCH_SIZE * 4]
        )
        if not batch:
            return
        yield batch
        last = batch[-1]


def _reconcile_rows(
    subjects: Subjects, found: Callable[[Finding], None], step: Callable[[int], None]
) -> int:
    """Compare each row's live state with its latest entry's; returns how many were compared."""
    checked = 0
    for batch in _row_batches(subjects):
        live = {row.pk: subjects.state(row) for row in batch}
        latest = latest_entries([row.ledger_subject for row in batch])
        for row in batch:
            finding = _compare(subjects, row, latest.get(row.ledger_subject), live[row.pk])
            if finding is not None:
                finding = _recheck(subjects, row)
            if finding is not None:
                found(finding)
        checked += len(batch)
        step(len(batch))
    return checked


def _missing_rows(subjects: Subjects, found: Callable[[Finding], None]) -> int:
    """Report ledger subjects whose row is gone (unless their last word was their deletion);
    returns how many ledger subjects of this kind there are."""
    seen = 0
    model = subjects.rows().model
    for batch in _ledger_subject_batches(subjects.prefix):
        seen += len(batch)
        uuids = [subject[len(subjects.prefix) :] for subject in batch]
        present = {
            str(value)
            for value in model.objects.filter(uuid__in=_valid_uuids(uuids)).values_list(
                "uuid", flat=True
            )
        }
        missing = [
            subject for subject, uuid in zip(batch, uuids, strict=True) if uuid not in present
        ]
        for subject, latest in sorted(latest_entries(missing).items()):
            # A subject whose last word was its deletion is meant to be gone.
            if latest.action.endswith(".deleted"):
                continue
            found(Finding("missing", subject, "", latest.seq, latest.state or ""))
    return seen


def reconcile_declarations(
    *,
    on_finding: Callable[[Finding], None] | None = None,
    on_progress: Callable[[int, int, float], None] | None = None,
    progress_every: float = 0.5,
) -> ReconciliationReport:
    """Compare every declaration's, bill's, agreement's, payment instruction's and guarantee's
    live state digest with its latest ledger entry's ``state``, then check every paid or released
    declaration against its tax bill (``settlements``).

    Reports (through ``on_finding``) subjects that differ, that have no entry, whose latest entry
    has no state, ledger subjects whose row is gone from the database, and declarations not
    settled as their bills say. ``on_progress(checked, total, elapsed)`` counts rows of every
    kind and is called at most every ``progress_every`` seconds.
    """
    started = time.perf_counter()
    report = ReconciliationReport()
    total = (
        DECLARATIONS.count()
        + sum(subjects.count() for subjects in PAYMENTS)
        + settlements.settled_declarations().count()
    )
    progress = {"done": 0, "next": started}

    def found(finding: Finding) -> None:
        report.findings += 1
        if len(report.sample) < 100:
            report.sample.append(finding)
        if on_finding is not None:
            on_finding(finding)

    def step(count: int) -> None:
        progress["done"] += count
        now = time.perf_counter()
        if on_progress is not None and now >= progress["next"]:
            on_progress(progress["done"], total, now - started)
            progress["next"] = now + progress_every

    report.checked = _reconcile_rows(DECLARATIONS, found, step)
    for subjects in PAYMENTS:
        report.payments_checked += _reconcile_rows(subjects, found, step)
    for subjects in (DECLARATIONS, *PAYMENTS):
        report.subjects_in_ledger += _missing_rows(subjects, found)
    report.settlements_checked = settlements.check_settlements(on_finding=found, on_batch=step)

    report.seconds = time.perf_counter() - started
    if on_progress is not None:
        on_progress(progress["done"], total, report.seconds)
    return report


def _valid_uuids(values: list[str]) -> list[str]:
    valid = []
    for value in values:
        try:
            valid.append(str(uuid.UUID(value)))
        except ValueError:
            continue
    return valid


__all__ = ["Finding", "ReconciliationReport", "Subjects", "reconcile_declarations"]
