"""A receipt's verdict in plain words, for /verify/: what a bank clerk needs to know first.

``ledger.verify_receipt`` reports each technical check; ``plain_verdict`` turns that report into
one sentence (is the receipt genuine, and if not, what is wrong with it, in the order that matters:
not a receipt at all, not signed by this e-port, not in its ledger, details changed, not cosigned
by enough witnesses), the declaration's facts the receipt carries, and, from ``ledger_news``, what
the ledger recorded about the declaration since the receipt was made. The page shows the
technical checks below it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from uuid import UUID

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from eport.accounts.models import Company
from eport.core.receipt_checks import WITNESS_COUNT
from eport.declarations.models import Declaration
from eport.web.templatetags.eport import action_words, moment
from ledger.selectors import entries_about
from ledger.verify_receipt import (
    CHECKPOINT,
    ENTRY,
    FORMAT,
    INCLUSION,
    KEYS,
    LEDGER_SIGNATURE,
    SUBJECT,
    TREE_SIZE,
    WITNESSES,
    Report,
)

# The verdicts, from the best to the worst news.
GENUINE = "genuine"
CHANGED = "changed"  # the declaration details differ from the recorded state
NOT_NOTARIZED = "not_notarized"  # too few witnesses cosigned the checkpoint
NOT_IN_LEDGER = "not_in_ledger"  # the entry or its proof does not lead to the signed checkpoint
FOREIGN = "foreign"  # not signed by this e-port's ledger key
NOT_A_RECEIPT = "not_a_receipt"  # malformed: not JSON, not a receipt, a checkpoint unreadable
UNCHECKED = "unchecked"  # this server has no trusted keys to check against

RELEASE_ACTION = "declaration.released"
DECLARATION_SUBJECT = "declaration:"


@dataclass(frozen=True)
class Fact:
    """One fact the receipt carries, as the verdict lists it; ``amount`` is a Decimal or None."""

    label: str
    value: str = ""
    amount: Decimal | None = None
    currency: str = ""


@dataclass(frozen=True)
class LedgerNews:
    """What this server knows beyond the receipt: the declarant's name and any later entries."""

    company_name: str = ""
    later_entries: int = 0
    latest_action: str = ""
    latest_time: datetime | None = None
    status_now: str = ""  # the declaration's status in words, when entries came after


@dataclass(frozen=True)
class Verdict:
    """The plain-words verdict: its kind, the sentence, what to do, and the facts shown with it."""

    kind: str
    sentence: str
    advice: str = ""
    facts: list[Fact] = field(default_factory=list)
    newer: str = ""  # a later state of the declaration, when the ledger has one

    @property
    def genuine(self) -> bool:
        return self.kind == GENUINE

    @property
    def icon(self) -> str:
        """A mark beside the words (colour is never the only signal)."""
        if self.kind == GENUINE:
            return "✓"
        return "!" if self.kind == UNCHECKED else "✗"


def _entry(receipt: dict | None) -> dict | None:
    """The receipt's entry as JSON, or None if it cannot be read."""
    if not isinstance(receipt, dict) or not isinstance(receipt.get("entry"), str):
        return None
    try:
        entry = json.loads(base64.b64decode(receipt["entry"], validate=True))
    except (binascii.Error, ValueError, RecursionError):
        return None
    return entry if isinstance(entry, dict) else None


def _time(entry: dict) -> datetime | None:
    try:
        return datetime.fromisoformat(str(entry.get("time", "")))
    except ValueError:
        return None


