"""What banks, traders and auditors may see of presentations and financings: the one place.

A bank sees a declaration only while it is presented to it, its own financings, and for a
declaration presented to it the aggregate balance still financeable: never which other banks
financed it, how many financings there are or what any single one is. A trader sees every
presentation and financing of its company's declarations; auditors see everything; customs
officers see nothing of financing.
"""

from __future__ import annotations

import uuid as uuid_module
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404
from django.utils.translation import gettext as _

from eport.accounts.models import Bank
from eport.declarations.models import Declaration
from eport.declarations.selectors import LIST_RELATED, declaration_ledger
from ledger.models import Entry
from ledger.receipts import ReceiptUnavailable, build_receipt, subject_digest
from ledger.selectors import EntryNotFound, entries_about, recorded_state

from .models import Financing, Presentation
from .snapshot import financing_snapshot

MAX_BATCH = 1000


def has_role(user, role: str) -> bool:
    """Whether ``user`` is signed in with this role ("trader", "officer", "auditor", "bank")."""
    return bool(user is not None and getattr(user, "is_authenticated", False)) and getattr(
        user, f"is_{role}", False
    )


def uuid_or_404(value) -> uuid_module.UUID:
    """``value`` as a UUID; Http404 (not a 500) for anything that is not one."""
    try:
        return value if isinstance(value, uuid_module.UUID) else uuid_module.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise Http404(_("Not found.")) from None


def _live_presentation_to(bank_id) -> Exists:
    return Exists(
        Presentation.objects.filter(
            declaration_id=OuterRef("pk"), bank_id=bank_id, withdrawn_at__isnull=True
        )
    )


def presented_declarations(user) -> QuerySet[Declaration]:
    """The declarations presented, now, to this user's bank (none for anyone else)."""
    if not (has_role(user, "bank") and user.bank_id):
        return Declaration.objects.none()
    return (
        Declaration.objects.select_related(*LIST_RELATED)
        .filter(_live_presentation_to(user.bank_id), status=Declaration.Status.RELEASED)
        .order_by("-released_at", "-pk")
    )


def get_presented_declaration(user, uuid) -> Declaration:
    """A declaration presented to this user's bank; Http404 otherwise."""
    declaration = presented_declarations(user).filter(uuid=uuid_or_404(uuid)).first()
    if declaration is None:
        raise Http404(_("No such declaration."))
    return declaration


def presentations_for(user) -> QuerySet[Presentation]:
    """Presentations this user may see: its company's (trader), to its bank (bank), or all
    (auditor)."""
    queryset = Presentation.objects.select_related("declaration", "bank", "presented_by")
    if has_role(user, "trader") and user.company_id:
        return queryset.filter(declaration__company_id=user.company_id)
    if has_role(user, "bank") and user.bank_id:
        return queryset.filter(bank_id=user.bank_id)
    if has_role(user, "auditor"):
        return queryset
    return queryset.none()


def get_presentation_for(user, uuid) -> Presentation:
    presentation = presentations_for(user).filter(uuid=uuid_or_404(uuid)).first()
    if presentation is None:
        raise Http404(_("No such presentation."))
    return presentation


def financings_for(user) -> QuerySet[Financing]:
    """Financings this user may see: its bank's own (bank), its company's declarations' (trader),
    all (auditor), none (officer)."""
    queryset = Financing.objects.select_related("declaration", "bank")
    if has_role(user, "bank") and user.bank_id:
        return queryset.filter(bank_id=user.bank_id)
    if has_role(user, "trader") and user.company_id:
        return queryset.filter(declaration__company_id=user.company_id)
    if has_role(user, "auditor"):
        return queryset
    return queryset.none()


def get_financing_for(user, uuid) -> Financing:
    financing = financings_for(user).filter(uuid=uuid_or_404(uuid)).first()
    if financing is None:
        raise Http404(_("No such financing."))
    return financing


# The registry's rule in one place: what a financing takes of its declaration's value. A
# cancelled financing takes nothing; a disbursed or repaid one its disbursed amount; a registered
# one its amount.
CONSUMED = Coalesce("disbursed_amount", "amount")


def _counted(financings: QuerySet[Financing]) -> QuerySet[Financing]:
    return financings.exclude(status=Financing.Status.CANCELLED)


def financeable_balance(declaration: Declaration) -> Decimal:
    """What all banks together may still finance of this declaration (its invoice total less
    every live or repaid financing), without saying who financed the rest."""
    consumed = _counted(Financing.objects.filter(declaration_id=declaration.pk)).aggregate(
        total=Sum(CONSUMED)
    )["total"]
    return max(declaration.invoice_total - (consumed or Decimal("0")), Decimal("0.00"))


