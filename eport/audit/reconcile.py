"""Reconciliation: does each subject still look the way its latest ledger entry says, does each
document's stored file still hold what was recorded of it, and is each paid or released
declaration settled the way its tax bill says?

Every ledger entry about a subject the application changes carries ``data.state``, the digest of
the subject's snapshot right after the change: declarations, the payments' subjects (tax bills,
payment agreements, payment instructions, guarantees), the banks' presentations and financings,
customs' internal notes and post-clearance picks on declarations, licences, and the records
changed through ``eport.core.ledgering`` (companies, customs offices, banks, agencies, users,
tariff lines, goods controls, risk rules, API tokens). Each kind's live digest is computed by
the very function its services record it with, so a change made through the application always
matches.
A subject whose live digest differs from the state of its latest entry was changed without going
through the application (an SQL UPDATE, a restored backup, a hand edit): that is what this finds,
with rows that have no ledger entry at all and ledger subjects whose row is gone (unless their
latest entry is their deletion). Every document's stored file is then hashed (streamed) against
the SHA-256 and size its row records, which the declaration's state covers.

Rows are read in batches by primary key, each batch's latest entries in one query, so memory
stays flat at any size. The settlement check (``settlements``) then looks at the payments behind
each paid or released declaration.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from eport.accounts.models import Agency, Bank, Company, CustomsOffice, User
from eport.banks.models import Financing, Presentation
from eport.banks.snapshot import financing_state, presentation_state
from eport.core.ledgering import model_snapshot
from eport.core.ledgering import state_digest as snapshot_digest
from eport.core.text import listed
from eport.declarations.documents import CheckedFile, intact
from eport.declarations.models import (
    Declaration,
    DeclarationNote,
    Document,
    PostClearanceReview,
    RiskRule,
)
from eport.declarations.snapshot import state_digest
from eport.licensing.models import Licence
from eport.licensing.snapshot import licence_state
from eport.payments import snapshot as payments_snapshot
from eport.payments.models import Guarantee, PaymentAgreement, PaymentInstruction, TaxBill
from eport.reference.models import GoodsControl, TariffLine
from ledger.models import Entry

from . import settlements
from .findings import Finding, Latest, latest_entries

BATCH_SIZE = 500
# Re-reads of a mismatching subject before it is reported, in case a legitimate change was
# committing while it was read.
RECHECKS = 3
NUMBER_LENGTH = 64  # Mismatch.number


def counted(words: Any, count: int) -> str:
    """``count`` rows in ``words`` (a plural ``ngettext_lazy(..., "count")`` naming a
    ``%(figure)s``), in the reader's language: "1,204 companies"."""
    return words % {"count": count, "figure": f"{count:,}"}


@dataclass(frozen=True)
class Subjects:
    """One kind of ledger subject whose rows carry a state: how to read them and digest them."""

    prefix: str  # the ledger subject's "<type>:" before the row's key
    rows: Callable[[], QuerySet]  # every row, with what its state and number read
    state: Callable[[Any], str]  # the digest its services record (the same function)
    number: Callable[[Any], str]  # what an auditor knows the row by
    counted: Any = None  # its rows in words: ngettext_lazy("%(figure)s ...", ..., "count")
    key: str = "uuid"  # the row's field whose value follows the prefix in its ledger subject
    # For a subject naming several fields: which of the given keys (each subject's text after the
    # prefix) still have a row. None: those whose ``key`` field holds them.
    present: Callable[[list[str]], set[str]] | None = None
    # False for kinds that test fixtures and databases from before their ledgering hold without
    # entries: such a row is reported only with settings.EPORT_RECONCILE_UNLEDGERED_ROWS.
    always_ledgered: bool = True

    def count(self) -> int:
        return self.rows().count()


def model_state(instance: Model) -> str:
    """The state ``eport.core.ledgering.record_model_change`` records of ``instance``."""
    return snapshot_digest(model_snapshot(instance))


def _controls_present(keys: list[str]) -> set[str]:
    # A goods control's subject is control:<measure>:<prefix>: two fields, neither alone unique.
    pairs = [tuple(key.split(":", 1)) for key in keys if key.count(":") == 1]
    wanted = {prefix for _measure, prefix in pairs}
    rows = GoodsControl.objects.filter(hs_prefix__in=wanted).values_list("measure", "hs_prefix")
    return {f"{measure}:{prefix}" for measure, prefix in rows}


