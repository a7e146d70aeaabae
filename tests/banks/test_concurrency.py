"""The registry's rule under contention, on PostgreSQL: concurrent banks never overdraw a
declaration, and a withdrawal racing a registration never leaves a financing on a withdrawn
presentation."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from eport.accounts.models import User
from eport.banks import selectors, services
from eport.banks.models import Financing, Presentation
from eport.declarations.errors import TransitionError
from ledger.models import Entry
from tests.concurrency import run_together

from . import factories as bf

pytestmark = pytest.mark.django_db(transaction=True)

# Sixteen requests summing to 1,600.00 against a declaration of 1,000.00 (the factory's total).
AMOUNTS = [
    Decimal(value)
    for value in (90, 110, 70, 130, 60, 150, 80, 120, 100, 95, 105, 85, 115, 75, 125, 90)
]
REMAINING = re.compile(r"([0-9]+\.[0-9]{2}) EUR remain")


def registration(user_pk, declaration, amount, reference):
    def register():
        # Each thread reads its own copy of the user, as each request would.
        actor = User.objects.select_related("bank").get(pk=user_pk)
        return services.register_financing(
            declaration=declaration,
            actor=actor,
            instrument=Financing.Instrument.IMPORT_PAYMENT,
            amount=amount,
            value_date=date(2026, 12, 1),
            maturity_date=date(2027, 3, 1),
            bank_reference=reference,
        )

    return register


def presented_to_both(world, lrn="LRN-1"):
    declaration = bf.released(world.trader, world.officer, lrn=lrn)
    services.present_declaration(declaration=declaration, actor=world.trader, bank=world.icbc)
    services.present_declaration(declaration=declaration, actor=world.trader, bank=world.boc)
    return declaration


def test_sixteen_concurrent_registrations_by_two_banks_never_overdraw_a_declaration(
    postgresql, world
):
    declaration = presented_to_both(world)
    total = declaration.invoice_total
    assert sum(AMOUNTS) > total
    staff = [world.bank, world.bank2]
    requests = [
        registration(staff[n % 2].pk, declaration, amount, f"R-{n:02d}")
        for n, amount in enumerate(AMOUNTS)
    ]

    results = run_together(requests, join_timeout=120)

    accepted = [result for result in results if isinstance(result, Financing)]
    refused = [
        (amount, result)
        for amount, result in zip(AMOUNTS, results, strict=True)
        if not isinstance(result, Financing)
    ]
    assert accepted and refused, results
    assert all(isinstance(error, TransitionError) for _amount, error in refused), refused
    assert {financing.bank_id for financing in accepted} == {world.icbc.pk, world.boc.pk}

    financed = sum(financing.amount for financing in accepted)
    assert financed <= total
    balance = selectors.financeable_balance(declaration)
    assert balance == total - financed
    for amount, error in refused:
        named = REMAINING.search(str(error))
        assert named, str(error)
        remaining = Decimal(named.group(1))
        # Named what was left when it was refused: never less than what is left now, and too
        # little for the request, so no refusal was needless.
        assert balance <= remaining < amount

    registered = Entry.objects.filter(action="financing.registered")
    assert registered.count() == len(accepted)
    for financing in accepted:
        assert registered.filter(subject=financing.ledger_subject).count() == 1
    assert Financing.objects.filter(declaration=declaration).count() == len(accepted)
    call_command("verify_ledger")


def test_a_withdrawal_racing_a_registration_never_leaves_a_live_financing_behind(postgresql, world):
    rounds = 6
    outcomes = []
    for round_number in range(rounds):
        declaration = presented_to_both(world, lrn=f"RACE-{round_number}")
        presentation = Presentation.objects.get(declaration=declaration, bank=world.icbc)

        def withdraw(presentation=presentation):
            trader = User.objects.get(pk=world.trader.pk)
            return services.withdraw_presentation(presentation=presentation, actor=trader)

        register = registration(world.bank.pk, declaration, Decimal("100.00"), f"W-{round_number}")
        # Alternate who starts first, so that each order gets its chance.
        pair = [withdraw, register] if round_number % 2 else [register, withdraw]
        results = run_together(pair, join_timeout=120)
        withdrawal, financing = results if round_number % 2 else results[::-1]

        presentation.refresh_from_db()
        live = Financing.objects.filter(
            declaration=declaration, bank=world.icbc, status__in=("registered", "disbursed")
        )
        if isinstance(financing, Financing):
            # The registration came first: the withdrawal was refused and the bank still sees it.
            assert isinstance(withdrawal, TransitionError), withdrawal
            assert "live financing" in str(withdrawal)
            assert presentation.live and live.count() == 1
            outcomes.append("registered")
        else:
            # The withdrawal came first: the registration found nothing presented to it.
            assert isinstance(withdrawal, Presentation), withdrawal
            assert isinstance(financing, TransitionError), financing
            assert "not presented to your bank" in str(financing)
            assert not presentation.live and not live.exists()
            outcomes.append("withdrawn")

    assert len(outcomes) == rounds
    for presentation in Presentation.objects.filter(withdrawn_at__isnull=False):
        assert not Financing.objects.filter(
            declaration_id=presentation.declaration_id,
            bank_id=presentation.bank_id,
            status__in=("registered", "disbursed"),
        ).exists()
    call_command("verify_ledger")
