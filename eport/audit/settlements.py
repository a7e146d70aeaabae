"""Settlement check: is every paid or released declaration settled the way its tax bill says?

A declaration reaches *paid* only through its tax bill (``eport.payments``), so each paid or
released declaration must have a bill that is either

- paid, with ``paid_amount`` = duty + VAT + surcharge, and either a payment instruction its bank
  confirmed for exactly ``paid_amount`` under the bill's ``paid_reference`` (e-payment), or a
  counter receipt number recorded by a customs officer (counter); or
- released against a guarantee, with a live reservation of exactly the bill's tax held against
  the bill's guarantee.

Anything else is a finding. Declarations are read in primary-key batches, and each batch's bills,
confirmed instructions and reservations in one query each, so memory stays flat at any size; the
declarations that look wrong are judged once more, read afresh, before they are reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

from django.utils.translation import gettext as _

from eport.declarations.models import Declaration
from eport.payments import dues
from eport.payments.models import PaymentInstruction, Reservation, TaxBill

from .findings import Finding, latest_entries
from .models import Mismatch

BATCH_SIZE = 500
SETTLED = (Declaration.Status.PAID, Declaration.Status.RELEASED)
Kind = Mismatch.Kind
Row = tuple[int, str, str, str]  # a declaration's pk, uuid, number and status
Found = tuple[str, str, str, str]  # a finding's kind, subject, number and words


def settled_declarations():
    """The declarations that must be settled: paid or released."""
    return Declaration.objects.filter(status__in=SETTLED)


def _batches() -> Iterator[list[Row]]:
    last_pk = 0
    while True:
        batch = list(
            settled_declarations()
            .filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", "uuid", "number", "status")[:BATCH_SIZE]
        )
        if not batch:
            return
        yield [(pk, str(uuid), number or "", status) for pk, uuid, number, status in batch]
        last_pk = batch[-1][0]


def _money(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _status_words(status: str) -> str:
    return _("released") if status == Declaration.Status.RELEASED else _("paid")


def _paid_problems(bill: TaxBill, instructions: list[PaymentInstruction]) -> list[tuple[str, str]]:
    problems = []
    surcharge = bill.surcharge if bill.surcharge is not None else Decimal("0.00")
    owed = bill.duty + bill.vat + surcharge
    if bill.paid_amount != owed:
        problems.append(
            (
                Kind.AMOUNT_MISMATCH,
                _(
                    "Bill %(bill)s says %(paid)s CNY was paid, but duty %(duty)s + VAT %(vat)s + "
                    "surcharge %(surcharge)s make %(owed)s CNY."
                )
                % {
                    "bill": bill.number,
                    "paid": _money(bill.paid_amount),
                    "duty": _money(bill.duty),
                    "vat": _money(bill.vat),
                    "surcharge": _money(bill.surcharge),
                    "owed": _money(owed),
                },
            )
        )
    if bill.paid_on is not None:
        # The surcharge the bill's own dates call for: 0.05 % a day after the date it was due.
        due = dues.due(bill.duty + bill.vat, bill.payable_due_on, bill.paid_on)
        if surcharge != due.surcharge:
            problems.append(
                (
                    Kind.AMOUNT_MISMATCH,
                    _(
                        "Bill %(bill)s was paid on %(paid_on)s, %(days)s day(s) after %(due_on)s: "
                        "its surcharge is %(expected)s CNY, not %(surcharge)s CNY."
                    )
                    % {
                        "bill": bill.number,
                        "paid_on": bill.paid_on.isoformat(),
                        "days": due.days_late,
                        "due_on": bill.payable_due_on.isoformat(),
                        "expected": _money(due.surcharge),
                        "surcharge": _money(surcharge),
                    },
                )
            )
    if bill.means == TaxBill.Means.E_PAYMENT:
        problems.extend(_e_payment_problems(bill, instructions))
    elif bill.means == TaxBill.Means.COUNTER:
        if not bill.paid_reference:
            problems.append(
                (
                    Kind.NO_RECEIPT,
                    _("Bill %(bill)s was paid at a customs counter, but has no receipt number.")
                    % {"bill": bill.number},
                )
            )
        if bill.paid_by is None:
            problems.append(
                (
                    Kind.NO_RECEIPT,
                    _(
                        "Bill %(bill)s was paid at a customs counter, but no officer is recorded "
                        "as taking the payment."
                    )
                    % {"bill": bill.number},
                )
            )
        elif not bill.paid_by.is_officer:
            problems.append(
                (
                    Kind.NO_RECEIPT,
                    _(
                        "Bill %(bill)s was paid at a customs counter, but the payment was "
                        "recorded by %(who)s, who is not a customs officer."
                    )
                    % {"bill": bill.number, "who": bill.paid_by.username},
                )
            )
    else:
        problems.append(
            (
                Kind.NO_PAYMENT,
                _(
                    "Bill %(bill)s is marked paid, but neither by a bank's e-payment nor at a "
                    "customs counter."
                )
                % {"bill": bill.number},
            )
        )
    return problems


def _e_payment_problems(
    bill: TaxBill, instructions: list[PaymentInstruction]
) -> list[tuple[str, str]]:
    if not instructions:
        return [
            (
                Kind.NO_PAYMENT,
                _(
                    "Bill %(bill)s says a bank confirmed its e-payment under %(reference)s, but no "
                    "bank confirmed a payment of it."
                )
                % {"bill": bill.number, "reference": bill.paid_reference or "—"},
            )
        ]
    # At most one instruction of a bill is confirmed; should there be more, judge the one under
    # the bill's reference.
    instruction = next(
        (i for i in instructions if i.bank_reference == bill.paid_reference), instructions[0]
    )
    problems = []
    if instruction.confirmed_amount != bill.paid_amount:
        problems.append(
            (
                Kind.AMOUNT_MISMATCH,
                _(
                    "%(bank)s confirmed %(confirmed)s CNY for bill %(bill)s under %(reference)s, "
                    "but the bill says %(paid)s CNY was paid."
                )
                % {
                    "bank": instruction.bank.bic,
                    "confirmed": _money(instruction.confirmed_amount),
                    "bill": bill.number,
                    "reference": instruction.bank_reference or "—",
                    "paid": _money(bill.paid_amount),
                },
            )
        )
    if instruction.bank_reference != bill.paid_reference:
        problems.append(
            (
                Kind.REFERENCE_MISMATCH,
                _(
                    "%(bank)s confirmed bill %(bill)s under %(reference)s, but the bill says it "
                    "was paid under %(paid_reference)s."
                )
                % {
                    "bank": instruction.bank.bic,
                    "bill": bill.number,
                    "reference": instruction.bank_reference or "—",
                    "paid_reference": bill.paid_reference or "—",
                },
            )
        )
    return problems


def _guaranteed_problems(bill: TaxBill, reservation: Reservation | None) -> list[tuple[str, str]]:
    guarantee = bill.guarantee.bank_reference if bill.guarantee_id else "—"
    words = {"bill": bill.number, "guarantee": guarantee}
    if reservation is None:
        return [
            (
                Kind.NO_RESERVATION,
                _(
                    "Bill %(bill)s was released against guarantee %(guarantee)s, but nothing is "
                    "reserved for it."
                )
                % words,
            )
        ]
    if reservation.restored_at is not None:
        return [
            (
                Kind.NO_RESERVATION,
                _(
                    "Bill %(bill)s was released against guarantee %(guarantee)s and is unpaid, but "
                    "its reservation was given back on %(restored)s."
                )
                % {**words, "restored": reservation.restored_at.date().isoformat()},
            )
        ]
    problems = []
    if reservation.guarantee_id != bill.guarantee_id:
        problems.append(
            (
                Kind.NO_RESERVATION,
                _(
                    "Bill %(bill)s was released against guarantee %(guarantee)s, but its tax is "
                    "reserved against guarantee %(other)s."
                )
                % {**words, "other": reservation.guarantee.bank_reference},
            )
        )
    if reservation.amount != bill.tax:
        problems.append(
            (
                Kind.AMOUNT_MISMATCH,
                _(
                    "Guarantee %(guarantee)s holds %(reserved)s CNY for bill %(bill)s, whose tax "
                    "is %(tax)s CNY."
                )
                % {**words, "reserved": _money(reservation.amount), "tax": _money(bill.tax)},
            )
        )
    return problems


def _bill_problems(
    bill: TaxBill,
    number: str,
    status: str,
    instructions: list[PaymentInstruction],
    reservation: Reservation | None,
) -> list[tuple[str, str]]:
    if bill.status == TaxBill.Status.PAID:
        return _paid_problems(bill, instructions)
    if bill.status == TaxBill.Status.GUARANTEED:
        return _guaranteed_problems(bill, reservation)
    return [
        (
            Kind.BILL_OPEN,
            _(
                "Declaration %(number)s is %(status)s, but its bill %(bill)s is still open: "
                "neither paid nor released against a guarantee."
            )
            % {"number": number, "status": _status_words(status), "bill": bill.number},
        )
    ]


def _judge(rows: list[Row]) -> dict[int, list[Found]]:
    """The problems of these declarations' settlements, by declaration; four queries at most."""
    bills = {
        bill.declaration_id: bill
        for bill in TaxBill.objects.filter(
            declaration_id__in=[row[0] for row in rows]
        ).select_related("paid_by", "guarantee")
    }
    bill_ids = [bill.pk for bill in bills.values()]
    confirmed: dict[int, list[PaymentInstruction]] = {}
    for instruction in (
        PaymentInstruction.objects.filter(
            bill_id__in=bill_ids, status=PaymentInstruction.Status.CONFIRMED
        )
        .select_related("bank")
        .order_by("pk")
    ):
        confirmed.setdefault(instruction.bill_id, []).append(instruction)
    reservations = {
        reservation.bill_id: reservation
        for reservation in Reservation.objects.filter(bill_id__in=bill_ids).select_related(
            "guarantee"
        )
    }
    found: dict[int, list[Found]] = {}
    for pk, uuid, number, status in rows:
        bill = bills.get(pk)
        if bill is None:
            words = _("Declaration %(number)s is %(status)s, but has no tax bill.") % {
                "number": number or uuid,
                "status": _status_words(status),
            }
            found[pk] = [(Kind.NO_BILL, f"declaration:{uuid}", number, words)]
            continue
        problems = _bill_problems(
            bill, number or uuid, status, confirmed.get(bill.pk, []), reservations.get(bill.pk)
        )
        kinds: dict[str, list[str]] = {}
        for kind, words in problems:
            kinds.setdefault(kind, []).append(words)
        if kinds:
            found[pk] = [
                (kind, bill.ledger_subject, bill.number, " ".join(words))
                for kind, words in kinds.items()
            ]
    return found


def check_settlements(
    *,
    on_finding: Callable[[Finding], None],
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Check every paid or released declaration against its tax bill; returns how many.

    Each problem is reported through ``on_finding`` (one finding per bill and kind, its words
    joined), naming the bill (or the declaration, when it has none) and its latest ledger entry.
    ``on_batch(count)`` is called after each batch.
    """
    checked = 0
    for batch in _batches():
        found = _judge(batch)
        if found:
            # A payment that committed while the batch was read (a guaranteed bill paid between
            # the reads of its bill and of its reservation) looks wrong: judge again, afresh.
            found = _judge([row for row in batch if row[0] in found])
        problems = [problem for problems in found.values() for problem in problems]
        latest = latest_entries(sorted({subject for _kind, subject, *_rest in problems}))
        for kind, subject, number, words in problems:
            entry = latest.get(subject)
            on_finding(
                Finding(str(kind), subject, number, entry.seq if entry else None, detail=words)
            )
        checked += len(batch)
        if on_batch is not None:
            on_batch(len(batch))
    return checked