DECLARATIONS = Subjects(
    "declaration:",
    lambda: Declaration.objects.select_related("company", "office"),
    state_digest,
    lambda declaration: declaration.number or "",
    ngettext_lazy("%(figure)s declaration", "%(figure)s declarations", "count"),
)
# The payments' subjects (eport.payments.snapshot): bills, agreements, instructions, guarantees.
PAYMENTS = (
    Subjects(
        "bill:",
        lambda: TaxBill.objects.select_related("declaration__company", "guarantee"),
        payments_snapshot.state,
        lambda bill: bill.number,
        ngettext_lazy("%(figure)s tax bill", "%(figure)s tax bills", "count"),
    ),
    Subjects(
        "agreement:",
        lambda: PaymentAgreement.objects.select_related("company", "bank"),
        payments_snapshot.state,
        lambda agreement: agreement.account_number,
        ngettext_lazy("%(figure)s payment agreement", "%(figure)s payment agreements", "count"),
    ),
    Subjects(
        "payment:",
        lambda: PaymentInstruction.objects.select_related("bill", "agreement", "bank"),
        payments_snapshot.state,
        lambda instruction: instruction.bill.number,
        ngettext_lazy("%(figure)s payment instruction", "%(figure)s payment instructions", "count"),
    ),
    Subjects(
        "guarantee:",
        lambda: Guarantee.objects.select_related("bank", "company"),
        payments_snapshot.state,
        lambda guarantee: guarantee.bank_reference,
        ngettext_lazy("%(figure)s guarantee", "%(figure)s guarantees", "count"),
    ),
)
# Every other kind the ledger records with a state: the banks' presentations and financings
# (eport.banks.snapshot), then the records changed through eport.core.ledgering.
RECORDS = (
    Subjects(
        "presentation:",
        lambda: Presentation.objects.select_related("declaration", "bank"),
        presentation_state,
        lambda presentation: presentation.declaration.number or "",
        ngettext_lazy(
            "%(figure)s presentation to a bank", "%(figure)s presentations to banks", "count"
        ),
    ),
    Subjects(
        "licence:",
        lambda: Licence.objects.select_related("company", "agency"),
        licence_state,
        lambda licence: licence.number or "",
        ngettext_lazy("%(figure)s licence", "%(figure)s licences", "count"),
    ),
    Subjects(
        "financing:",
        lambda: Financing.objects.select_related("declaration", "bank"),
        financing_state,
        lambda financing: financing.bank_reference,
        ngettext_lazy("%(figure)s financing", "%(figure)s financings", "count"),
    ),
    # Customs' internal records of declarations, each under a subject of its own.
    Subjects(
        "declaration-note:",
        lambda: DeclarationNote.objects.select_related("declaration"),
        model_state,
        lambda note: note.declaration.number or "",
        ngettext_lazy("%(figure)s internal note", "%(figure)s internal notes", "count"),
    ),
    Subjects(
        "post-clearance:",
        lambda: PostClearanceReview.objects.select_related("declaration"),
        model_state,
        lambda review: review.declaration.number or "",
        ngettext_lazy(
            "%(figure)s post-clearance review", "%(figure)s post-clearance reviews", "count"
        ),
    ),
    Subjects(
        "company:",
        lambda: Company.objects.all(),
        model_state,
        lambda company: company.name,
        ngettext_lazy("%(figure)s company", "%(figure)s companies", "count"),
        key="usci",
        always_ledgered=False,
    ),
    Subjects(
        "office:",
        lambda: CustomsOffice.objects.all(),
        model_state,
        lambda office: office.name,
        ngettext_lazy("%(figure)s customs office", "%(figure)s customs offices", "count"),
        key="code",
        always_ledgered=False,
    ),
    Subjects(
        "bank:",
        lambda: Bank.objects.all(),
        model_state,
        lambda bank: bank.legal_name,
        ngettext_lazy("%(figure)s bank", "%(figure)s banks", "count"),
        key="bic",
        always_ledgered=False,
    ),
    Subjects(
        "agency:",
        lambda: Agency.objects.all(),
        model_state,
        lambda agency: agency.name,
        ngettext_lazy("%(figure)s agency", "%(figure)s agencies", "count"),
        key="code",
        always_ledgered=False,
    ),
    Subjects(
        "user:",
        lambda: User.objects.select_related("company", "office", "bank", "agency").prefetch_related(
            "groups", "user_permissions__content_type"
        ),
        model_state,
        lambda user: user.username,
        ngettext_lazy("%(figure)s user", "%(figure)s users", "count"),
        key="pk",
        always_ledgered=False,
    ),
    Subjects(
        "tariff:",
        lambda: TariffLine.objects.all(),
        model_state,
        lambda line: line.hs_prefix,
        ngettext_lazy("%(figure)s tariff line", "%(figure)s tariff lines", "count"),
        key="hs_prefix",
        always_ledgered=False,
    ),
    Subjects(
        "control:",
        lambda: GoodsControl.objects.all(),
        model_state,
        lambda control: f"{control.hs_prefix} {control.measure}",
        ngettext_lazy("%(figure)s goods control", "%(figure)s goods controls", "count"),
        present=_controls_present,
        always_ledgered=False,
    ),
    Subjects(
        "risk-rule:",
        lambda: RiskRule.objects.all(),
        model_state,
        lambda rule: rule.name,
        ngettext_lazy("%(figure)s risk rule", "%(figure)s risk rules", "count"),
        key="pk",
        always_ledgered=False,
    ),
    Subjects(
        # eport.api sits beside the audit workspace, so its model is looked up, not imported.
        "api-token:",
        lambda: apps.get_model("api", "ApiToken").objects.select_related("user"),
        model_state,
        lambda token: f"{token.prefix} {token.name}",
        ngettext_lazy("%(figure)s API token", "%(figure)s API tokens", "count"),
        key="pk",
        always_ledgered=False,
    ),
)
ALL_SUBJECTS = (DECLARATIONS, *PAYMENTS, *RECORDS)
# The findings of the other checks, counted under these names (see ReconciliationReport.kinds).
DOCUMENT_FILES = "document-file"
SETTLEMENTS = "settlement"
COUNTED = {
    **{subjects.prefix: subjects.counted for subjects in ALL_SUBJECTS},
    DOCUMENT_FILES: ngettext_lazy("%(figure)s document file", "%(figure)s document files", "count"),
    SETTLEMENTS: ngettext_lazy(
        "%(figure)s paid or released declaration",
        "%(figure)s paid or released declarations",
        "count",
    ),
}


