"""State reconciliation: does each declaration still look the way its latest ledger entry says?

Every ledger entry about a declaration carries ``data.state``, the digest of the declaration's
full snapshot right after the change. A declaration whose live digest differs from the state of
its latest entry was changed without going through the application (an SQL UPDATE, a restored
backup, a hand edit): that is what this finds. Declarations are read in batches by primary key,
each batch's latest entries in one query, so memory stays flat at any size.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Max

from eport.declarations.models import Declaration
from eport.declarations.snapshot import state_digest
from ledger.models import Entry

BATCH_SIZE = 500
SUBJECT_PREFIX = "declaration:"
# Re-reads of a mismatching declaration before it is reported, in case a legitimate change was
# committing while it was read.
RECHECKS = 3


@dataclass(frozen=True)
class Finding:
    """One declaration whose live state and ledger state disagree (see Mismatch.Kind)."""

    kind: str
    subject: str
    number: str = ""
    entry_seq: int | None = None
    ledger_state: str = ""
    live_state: str = ""


@dataclass
class ReconciliationReport:
    checked: int = 0
    subjects_in_ledger: int = 0
    findings: int = 0
    seconds: float = 0.0
    sample: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.findings == 0

    def summary(self) -> str:
        if self.ok:
            return (
                f"{self.checked:,} declarations match the state of their latest ledger entry "
                f"({self.seconds:.1f} s)"
            )
        return (
            f"{self.findings:,} mismatch(es) among {self.checked:,} declarations and "
            f"{self.subjects_in_ledger:,} ledger subjects"
        )


@dataclass(frozen=True)
class _Latest:
    seq: int
    action: str
    state: str | None


def _latest_entries(subjects: list[str]) -> dict[str, _Latest]:
    """The latest entry of each subject, in one indexed query (DISTINCT ON on PostgreSQL)."""
    if not subjects:
        return {}
    entries = Entry.objects.filter(subject__in=subjects)
    if connection.vendor == "postgresql":
        rows = entries.order_by("subject", "-seq").distinct("subject")
    else:
        latest = entries.values("subject").annotate(last=Max("seq")).values("last")
        rows = Entry.objects.filter(seq__in=latest)
    found = {}
    for subject, seq, action, raw in rows.values_list("subject", "seq", "action", "canonical"):
        data = json.loads(bytes(raw)).get("data")
        state = data.get("state") if isinstance(data, dict) else None
        found[subject] = _Latest(seq, action, state if isinstance(state, str) else None)
    return found


def _compare(declaration: Declaration, latest: _Latest | None, live: str) -> Finding | None:
    subject = declaration.ledger_subject
    number = declaration.number or ""
    if latest is None:
        return Finding("no_entry", subject, number, live_state=live)
    if latest.state is None:
        return Finding("no_state", subject, number, latest.seq, live_state=live)
    if latest.state != live:
        return Finding("state", subject, number, latest.seq, latest.state, live)
    return None


def _recheck(declaration: Declaration) -> Finding | None:
    """Compare again, accepting the result only if no entry was appended while reading."""
    finding = None
    for _ in range(RECHECKS):
        subject = declaration.ledger_subject
        latest = _latest_entries([subject]).get(subject)
        live = state_digest(declaration)
        after = _latest_entries([subject]).get(subject)
        finding = _compare(declaration, latest, live)
        if (latest and latest.seq) == (after and after.seq):
            return finding
    return finding


def _declaration_batches() -> Iterator[list[Declaration]]:
    last_pk = 0
    while True:
        batch = list(
            Declaration.objects.select_related("company", "office")
            .filter(pk__gt=last_pk)
            .order_by("pk")[:BATCH_SIZE]
        )
        if not batch:
            return
        yield batch
        last_pk = batch[-1].pk


def _ledger_subject_batches() -> Iterator[list[str]]:
    # Keyset over the (subject, seq) index: each query reads the next BATCH_SIZE distinct subjects.
    last = SUBJECT_PREFIX
    while True:
        batch = list(
            Entry.objects.filter(subject__gt=last, subject__startswith=SUBJECT_PREFIX)
            .order_by("subject")
            .values_list("subject", flat=True)
            .distinct()[: BATCH_SIZE * 4]
        )
        if not batch:
            return
        yield batch
        last = batch[-1]


def reconcile_declarations(
    *,
    on_finding: Callable[[Finding], None] | None = None,
    on_progress: Callable[[int, int, float], None] | None = None,
    progress_every: float = 0.5,
) -> ReconciliationReport:
    """Compare every declaration's live state digest with its latest ledger entry's ``state``.

    Reports (through ``on_finding``) declarations that differ, that have no entry, whose latest
    entry has no state, and ledger subjects whose declaration is gone from the database.
    ``on_progress(checked, total, elapsed)`` is called at most every ``progress_every`` seconds.
    """
    started = time.perf_counter()
    report = ReconciliationReport()
    total = Declaration.objects.count()
    next_report = started

    def found(finding: Finding) -> None:
        report.findings += 1
        if len(report.sample) < 100:
            report.sample.append(finding)
        if on_finding is not None:
            on_finding(finding)

    for batch in _declaration_batches():
        live = {declaration.pk: state_digest(declaration) for declaration in batch}
        latest = _latest_entries([declaration.ledger_subject for declaration in batch])
        for declaration in batch:
            finding = _compare(
                declaration, latest.get(declaration.ledger_subject), live[declaration.pk]
            )
            if finding is not None:
                finding = _recheck(declaration)
            if finding is not None:
                found(finding)
        report.checked += len(batch)
        now = time.perf_counter()
        if on_progress is not None and now >= next_report:
            on_progress(report.checked, total, now - started)
            next_report = now + progress_every

    for subjects in _ledger_subject_batches():
        report.subjects_in_ledger += len(subjects)
        uuids = [subject[len(SUBJECT_PREFIX) :] for subject in subjects]
        present = {
            str(value)
            for value in Declaration.objects.filter(uuid__in=_valid_uuids(uuids)).values_list(
                "uuid", flat=True
            )
        }
        missing = [
            subject for subject, uuid in zip(subjects, uuids, strict=True) if uuid not in present
        ]
        if not missing:
            continue
        for subject, latest in sorted(_latest_entries(missing).items()):
            # A subject whose last word was its deletion is meant to be gone.
            if latest.action.endswith(".deleted"):
                continue
            found(Finding("missing", subject, "", latest.seq, latest.state or ""))

    report.seconds = time.perf_counter() - started
    if on_progress is not None:
        on_progress(report.checked, total, report.seconds)
    return report


def _valid_uuids(values: list[str]) -> list[str]:
    valid = []
    for value in values:
        try:
            valid.append(str(uuid.UUID(value)))
        except ValueError:
            continue
    return valid