@dataclass(frozen=True)
class CheckAnswer:
    """The answer for one number of a batch check: available (presented to you) or not."""

    number: str
    declaration: Declaration | None = None
    balance: Decimal | None = None

    @property
    def available(self) -> bool:
        return self.declaration is not None


def normalise_numbers(text_or_numbers) -> list[str]:
    """Declaration numbers from pasted text or a CSV (any of comma, semicolon, white space),
    in the order given, each once."""
    if isinstance(text_or_numbers, str):
        for separator in ",;\t\r\n":
            text_or_numbers = text_or_numbers.replace(separator, " ")
        text_or_numbers = text_or_numbers.split(" ")
    seen: dict[str, None] = {}
    for raw in text_or_numbers:
        number = str(raw).strip().strip('"').strip("'")
        if number:
            seen.setdefault(number, None)
    return list(seen)


def batch_check(user, numbers: list[str]) -> list[CheckAnswer]:
    """For each number: the declaration and its financeable balance if it is released and
    presented to the user's bank, otherwise "not available", whatever the reason, so that
    guessing numbers tells nothing (two queries, whatever the count)."""
    wanted = [number for number in numbers if len(number) == 18 and number.isdigit()]
    found = {
        declaration.number: declaration
        for declaration in with_financeable_balance(
            presented_declarations(user).filter(number__in=wanted)
        )
    }
    answers = []
    for number in numbers:
        declaration = found.get(number)
        if declaration is None:
            answers.append(CheckAnswer(number))
            continue
        # SQLite hands the computed balance back without its scale.
        balance = declaration.financeable.quantize(Decimal("0.01"))
        answers.append(CheckAnswer(number, declaration, balance))
    return answers


# --- the banks' pages ------------------------------------------------------------------------


def with_financeable_balance(queryset: QuerySet[Declaration]) -> QuerySet[Declaration]:
    """The declarations with ``financeable`` annotated: what all banks together may still
    finance of each, computed in the same query (a correlated sum, so a page costs no more)."""
    consumed = (
        _counted(Financing.objects.filter(declaration_id=OuterRef("pk")))
        .order_by()
        .values("declaration_id")
        .annotate(total=Sum(CONSUMED))
        .values("total")
    )
    money = DecimalField(max_digits=16, decimal_places=2)
    zero = Value(Decimal("0.00"), output_field=money)
    return queryset.annotate(
        financeable=Greatest(
            ExpressionWrapper(
                F("invoice_total") - Coalesce(Subquery(consumed, output_field=money), zero),
                output_field=money,
            ),
            zero,
            output_field=money,
        )
    )


def presented_receipt(user, declaration: Declaration) -> dict:
    """The receipt (spec section 5) of the latest ledger entry of a declaration presented to the
    user's bank, with its snapshot where that is the state the entry recorded.

    Http404 unless it is presented to the user's bank now; ReceiptUnavailable while no
    notarized checkpoint covers the entry.
    """
    if not presented_declarations(user).filter(pk=declaration.pk).exists():
        raise Http404(_("No such declaration."))
    ledger = declaration_ledger(declaration)
    try:
        entry = ledger.entry()
    except EntryNotFound as problem:
        raise ReceiptUnavailable(str(problem)) from None
    return build_receipt(entry.seq, subject=ledger.subject_for(entry))


def financing_entries(financing: Financing) -> list[Entry]:
    """Every ledger entry about this financing, oldest first; the caller scoped the financing."""
    return list(entries_about(financing.ledger_subject))


REGISTERED_ACTION = "financing.registered"


def registration_receipt(financing: Financing) -> dict:
    """The receipt of the financing's registration entry, with the financing's snapshot only
    while it is still the state that entry recorded; ReceiptUnavailable while not notarized.
    The caller scoped the financing (``get_financing_for``)."""
    entry = (
        entries_about(financing.ledger_subject).filter(action=REGISTERED_ACTION).order_by("seq")
    ).first()
    if entry is None:
        raise ReceiptUnavailable(
            _("financing %(financing)s has no registration entry in the ledger")
            % {"financing": financing}
        )
    snapshot = financing_snapshot(financing)
    subject = snapshot if subject_digest(snapshot) == recorded_state(entry) else None
    return build_receipt(entry.seq, subject=subject)


def banks_to_present_to(declaration: Declaration) -> QuerySet[Bank]:
    """The active alliance banks this declaration is not presented to now."""
    live = Presentation.objects.filter(
        declaration_id=declaration.pk, withdrawn_at__isnull=True
    ).values("bank_id")
    return Bank.objects.filter(active=True).exclude(pk__in=live).order_by("legal_name")


# --- the API's reads ------------------------------------------------------------------------


def alliance_bank(bic) -> Bank | None:
    """The alliance bank with this BIC (any letter case), active or not; None if there is none."""
    text = str(bic or "").strip().upper()
    return Bank.objects.filter(bic=text).first() if text else None