@dataclass
class Tally:
    checked: int = 0
    findings: int = 0


@dataclass
class ReconciliationReport:
    """What a reconciliation compared, and how much it found (the first 100 findings kept)."""

    checked: int = 0  # declarations
    payments_checked: int = 0  # bills, agreements, payment instructions, guarantees
    records_checked: int = 0  # presentations, financings, companies, offices, banks, users, ...
    documents_checked: int = 0  # document files hashed against their recorded SHA-256 and size
    settlements_checked: int = 0  # paid or released declarations checked against their bills
    subjects_in_ledger: int = 0
    findings: int = 0
    seconds: float = 0.0
    sample: list[Finding] = field(default_factory=list)
    # Per kind (a Subjects prefix, DOCUMENT_FILES or SETTLEMENTS): how many checked, found wrong.
    kinds: dict[str, Tally] = field(default_factory=lambda: {kind: Tally() for kind in COUNTED})

    @property
    def ok(self) -> bool:
        return self.findings == 0

    def _records(self) -> str:
        return listed(
            counted(subjects.counted, self.kinds[subjects.prefix].checked) for subjects in RECORDS
        )

    def summary(self) -> str:
        figures = {
            "declarations": f"{self.checked:,}",
            "payments": f"{self.payments_checked:,}",
            "records": self._records(),
            "documents": f"{self.documents_checked:,}",
            "settled": f"{self.settlements_checked:,}",
        }
        if self.ok:
            return _(
                "%(declarations)s declarations and %(payments)s payment records match the state "
                "of their latest ledger entry, as do %(records)s; %(documents)s document files "
                "hold what was recorded of them, and %(settled)s paid or released declarations "
                "are settled as their tax bills say (%(seconds)s s)"
            ) % {**figures, "seconds": f"{self.seconds:.1f}"}
        where = listed(
            counted(COUNTED[kind], tally.findings)
            for kind, tally in self.kinds.items()
            if tally.findings
        )
        return _(
            "%(findings)s mismatch(es) among %(declarations)s declarations, %(payments)s payment "
            "records, %(records)s, %(documents)s document files, %(settled)s paid or released "
            "declarations and %(subjects)s ledger subjects; found in %(where)s"
        ) % {
            **figures,
            "findings": f"{self.findings:,}",
            "subjects": f"{self.subjects_in_ledger:,}",
            "where": where,
        }


