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

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import Http404

from eport.declarations.models import Declaration
from eport.declarations.selectors import LIST_RELATED

from .models import Financing, Presentation

MAX_BATCH = 1000


def _is(user, role: str) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False)) and getattr(
        user, f"is_{role}", False
    )


def _uuid(value) -> uuid_module.UUID:
    try:
        return value if isinstance(value, uuid_module.UUID) else uuid_module.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise Http404("Not found.") from None


def _live_presentation_to(bank_id) -> Exists:
    return Exists(
        Presentation.objects.filter(
            declaration_id=OuterRef("pk"), bank_id=bank_id, withdrawn_at__isnull=True
        )
    )


def presented_declarations(user) -> QuerySet[Declaration]:
    """The declarations presented, now, to this user's bank (none for anyone else)."""
    if not (_is(user, "bank") and user.bank_id):
        return Declaration.objects.none()
    return (
        Declaration.objects.select_related(*LIST_RELATED)
        .filter(_live_presentation_to(user.bank_id), status=Declaration.Status.RELEASED)
        .order_by("-released_at", "-pk")
    )


def get_presented_declaration(user, uuid) -> Declaration:
    """A declaration presented to this user's bank; Http404 otherwise."""
    declaration = presented_declarations(user).filter(uuid=_uuid(uuid)).first()
    if declaration is None:
        raise Http404("No such declaration.")
    return declaration


def presentations_for(user) -> QuerySet[Presentation]:
    """Presentations this user may see: its company's (trader), to its bank (bank), or all
    (auditor)."""
    queryset = Presentation.objects.select_related("declaration", "bank", "presented_by")
    if _is(user, "trader") and user.company_id:
        return queryset.filter(declaration__company_id=user.company_id)
    if _is(user, "bank") and user.bank_id:
        return queryset.filter(bank_id=user.bank_id)
    if _is(user, "auditor"):
        return queryset
    return queryset.none()


def get_presentation_for(user, uuid) -> Presentation:
    presentation = presentations_for(user).filter(uuid=_uuid(uuid)).first()
    if presentation is None:
        raise Http404("No such presentation.")
    return presentation


def financings_for(user) -> QuerySet[Financing]:
    """Financings this user may see: its bank's own (bank), its company's declarations' (trader),
    all (auditor), none (officer)."""
    queryset = Financing.objects.select_related("declaration", "bank")
    if _is(user, "bank") and user.bank_id:
        return queryset.filter(bank_id=user.bank_id)
    if _is(user, "trader") and user.company_id:
        return queryset.filter(declaration__company_id=user.company_id)
    if _is(user, "auditor"):
        return queryset
    return queryset.none()


def get_financing_for(user, uuid) -> Financing:
    financing = financings_for(user).filter(uuid=_uuid(uuid)).first()
    if financing is None:
        raise Http404("No such financing.")
    return financing


def _consumed() -> Sum:
    return Sum(
        Coalesce("financings__disbursed_amount", "financings__amount"),
        filter=~Q(financings__status=Financing.Status.CANCELLED),
    )


def financeable_balance(declaration: Declaration) -> Decimal:
    """What all banks together may still finance of this declaration (its invoice total less
    every live or repaid financing), without saying who financed the rest."""
    consumed = (
        Financing.objects.filter(declaration_id=declaration.pk)
        .exclude(status=Financing.Status.CANCELLED)
        .aggregate(total=Sum(Coalesce("disbursed_amount", "amount")))["total"]
    )
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
        for declaration in presented_declarations(user)
        .filter(number__in=wanted)
        .annotate(consumed=_consumed())
    }
    answers = []
    for number in numbers:
        declaration = found.get(number)
        if declaration is None:
            answers.append(CheckAnswer(number))
            continue
        balance = max(declaration.invoice_total - (declaration.consumed or 0), Decimal("0.00"))
        answers.append(CheckAnswer(number, declaration, balance))
    return answers
