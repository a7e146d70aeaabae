"""The financing registry: presentations, the rule against double financing, and the moves."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from eport.banks import selectors, services
from eport.banks.models import Financing
from eport.declarations.errors import NotPermitted, StaleError, TransitionError
from ledger.models import Entry
from tests.declarations import factories as f

from . import factories as bf


def register(user, declaration, amount, reference="F-1", **overrides):
    values = {
        "declaration": declaration,
        "actor": user,
        "instrument": Financing.Instrument.IMPORT_PAYMENT,
        "amount": amount,
        "value_date": date(2026, 12, 1),
        "maturity_date": date(2027, 3, 1),
        "bank_reference": reference,
    }
    values.update(overrides)
    return services.register_financing(**values)


@pytest.fixture
def presented(world):
    declaration = bf.released(world.trader, world.officer)
    services.present_declaration(declaration=declaration, actor=world.trader, bank=world.icbc)
    services.present_declaration(declaration=declaration, actor=world.trader, bank=world.boc)
    return declaration


def test_only_a_released_declaration_of_ones_own_company_is_presented(world):
    draft = f.draft(world.trader)
    with pytest.raises(TransitionError, match="Only a released declaration"):
        services.present_declaration(declaration=draft, actor=world.trader, bank=world.icbc)
    released = bf.released(world.trader, world.officer, lrn="R-2")
    with pytest.raises(NotPermitted, match="another company"):
        services.present_declaration(declaration=released, actor=world.trader2, bank=world.icbc)
    with pytest.raises(NotPermitted):
        services.present_declaration(declaration=released, actor=world.bank, bank=world.icbc)
    presentation = services.present_declaration(
        declaration=released, actor=world.trader, bank=world.icbc
    )
    assert Entry.objects.filter(subject=presentation.ledger_subject).count() == 1
    with pytest.raises(TransitionError, match="already presented"):
        services.present_declaration(declaration=released, actor=world.trader, bank=world.icbc)


def test_the_registry_never_finances_a_declaration_beyond_its_invoice_total(world, presented):
    total = presented.invoice_total
    sixty = (total * Decimal("0.6")).quantize(Decimal("0.01"))
    first = register(world.bank, presented, sixty)

    with pytest.raises(TransitionError) as refused:
        register(world.bank2, presented, (total * Decimal("0.5")).quantize(Decimal("0.01")))
    remaining = total - sixty
    assert f"{remaining} {presented.invoice_currency} remain" in str(refused.value)
    register(world.bank2, presented, remaining, reference="B2-1")
    assert selectors.financeable_balance(presented) == 0

    services.cancel_financing(financing=first, actor=world.bank, version=first.version)
    assert selectors.financeable_balance(presented) == sixty


def test_a_disbursement_of_less_frees_the_rest_and_repayment_keeps_it_consumed(world, presented):
    financing = register(world.bank, presented, presented.invoice_total)
    with pytest.raises(ValidationError):
        services.disburse_financing(
            financing=financing,
            actor=world.bank,
            version=financing.version,
            amount=presented.invoice_total + 1,
        )
    half = (presented.invoice_total / 2).quantize(Decimal("0.01"))
    financing = services.disburse_financing(
        financing=financing, actor=world.bank, version=financing.version, amount=half
    )
    assert selectors.financeable_balance(presented) == presented.invoice_total - half
    financing = services.repay_financing(
        financing=financing, actor=world.bank, version=financing.version
    )
    assert financing.status == Financing.Status.REPAID
    assert selectors.financeable_balance(presented) == presented.invoice_total - half
    with pytest.raises(TransitionError, match="repaid, so it cannot be cancelled"):
        services.cancel_financing(financing=financing, actor=world.bank, version=financing.version)
    actions = list(
        Entry.objects.filter(subject=financing.ledger_subject)
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["financing.registered", "financing.disbursed", "financing.repaid"]


def test_only_the_registering_bank_moves_its_financing_at_the_version_it_saw(world, presented):
    financing = register(world.bank, presented, Decimal("100.00"))
    with pytest.raises(NotPermitted, match="Only the bank that registered"):
        services.cancel_financing(financing=financing, actor=world.bank2, version=1)
    with pytest.raises(NotPermitted):
        services.cancel_financing(financing=financing, actor=world.trader, version=1)
    with pytest.raises(StaleError):
        services.cancel_financing(financing=financing, actor=world.bank, version=7)


def test_a_bank_cannot_finance_what_is_not_presented_to_it(world):
    declaration = bf.released(world.trader, world.officer)
    with pytest.raises(TransitionError, match="not presented to your bank"):
        register(world.bank, declaration, Decimal("1.00"))


def test_registration_problems_are_reported_together_by_field(world, presented):
    with pytest.raises(ValidationError) as refused:
        register(
            world.bank,
            presented,
            "-3",
            instrument="loan",
            maturity_date=date(2026, 1, 1),
            bank_reference="",
        )
    assert set(refused.value.message_dict) == {
        "instrument",
        "amount",
        "maturity_date",
        "bank_reference",
    }


def test_withdrawal_waits_until_the_bank_has_nothing_live(world, presented):
    financing = register(world.bank, presented, Decimal("10.00"))
    presentation = selectors.presentations_for(world.trader).get(bank=world.icbc)
    with pytest.raises(TransitionError, match="live financing"):
        services.withdraw_presentation(presentation=presentation, actor=world.trader)
    services.cancel_financing(financing=financing, actor=world.bank, version=financing.version)
    services.withdraw_presentation(presentation=presentation, actor=world.trader)
    assert not selectors.presented_declarations(world.bank).exists()
    assert selectors.presented_declarations(world.bank2).exists()


def test_batch_check_answers_the_same_for_every_kind_of_unavailable(world, presented):
    unpresented = bf.released(world.trader, world.officer, lrn="R-9")
    not_released = f.submitted(world.trader, "yellow", lrn="Y-1")
    answers = selectors.batch_check(
        world.bank,
        [presented.number, unpresented.number, not_released.number, "310120260000000000", "x"],
    )
    assert [a.available for a in answers] == [True, False, False, False, False]
    assert answers[0].balance == presented.invoice_total
    assert {(a.declaration, a.balance) for a in answers[1:]} == {(None, None)}