def _compare(subjects: Subjects, row: Model, latest: Latest | None, live: str) -> Finding | None:
    subject = row.ledger_subject
    number = subjects.number(row)[:NUMBER_LENGTH]
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
    subjects: Subjects,
    found: Callable[[Finding], None],
    step: Callable[[int], None],
    unledgered_rows: bool,
) -> int:
    """Compare each row's live state with its latest entry's; returns how many were compared."""
    checked = 0
    for batch in _row_batches(subjects):
        live = {row.pk: subjects.state(row) for row in batch}
        latest = latest_entries([row.ledger_subject for row in batch])
        for row in batch:
            finding = _compare(subjects, row, latest.get(row.ledger_subject), live[row.pk])
            if finding is not None and (finding.kind != "no_entry" or unledgered_rows):
                finding = _recheck(subjects, row)
            if finding is not None and (finding.kind != "no_entry" or unledgered_rows):
                found(finding)
        checked += len(batch)
        step(len(batch))
    return checked


def _missing_rows(subjects: Subjects, found: Callable[[Finding], None]) -> int:
    """Report ledger subjects whose row is gone (unless their last word was their deletion);
    returns how many ledger subjects of this kind there are."""
    seen = 0
    for batch in _ledger_subject_batches(subjects.prefix):
        seen += len(batch)
        keys = [subject[len(subjects.prefix) :] for subject in batch]
        present = (subjects.present or partial(_present, subjects))(keys)
        missing = [
            subject for subject, value in zip(batch, keys, strict=True) if value not in present
        ]
        for subject, latest in sorted(latest_entries(missing).items()):
            # A subject whose last word was its deletion is meant to be gone.
            if latest.action.endswith(".deleted"):
                continue
            found(Finding("missing", subject, "", latest.seq, latest.state or ""))
    return seen


def _present(subjects: Subjects, keys: list[str]) -> set[str]:
    model = subjects.rows().model
    key = model._meta.pk if subjects.key == "pk" else model._meta.get_field(subjects.key)
    return {
        str(value)
        for value in model.objects.filter(
            **{f"{key.attname}__in": _valid_keys(key, keys)}
        ).values_list(key.attname, flat=True)
    }


def _valid_keys(key, values: list[str]) -> list[Any]:
    valid = []
    for value in values:
        try:
            valid.append(key.to_python(value))
        except ValidationError:
            continue
    return valid


# Document files ------------------------------------------------------------------------------


def _documents() -> QuerySet:
    return Document.objects.select_related("declaration").only(
        "pk",
        "type",
        "reference",
        "file",
        "sha256",
        "size",
        "content_type",
        "declaration__uuid",
        "declaration__number",
    )


def _recorded(document: Document) -> CheckedFile:
    return CheckedFile(document.content_type, document.sha256, document.size)


def _file_digest(name: str) -> str:
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _file_finding(document: Document) -> Finding | None:
    """What is wrong with ``document``'s stored file, read afresh (None if the row is gone or
    the file is intact after all)."""
    for _attempt in range(RECHECKS):
        fresh = _documents().filter(pk=document.pk).first()
        if fresh is None or intact(fresh.file.name, _recorded(fresh)):
            return None
        document = fresh
    name = document.file.name
    words = {"document": str(document), "file": name}
    live = ""
    try:
        size = default_storage.size(name)
        live = _file_digest(name)
    except OSError:
        detail = _("Document %(document)s: its stored file %(file)s is missing.") % words
    else:
        if size != document.size:
            detail = _(
                "Document %(document)s: its stored file %(file)s is %(size)s bytes, not the "
                "%(recorded)s bytes recorded."
            ) % {**words, "size": f"{size:,}", "recorded": f"{document.size:,}"}
        else:
            detail = (
                _(
                    "Document %(document)s: its stored file %(file)s does not hold the content "
                    "recorded (its SHA-256 differs)."
                )
                % words
            )
    declaration = document.declaration
    return Finding(
        "state",
        declaration.ledger_subject,
        (declaration.number or "")[:NUMBER_LENGTH],
        ledger_state=document.sha256,
        live_state=live,
        detail=detail,
    )