def _amount(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _status_words(value) -> str:
    if value in Declaration.Status.values:
        return str(Declaration.Status(value).label)
    return str(value or "")


# The verifier's format problems (English, ledger.verify_receipt) said as a person would.
_FORMAT_PROBLEMS: list[tuple[re.Pattern, object]] = [
    (re.compile(r"receipt is not UTF-8 text"), lambda m: _("the file is not text")),
    (re.compile(r"receipt is not JSON: .*", re.S), lambda m: _("it is not JSON")),
    (
        re.compile(r"receipt must be a JSON object, not .*"),
        lambda m: _("it is JSON, but not a receipt's object of named fields"),
    ),
    (
        re.compile(r"format must be .*", re.S),
        lambda m: _("it does not say it is an eport receipt (format eport-receipt/v1)"),
    ),
    (
        re.compile(r"missing field '(?P<name>\w+)'"),
        lambda m: _("its field “%(name)s” is missing") % {"name": m["name"]},
    ),
]


def _format_problem(detail: str) -> str:
    for pattern, words in _FORMAT_PROBLEMS:
        match = pattern.fullmatch(detail)
        if match:
            return words(match)
    return _("one of its fields is malformed (%(detail)s)") % {"detail": detail}


def _failed(report: Report, *names: str) -> bool:
    return any((check := report.get(name)) is not None and not check.ok for name in names)


def _witness_sentence(detail: str) -> str:
    counts = WITNESS_COUNT.search(detail)
    if counts is None:
        return _(
            "This receipt is not notarized: its checkpoint was not cosigned by enough "
            "witnesses, so no one else confirms the ledger's word."
        )
    return ngettext(
        "This receipt is not notarized: its checkpoint has %(signed)s of the %(quorum)s "
        "witness cosignature it needs, so no one else confirms the ledger's word.",
        "This receipt is not notarized: its checkpoint has %(signed)s of the %(quorum)s "
        "witness cosignatures it needs, so no one else confirms the ledger's word.",
        int(counts["quorum"]),
    ) % {"signed": counts["signed"], "quorum": counts["quorum"]}


def _do_not_rely(why: str = "") -> str:
    advice = _("Do not rely on it: ask the declarant for the receipt again, or tell customs audit.")
    return f"{why} {advice}" if why else advice


def _failure(report: Report) -> Verdict | None:
    """The worst thing wrong with the receipt, or None if every check passed."""
    format_check = report.get(FORMAT)
    if format_check is not None and not format_check.ok:
        return Verdict(
            NOT_A_RECEIPT,
            _("This is not an eport receipt: %(problem)s.")
            % {"problem": _format_problem(format_check.detail)},
            _(
                "Choose the receipt file the declarant gave you (receipt-….json), not the "
                "release note or another file, and check it again."
            ),
        )
    if _failed(report, CHECKPOINT):
        return Verdict(
            NOT_A_RECEIPT,
            _("This is not an eport receipt: the signed checkpoint in it cannot be read."),
            _do_not_rely(),
        )
    if _failed(report, KEYS):
        return Verdict(
            UNCHECKED,
            _(
                "This receipt could not be checked: this page has no trusted keys to check it "
                "against just now."
            ),
            _("Try again later, or check it offline with the keys the witnesses publish."),
        )
    if _failed(report, LEDGER_SIGNATURE):
        return Verdict(
            FOREIGN,
            _(
                "This receipt was not signed by this e-port: its checkpoint does not carry a "
                "valid signature of this e-port's ledger key."
            ),
            _do_not_rely(_("It may come from another system, or its checkpoint was altered.")),
        )
    if _failed(report, ENTRY, INCLUSION, TREE_SIZE):
        return Verdict(
            NOT_IN_LEDGER,
            _(
                "This receipt's entry is not in this e-port's ledger: its proof does not lead "
                "to the signed checkpoint."
            ),
            _do_not_rely(_("The entry or its proof was altered after the receipt was issued.")),
        )
    if _failed(report, SUBJECT):
        return Verdict(
            CHANGED,
            _(
                "The declaration details in this receipt were changed after it was issued: "
                "they are not what the ledger recorded."
            ),
            _do_not_rely(
                _("The ledger entry itself is genuine, but the details shown with it are not.")
            ),
        )
    witnesses = report.get(WITNESSES)
    if witnesses is not None and not witnesses.ok:
        return Verdict(NOT_NOTARIZED, _witness_sentence(witnesses.detail), _do_not_rely())
    if not report.valid:  # a check this page does not know by name
        return Verdict(
            NOT_IN_LEDGER,
            _("This receipt does not verify: %(checks)s failed.")
            % {"checks": ", ".join(check.name for check in report.failed)},
            _do_not_rely(),
        )
    return None


def _genuine_sentence(entry: dict, subject: dict | None) -> str:
    when = _time(entry)
    values = {
        "number": (subject or {}).get("number") or "",
        "moment": moment(when) if when else str(entry.get("time", "")),
        "action": action_words(str(entry.get("action", ""))),
        "seq": entry.get("seq"),
    }
    if subject is not None and values["number"]:
        if entry.get("action") == RELEASE_ACTION:
            return (
                _("This receipt is genuine: declaration %(number)s was released on %(moment)s.")
                % values
            )
        return (
            _(
                "This receipt is genuine: the ledger recorded “%(action)s” for declaration "
                "%(number)s on %(moment)s."
            )
            % values
        )
    return (
        _(
            "This receipt is genuine: ledger entry %(seq)s, “%(action)s”, was recorded on "
            "%(moment)s."
        )
        % values
    )


def _facts(subject: dict | None, news: LedgerNews) -> list[Fact]:
    if subject is None:
        return []
    company = str(subject.get("company") or "")
    facts = [
        Fact(
            _("Declarant"),
            f"{news.company_name} ({company})" if news.company_name and company else company,
        ),
        Fact(_("Status in the receipt"), _status_words(subject.get("status"))),
    ]
    for label, key, currency in (
        (_("Invoice total"), "invoice_total", str(subject.get("invoice_currency") or "")),
        (_("Customs value"), "customs_value", "CNY"),
        (_("Duty"), "duty_total", "CNY"),
        (_("VAT"), "vat_total", "CNY"),
    ):
        amount = _amount(subject.get(key))
        if amount is not None:
            facts.append(Fact(label, amount=amount, currency=currency))
    return [fact for fact in facts if fact.value or fact.amount is not None]


def _newer(news: LedgerNews) -> str:
    if not news.later_entries:
        return ""
    return ngettext(
        "A newer state exists: after this receipt's entry the ledger recorded %(count)s more "
        "entry about this declaration, “%(action)s” on %(moment)s; the declaration is now "
        "%(status)s.",
        "A newer state exists: after this receipt's entry the ledger recorded %(count)s more "
        "entries about this declaration, the latest “%(action)s” on %(moment)s; the "
        "declaration is now %(status)s.",
        news.later_entries,
    ) % {
        "count": news.later_entries,
        "action": action_words(news.latest_action),
        "moment": moment(news.latest_time) if news.latest_time else "",
        "status": news.status_now.lower(),
    }


def plain_verdict(report: Report, receipt: dict | None, news: LedgerNews | None = None) -> Verdict:
    """The verdict on a checked receipt in plain words: genuine, or the worst thing wrong."""
    failure = _failure(report)
    if failure is not None:
        return failure
    news = news or LedgerNews()
    entry = _entry(receipt) or {}
    subject = receipt.get("subject") if isinstance(receipt, dict) else None
    subject = subject if isinstance(subject, dict) else None
    advice = (
        ""
        if subject is not None
        else _(
            "It carries no snapshot of the declaration, so it proves the ledger entry only, not "
            "the declaration's details."
        )
    )
    return Verdict(
        GENUINE,
        _genuine_sentence(entry, subject),
        advice,
        _facts(subject, news),
        _newer(news),
    )


def ledger_news(report: Report, receipt: dict | None) -> LedgerNews:
    """What this server's ledger adds to a genuine receipt about a declaration: the declarant's
    name, and the entries recorded about the declaration after the receipt's own entry."""
    entry = _entry(receipt)
    if not report.valid or entry is None:
        return LedgerNews()
    subject = receipt.get("subject") if isinstance(receipt.get("subject"), dict) else {}
    usci = subject.get("company")
    company_name = ""
    if isinstance(usci, str) and usci:
        company_name = Company.objects.filter(usci=usci).values_list("name", flat=True).first()
    ledger_subject = entry.get("subject")
    seq = entry.get("seq")
    if not (
        isinstance(ledger_subject, str)
        and ledger_subject.startswith(DECLARATION_SUBJECT)
        and isinstance(seq, int)
    ):
        return LedgerNews(company_name=company_name or "")
    later = entries_about(ledger_subject).filter(seq__gt=seq)
    latest = later.order_by("-seq").first()
    if latest is None:
        return LedgerNews(company_name=company_name or "")
    try:
        uuid = UUID(ledger_subject.removeprefix(DECLARATION_SUBJECT))
    except ValueError:
        uuid = None
    declaration = Declaration.objects.filter(uuid=uuid).first() if uuid else None
    return LedgerNews(
        company_name=company_name or "",
        later_entries=later.count(),
        latest_action=latest.action,
        latest_time=latest.time,
        status_now=declaration.get_status_display() if declaration else "",
    )
