"""What traders, banks, officers and auditors may see of duties and taxes: the one place.

- A trader sees its company's bills, agreements, instructions and guarantees.
- A bank sees only its own customers' business: the agreements asked of it, the instructions
  sent to it, the guarantees it issued, and the bills it was asked to debit or that are
  reserved against its guarantees. Never another bank's.
- A customs officer sees the bills of the office's declarations (read-only), and the
  instructions and agreement accounts behind them; auditors see everything.

It also answers the questions pages and services ask: what a bill asks for on a given day, a
guarantee's remaining balance and whether an overdue bill freezes it, a bank's daily statement.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from eport.banks.selectors import has_role, uuid_or_404
from eport.declarations.models import Declaration
from ledger.models import Entry
from ledger.selectors import entries_about

from . import dues
from .models import Guarantee, PaymentAgreement, PaymentInstruction, Reservation, TaxBill

ZERO = Decimal("0.00")


def today() -> date:
    """The day in customs' time zone: bills are issued, due and paid on dates."""
    return timezone.localdate()


def work_calendar() -> dues.WorkCalendar:
    return dues.WorkCalendar.of(settings.EPORT_HOLIDAYS, settings.EPORT_WORKDAYS)


# --- who sees what ----------------------------------------------------------------------------

BILL_RELATED = ("declaration", "declaration__company", "declaration__office", "guarantee__bank")


def bills_for(user) -> QuerySet[TaxBill]:
    bills = TaxBill.objects.select_related(*BILL_RELATED)
    if has_role(user, "trader") and user.company_id:
        return bills.filter(declaration__company_id=user.company_id)
    if has_role(user, "officer") and user.office_id:
        return bills.filter(declaration__office_id=user.office_id)
    if has_role(user, "auditor"):
        return bills
    if has_role(user, "bank") and user.bank_id:
        asked = PaymentInstruction.objects.filter(bank_id=user.bank_id).values("bill_id")
        return bills.filter(Q(pk__in=asked) | Q(guarantee__bank_id=user.bank_id))
    return bills.none()


def agreements_for(user) -> QuerySet[PaymentAgreement]:
    agreements = PaymentAgreement.objects.select_related("company", "bank")
    if has_role(user, "trader") and user.company_id:
        return agreements.filter(company_id=user.company_id)
    if has_role(user, "bank") and user.bank_id:
        return agreements.filter(bank_id=user.bank_id)
    if has_role(user, "auditor"):
        return agreements
    return agreements.none()


def guarantees_for(user) -> QuerySet[Guarantee]:
    guarantees = with_balances(Guarantee.objects.select_related("company", "bank"))
    if has_role(user, "trader") and user.company_id:
        return guarantees.filter(company_id=user.company_id)
    if has_role(user, "bank") and user.bank_id:
        return guarantees.filter(bank_id=user.bank_id)
    if has_role(user, "auditor"):
        return guarantees
    return guarantees.none()


INSTRUCTION_RELATED = (
    "bill",
    "bill__declaration",
    "bill__declaration__company",
    "agreement",
    "bank",
)


def instructions_for(user) -> QuerySet[PaymentInstruction]:
    instructions = PaymentInstruction.objects.select_related(*INSTRUCTION_RELATED)
    if has_role(user, "trader") and user.company_id:
        return instructions.filter(agreement__company_id=user.company_id)
    if has_role(user, "bank") and user.bank_id:
        return instructions.filter(bank_id=user.bank_id)
    if has_role(user, "officer") and user.office_id:
        return instructions.filter(bill__declaration__office_id=user.office_id)
    if has_role(user, "auditor"):
        return instructions
    return instructions.none()


def _one(queryset: QuerySet, uuid):
    found = queryset.filter(uuid=uuid_or_404(uuid)).first()
    if found is None:
        raise Http404(_("Not found."))
    return found


def get_bill_for(user, uuid) -> TaxBill:
    return _one(bills_for(user), uuid)


def get_agreement_for(user, uuid) -> PaymentAgreement:
    return _one(agreements_for(user), uuid)


def get_guarantee_for(user, uuid) -> Guarantee:
    return _one(guarantees_for(user), uuid)


def get_instruction_for(user, uuid) -> PaymentInstruction:
    return _one(instructions_for(user), uuid)


# What the declaration page's panel reads of a bill: its address, number and status, what it
# asks for (amount_due) and, once paid, what was paid and when.
BILL_PANEL_FIELDS = (
    "uuid",
    "number",
    "declaration_id",
    "status",
    "duty",
    "vat",
    "due_on",
    "guaranteed_due_on",
    "paid_amount",
    "paid_on",
)