def _document_files(found: Callable[[Finding], None], step: Callable[[int], None]) -> int:
    """Hash every document's stored file against its recorded SHA-256 and size (each file once
    per batch: equal content is stored once); returns how many documents were checked."""
    checked = 0
    last_pk = 0
    while True:
        batch = list(_documents().filter(pk__gt=last_pk).order_by("pk")[:BATCH_SIZE])
        if not batch:
            return checked
        verdicts: dict[tuple[str, str, int], bool] = {}
        for document in batch:
            recorded = _recorded(document)
            known = (document.file.name, recorded.sha256, recorded.size)
            if known not in verdicts:
                verdicts[known] = intact(document.file.name, recorded)
            if not verdicts[known]:
                finding = _file_finding(document)
                if finding is not None:
                    found(finding)
        checked += len(batch)
        step(len(batch))
        last_pk = batch[-1].pk


# The whole reconciliation ----------------------------------------------------------------------


def reconcile_declarations(
    *,
    on_finding: Callable[[Finding], None] | None = None,
    on_progress: Callable[[int, int, float], None] | None = None,
    progress_every: float = 0.5,
    unledgered_rows: bool | None = None,
) -> ReconciliationReport:
    """Compare every ledgered subject's live state digest with its latest ledger entry's
    ``state`` (declarations; bills, agreements, payment instructions and guarantees;
    presentations and financings; companies, offices, banks, users, tariff lines, risk rules and
    API tokens), hash every document's stored file against its recorded SHA-256 and size, then
    check every paid or released declaration against its tax bill (``settlements``).

    Reports (through ``on_finding``) subjects that differ, that have no entry, whose latest entry
    has no state, ledger subjects whose row is gone from the database, document files missing or
    changed, and declarations not settled as their bills say. Rows without any entry of the kinds
    that are not ``always_ledgered`` are reported only with ``unledgered_rows`` (default:
    ``settings.EPORT_RECONCILE_UNLEDGERED_ROWS``). ``on_progress(checked, total, elapsed)`` counts
    rows of every kind and is called at most every ``progress_every`` seconds.
    """
    if unledgered_rows is None:
        unledgered_rows = getattr(settings, "EPORT_RECONCILE_UNLEDGERED_ROWS", True)
    started = time.perf_counter()
    report = ReconciliationReport()
    total = (
        sum(subjects.count() for subjects in ALL_SUBJECTS)
        + Document.objects.count()
        + settlements.settled_declarations().count()
    )
    progress = {"done": 0, "next": started}

    def finder(kind: str) -> Callable[[Finding], None]:
        def found(finding: Finding) -> None:
            report.findings += 1
            report.kinds[kind].findings += 1
            if len(report.sample) < 100:
                report.sample.append(finding)
            if on_finding is not None:
                on_finding(finding)

        return found

    def step(count: int) -> None:
        progress["done"] += count
        now = time.perf_counter()
        if on_progress is not None and now >= progress["next"]:
            on_progress(progress["done"], total, now - started)
            progress["next"] = now + progress_every

    for subjects in ALL_SUBJECTS:
        found = finder(subjects.prefix)
        checked = _reconcile_rows(
            subjects, found, step, unledgered_rows or subjects.always_ledgered
        )
        report.kinds[subjects.prefix].checked = checked
        report.subjects_in_ledger += _missing_rows(subjects, found)
    report.checked = report.kinds[DECLARATIONS.prefix].checked
    report.payments_checked = sum(report.kinds[kind.prefix].checked for kind in PAYMENTS)
    report.records_checked = sum(report.kinds[kind.prefix].checked for kind in RECORDS)
    report.documents_checked = _document_files(finder(DOCUMENT_FILES), step)
    report.kinds[DOCUMENT_FILES].checked = report.documents_checked
    report.settlements_checked = settlements.check_settlements(
        on_finding=finder(SETTLEMENTS), on_batch=step
    )
    report.kinds[SETTLEMENTS].checked = report.settlements_checked

    report.seconds = time.perf_counter() - started
    if on_progress is not None:
        on_progress(progress["done"], total, report.seconds)
    return report


__all__ = ["Finding", "ReconciliationReport", "Subjects", "reconcile_declarations"]
