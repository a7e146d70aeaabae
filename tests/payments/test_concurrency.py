"""Guarantees and confirmations under contention, on PostgreSQL: concurrent reservations never
overdraw a guarantee, and a confirmation sent twice at once confirms once."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from eport.accounts.models import User
from eport.declarations.errors import TransitionError
from eport.payments import selectors, services
from eport.payments.models import PaymentInstruction, Reservation, TaxBill
from ledger.models import Entry
from tests.concurrency import run_together

from . import factories as pf

pytestmark = pytest.mark.django_db(transaction=True)


def _actor(pk):
    # Each thread reads its own copy of the user, as each request would.
    return User.objects.select_related("bank", "company").get(pk=pk)


def test_concurrent_reservations_never_overdraw_a_guarantee(postgresql, world):
    bills = [pf.assessed(world.trader, lrn=f"G-{n:02d}") for n in range(12)]
    tax = bills[0].tax
    assert all(bill.tax == tax for bill in bills)
    # Room for exactly five of the twelve bills, and a little more.
    guarantee = pf.guarantee(world.bank, world.alpha, f"{tax * 5 + Decimal('0.99'):.2f}")

    def reserve(bill):
        return lambda: services.release_against_guarantee(
            bill=bill, actor=_actor(world.trader.pk), guarantee=guarantee
        )

    results = run_together([reserve(bill) for bill in bills], join_timeout=120)

    accepted = [result for result in results if isinstance(result, TaxBill)]
    refused = [result for result in results if not isinstance(result, TaxBill)]
    assert len(accepted) == 5, results
    assert all(isinstance(error, TransitionError) for error in refused), refused
    assert all("left" in str(error) for error in refused)
    held = Reservation.objects.filter(guarantee=guarantee, restored_at__isnull=True)
    assert held.count() == 5
    assert selectors.remaining(guarantee) == Decimal("0.99")
    assert TaxBill.objects.filter(status="guaranteed").count() == 5
    assert (
        Entry.objects.filter(subject=guarantee.ledger_subject, action="guarantee.reserved").count()
        == 5
    )
    call_command("verify_ledger")


def test_a_confirmation_sent_twice_at_once_confirms_once(postgresql, world):
    bill = pf.assessed(world.trader)
    agreement = pf.agreement(world.trader, world.bank)
    instruction = services.instruct_payment(bill=bill, actor=world.trader, agreement=agreement)
    due = selectors.amount_due(bill)

    def confirm():
        return services.confirm_payment(
            instruction=instruction,
            actor=_actor(world.bank.pk),
            bill_number=bill.number,
            amount=due.total,
            currency="CNY",
            bank_reference="ICBC-RETRY-1",
            value_date=due.on,
        )

    results = run_together([confirm for _ in range(8)], join_timeout=120)

    assert all(isinstance(result, PaymentInstruction) for result in results), results
    assert {result.status for result in results} == {"confirmed"}
    assert (
        Entry.objects.filter(subject=instruction.ledger_subject, action="payment.confirmed").count()
        == 1
    )
    assert Entry.objects.filter(subject=bill.ledger_subject, action="bill.paid").count() == 1
    declaration = bill.declaration
    assert (
        Entry.objects.filter(subject=declaration.ledger_subject, action="declaration.paid").count()
        == 1
    )
    declaration.refresh_from_db()
    assert declaration.status == "released"