def bill_of(user, declaration: Declaration) -> TaxBill | None:
    """The tax bill of a declaration this user may see, if it has one.

    The declaration page's panel shows a few of the bill's columns and asks nothing of its
    company, office or guarantee: only those columns are read, and the bill holds the
    declaration the caller already has (the same row) instead of reading it again.
    """
    bill = (
        bills_for(user)
        .select_related(None)
        .only(*BILL_PANEL_FIELDS)
        .filter(declaration_id=declaration.pk)
        .order_by()
        .first()
    )
    if bill is not None:
        bill.declaration = declaration
    return bill


# --- what a bill asks for ---------------------------------------------------------------------


def aggregate_due_date(bill: TaxBill) -> date:
    """When ``bill`` must be paid if it is released against a guarantee (aggregate taxation)."""
    return dues.aggregate_due_date(bill.issued_on, settings.EPORT_PAYMENT_DAYS, work_calendar())


def amount_due(bill: TaxBill, on: date | None = None) -> dues.Due:
    """What paying ``bill`` on ``on`` (today by default) takes: tax, surcharge and total."""
    return dues.due(bill.tax, bill.payable_due_on, on or today())


def live_instruction(bill: TaxBill) -> PaymentInstruction | None:
    """The instruction waiting at a bank for this bill, if any."""
    return (
        PaymentInstruction.objects.select_related("bank", "agreement")
        .filter(bill_id=bill.pk, status=PaymentInstruction.Status.PENDING)
        .first()
    )


def payable_agreements(company_id: int) -> QuerySet[PaymentAgreement]:
    """The accounts under a live agreement that can pay this company's bills."""
    return PaymentAgreement.objects.select_related("bank").filter(
        company_id=company_id, status=PaymentAgreement.Status.ACTIVE, bank__active=True
    )


# --- guarantees -------------------------------------------------------------------------------

_LIVE_RESERVED = Coalesce(
    Subquery(
        Reservation.objects.filter(guarantee_id=OuterRef("pk"), restored_at__isnull=True)
        .values("guarantee_id")
        .annotate(total=Sum("amount"))
        .values("total"),
        output_field=DecimalField(max_digits=18, decimal_places=2),
    ),
    Value(ZERO),
    output_field=DecimalField(max_digits=18, decimal_places=2),
)


def with_balances(queryset: QuerySet[Guarantee]) -> QuerySet[Guarantee]:
    """Guarantees annotated with ``reserved`` (held by unpaid bills); ``remaining`` is derived."""
    return queryset.annotate(reserved=_LIVE_RESERVED)


def reserved(guarantee: Guarantee) -> Decimal:
    """What unpaid bills hold of this guarantee now (read under its row lock when reserving)."""
    total = Reservation.objects.filter(
        guarantee_id=guarantee.pk, restored_at__isnull=True
    ).aggregate(total=Sum("amount"))["total"]
    return dues.money(total or ZERO)


def remaining(guarantee: Guarantee) -> Decimal:
    held = getattr(guarantee, "reserved", None)
    return dues.money(guarantee.amount - (reserved(guarantee) if held is None else held))


def overdue_bills(guarantee: Guarantee, on: date | None = None) -> QuerySet[TaxBill]:
    """Bills reserved against this guarantee and unpaid after their date: they freeze it."""
    return TaxBill.objects.filter(
        guarantee_id=guarantee.pk,
        status=TaxBill.Status.GUARANTEED,
        guaranteed_due_on__lt=on or today(),
    ).order_by("guaranteed_due_on", "pk")


def usable_guarantees(company_id: int, on: date | None = None) -> list[Guarantee]:
    """The company's guarantees in force on ``on``, not frozen, with their balance annotated."""
    on = on or today()
    guarantees = with_balances(
        Guarantee.objects.select_related("bank").filter(
            company_id=company_id,
            status=Guarantee.Status.LIVE,
            valid_from__lte=on,
            valid_until__gte=on,
            bank__active=True,
        )
    )
    return [g for g in guarantees if not overdue_bills(g, on).exists()]


# --- the bank's statement ---------------------------------------------------------------------


def statement(bank_id: int, value_date: date) -> QuerySet[PaymentInstruction]:
    """The bills a bank confirmed with this value date, in the order it confirmed them."""
    return (
        PaymentInstruction.objects.select_related(*INSTRUCTION_RELATED)
        .filter(bank_id=bank_id, status=PaymentInstruction.Status.CONFIRMED, value_date=value_date)
        .order_by("decided_at", "pk")
    )


def statement_dates(bank_id: int, limit: int = 31) -> list[date]:
    """The latest value dates this bank confirmed payments on."""
    return list(
        PaymentInstruction.objects.filter(
            bank_id=bank_id, status=PaymentInstruction.Status.CONFIRMED
        )
        .order_by("-value_date")
        .values_list("value_date", flat=True)
        .distinct()[:limit]
    )


# --- the record -------------------------------------------------------------------------------


def entries_of(subject) -> QuerySet[Entry]:
    """The ledger entries about a bill, an agreement, an instruction or a guarantee."""
    return entries_about(subject.ledger_subject)
