"""Bills, agreements, e-payments, counter payments and guarantees through the services."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from eport.declarations.errors import NotPermitted, TransitionError
from eport.payments import selectors, services
from eport.payments.models import TaxBill
from ledger.selectors import entries_about
from tests.declarations import factories as f

from . import factories as pf

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=10):
    return time_machine.travel(datetime(year, month, day, hour, tzinfo=SHANGHAI), tick=True)


def actions(subject):
    return [entry.action for entry in entries_about(subject.ledger_subject)]


def test_assessment_issues_one_bill_due_in_fifteen_days(world):
    with at(2026, 12, 6):
        bill = pf.assessed(world.trader)
    declaration = bill.declaration
    assert bill.number == f"TB{declaration.number}"
    assert (bill.duty, bill.vat) == (declaration.duty_total, declaration.vat_total)
    assert bill.tax > 0 and bill.currency == "CNY"
    assert (bill.issued_on.isoformat(), bill.due_on.isoformat()) == ("2026-12-06", "2026-12-21")
    assert actions(bill) == ["bill.issued"]
    issued = entries_about(bill.ledger_subject).get()
    assert issued.data["tax"] == f"{bill.tax:.2f}" and issued.data["due_on"] == "2026-12-21"
    assert issued.actor == "system:assessment"


def test_an_e_payment_confirmed_by_the_bank_pays_and_releases_a_green_declaration(world):
    bill = pf.assessed(world.trader)
    agreement = pf.agreement(world.trader, world.bank)
    instruction = services.instruct_payment(bill=bill, actor=world.trader, agreement=agreement)
    assert instruction.amount == bill.tax and instruction.status == "pending"

    confirmed = pf.confirm(instruction, world.bank, reference="ICBC-0001")

    bill = pf.fresh(bill)
    declaration = f.fresh(bill.declaration)
    assert confirmed.status == "confirmed" and confirmed.confirmed_amount == bill.tax
    assert (bill.status, bill.means, bill.paid_reference) == ("paid", "e_payment", "ICBC-0001")
    assert (bill.surcharge, bill.paid_amount) == (Decimal("0.00"), bill.tax)
    assert declaration.status == "released"
    paid = [e for e in entries_about(declaration.ledger_subject) if e.action == "declaration.paid"]
    assert paid[0].actor == f"user:{world.bank.pk}"
    assert paid[0].data["bank"] == "ICBKCNBJSHI" and paid[0].data["bill"] == bill.number
    assert actions(bill) == ["bill.issued", "bill.paid"]
    assert actions(instruction) == ["payment.instructed", "payment.confirmed"]


def test_a_yellow_declaration_waits_for_an_officer_after_the_bank_confirms(world):
    declaration = f.submitted(world.trader, "yellow")
    declaration = f.services.take_declaration(
        declaration=declaration, actor=world.officer, version=declaration.version
    )
    declaration = f.services.assess_declaration(
        declaration=declaration, actor=world.officer, version=declaration.version
    )
    bill = TaxBill.objects.get(declaration=declaration)
    assert entries_about(bill.ledger_subject).get().actor == f"user:{world.officer.pk}"
    agreement = pf.agreement(world.trader, world.bank)
    pf.confirm(
        services.instruct_payment(bill=bill, actor=world.trader, agreement=agreement), world.bank
    )
    assert f.fresh(declaration).status == "paid"


def test_a_retried_confirmation_confirms_once(world):
    bill = pf.assessed(world.trader)
    agreement = pf.agreement(world.trader, world.bank)
    instruction = services.instruct_payment(bill=bill, actor=world.trader, agreement=agreement)
    pf.confirm(instruction, world.bank, reference="ICBC-7")
    again = pf.confirm(instruction, world.bank, reference="ICBC-7")
    assert again.status == "confirmed"
    assert actions(instruction) == ["payment.instructed", "payment.confirmed"]
    with pytest.raises(TransitionError, match="already confirmed under your reference ICBC-7"):
        pf.confirm(instruction, world.bank, reference="ICBC-8")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"bill_number": "TB0000"}, "bill_number", "not TB0000"),
        ({"currency": "USD"}, "currency", "not USD"),
        ({"currency": " "}, "currency", "Enter the currency"),
        ({"amount": "1.00"}, "amount", "too little"),
    ],
)
def test_a_confirmation_that_differs_is_refused_naming_the_difference(
    world, change, field, message
):
    bill = pf.assessed(world.trader)
    agreement = pf.agreement(world.trader, world.bank)
    instruction = services.instruct_payment(bill=bill, actor=world.trader, agreement=agreement)
    fields = {
        "bill_number": bill.number,
        "amount": bill.tax,
        "currency": "CNY",
        "bank_reference": "ICBC-1",
        "value_date": selectors.today(),
        **change,
    }
    with pytest.raises(ValidationError) as refused:
        services.confirm_payment(instruction=instruction, actor=world.bank, **fields)
    assert message in " ".join(refused.value.message_dict[field])
    assert pf.fresh(instruction).status == "pending" and pf.fresh(bill).status == "open"


def test_an_amount_off_by_a_fen_names_what_the_bill_asks_for(world):
    bill = pf.assessed(world.trader)
    instruction = services.instruct_payment(
        bill=bill, actor=world.trader, agreement=pf.agreement(world.trader, world.bank)
    )
    with pytest.raises(ValidationError) as refused:
        pf.confirm(instruction, world.bank, amount=bill.tax + Decimal("0.01"))
    assert refused.value.message_dict["amount"] == [
        f"Bill {bill.number} asks for {bill.tax:.2f} CNY on {selectors.today().isoformat()}. "
        f"You confirmed {bill.tax + Decimal('0.01'):.2f} CNY, 0.01 too much."
    ]


def test_a_bill_paid_one_day_late_adds_the_surcharge_as_its_own_line(world):
    with at(2026, 12, 6):
        bill = pf.assessed(world.trader)
        agreement = pf.agreement(world.trader, world.bank)
    with at(2026, 12, 22):
        due = selectors.amount_due(bill)
        expected = (bill.tax * Decimal("0.0005")).quantize(Decimal("0.01"))
        assert (due.days_late, due.surcharge) == (1, expected)
        instruction = services.instruct_payment(bill=bill, actor=world.trader, agreement=agreement)
        assert instruction.amount == bill.tax + expected
        pf.confirm(instruction, world.bank)
    bill = pf.fresh(bill)
    assert (bill.surcharge_days, bill.surcharge, bill.paid_amount) == (
        1,
        expected,
        bill.tax + expected,
    )
    assert actions(bill) == ["bill.issued", "bill.surcharged", "bill.paid"]
    surcharged = entries_about(bill.ledger_subject).get(action="bill.surcharged")
    assert surcharged.data["surcharge"] == f"{expected:.2f}" and surcharged.data["days"] == 1


def test_a_value_date_later_than_the_instruction_asks_for_the_later_surcharge(world):
    with at(2026, 12, 6):
        bill = pf.assessed(world.trader)
        agreement = pf.agreement(world.trader, world.bank)
        instruction = services.instruct_payment(bill=bill, actor=world.trader, agreement=agreement)
    with at(2027, 1, 30):
        with pytest.raises(ValidationError, match="40 day"):
            pf.confirm(instruction, world.bank, amount=instruction.amount)
        pf.confirm(instruction, world.bank)
    assert pf.fresh(bill).surcharge_days == 40


def test_a_counter_payment_records_the_receipt_and_the_officer(world):
    bill = pf.assessed(world.trader)
    services.record_counter_payment(bill=bill, actor=world.officer, receipt_number="CR-2026-1")
    bill = pf.fresh(bill)
    assert (bill.means, bill.paid_reference, bill.paid_by) == (
        "counter",
        "CR-2026-1",
        world.officer,
    )
    assert f.fresh(bill.declaration).status == "released"
    with pytest.raises(TransitionError, match="already paid"):
        services.record_counter_payment(bill=bill, actor=world.officer, receipt_number="CR-2")


def test_only_officers_of_the_office_take_counter_payments(world):
    bill = pf.assessed(world.trader)
    for person in (world.trader, world.bank, world.auditor):
        with pytest.raises(NotPermitted):
            services.record_counter_payment(bill=bill, actor=person, receipt_number="CR-1")


def test_a_waiting_instruction_blocks_a_second_way_to_pay(world):
    bill = pf.assessed(world.trader)
    agreement = pf.agreement(world.trader, world.bank)
    instruction = services.instruct_payment(bill=bill, actor=world.trader, agreement=agreement)
    with pytest.raises(TransitionError, match="waiting for Industrial"):
        services.record_counter_payment(bill=bill, actor=world.officer, receipt_number="CR-1")
    with pytest.raises(TransitionError, match="waiting"):
        services.instruct_payment(bill=bill, actor=world.trader, agreement=agreement)
    services.refuse_payment(
        instruction=instruction, actor=world.bank, version=instruction.version, reason="No funds"
    )
    assert actions(instruction)[-1] == "payment.refused"
    services.instruct_payment(bill=bill, actor=world.trader, agreement=agreement)


def test_agreements_are_asked_confirmed_refused_and_ended_on_the_record(world):
    asked = services.request_agreement(
        actor=world.trader, bank=world.icbc, account_number="6222 0210 0100 0000 01"
    )
    assert (asked.account_number, asked.status) == ("622202100100000001", "requested")
    with pytest.raises(ValidationError, match="already has an agreement"):
        services.request_agreement(
            actor=world.trader, bank=world.icbc, account_number=asked.account_number
        )
    with pytest.raises(NotPermitted):
        services.confirm_agreement(agreement=asked, actor=world.bank2, version=asked.version)
    live = services.confirm_agreement(agreement=asked, actor=world.bank, version=asked.version)
    ended = services.end_agreement(agreement=live, actor=world.trader, version=live.version)
    assert ended.status == "ended"
    assert actions(ended) == ["agreement.requested", "agreement.confirmed", "agreement.ended"]
    bill = pf.assessed(world.trader)
    with pytest.raises(TransitionError, match="not under an agreement in force"):
        services.instruct_payment(bill=bill, actor=world.trader, agreement=ended)
    refused = services.request_agreement(
        actor=world.trader, bank=world.icbc, account_number="X1234567"
    )
    with pytest.raises(ValidationError, match="reason"):
        services.refuse_agreement(
            agreement=refused, actor=world.bank, version=refused.version, reason=""
        )
    with pytest.raises(ValidationError, match="8 to 34"):
        services.request_agreement(actor=world.trader, bank=world.icbc, account_number="12-34")
    with pytest.raises(ValidationError, match="not USD"):
        services.request_agreement(
            actor=world.trader, bank=world.icbc, account_number="12345678", currency="USD"
        )


def test_another_company_cannot_pay_with_or_see_an_account(world):
    bill = pf.assessed(world.trader2)
    agreement = pf.agreement(world.trader, world.bank)
    with pytest.raises(NotPermitted):
        services.instruct_payment(bill=bill, actor=world.trader, agreement=agreement)
    assert not selectors.agreements_for(world.trader2).exists()
    assert not selectors.agreements_for(world.bank2).exists()
    assert not selectors.agreements_for(world.officer).exists()


# --- guarantees -------------------------------------------------------------------------------


def test_release_against_guarantee_reserves_the_tax_and_leaves_the_bill_open(world):
    with at(2026, 12, 6):
        guarantee = pf.guarantee(world.bank, world.alpha, "50000.00")
        bill = pf.assessed(world.trader)
        services.release_against_guarantee(bill=bill, actor=world.trader, guarantee=guarantee)
    bill = pf.fresh(bill)
    assert bill.status == "guaranteed" and bill.guaranteed_due_on.isoformat() == "2027-01-07"
    assert f.fresh(bill.declaration).status == "released"
    assert selectors.remaining(guarantee) == Decimal("50000.00") - bill.tax
    assert actions(guarantee) == ["guarantee.issued", "guarantee.reserved"]
    assert actions(bill) == ["bill.issued", "bill.guaranteed"]
    declaration_entries = entries_about(bill.declaration.ledger_subject)
    assert declaration_entries.filter(action="declaration.guaranteed").exists()

    # Paid in the following month, before the aggregate date: no surcharge, balance restored.
    with at(2027, 1, 6):
        agreement = pf.agreement(world.trader, world.bank)
        instruction = services.instruct_payment(bill=bill, actor=world.trader, agreement=agreement)
        assert instruction.amount == bill.tax
        pf.confirm(instruction, world.bank)
    assert pf.fresh(bill).status == "paid"
    assert selectors.remaining(guarantee) == Decimal("50000.00")
    assert actions(guarantee)[-1] == "guarantee.restored"


def test_a_guarantee_that_does_not_cover_the_bill_is_refused(world):
    guarantee = pf.guarantee(world.bank, world.alpha, "10.00")
    bill = pf.assessed(world.trader)
    with pytest.raises(TransitionError, match=r"has 10\.00 CNY left"):
        services.release_against_guarantee(bill=bill, actor=world.trader, guarantee=guarantee)
    assert pf.fresh(bill).status == "open" and f.fresh(bill.declaration).status == "assessed"


def test_an_overdue_guaranteed_bill_freezes_the_guarantee_until_paid(world):
    with at(2026, 12, 6):
        guarantee = pf.guarantee(world.bank, world.alpha, "500000.00")
        first = pf.assessed(world.trader, lrn="G-1")
        services.release_against_guarantee(bill=first, actor=world.trader, guarantee=guarantee)
    with at(2027, 1, 8):  # the day after the aggregate date
        second = pf.assessed(world.trader, lrn="G-2")
        with pytest.raises(TransitionError, match=f"frozen: bill {first.number}"):
            services.release_against_guarantee(bill=second, actor=world.trader, guarantee=guarantee)
        assert selectors.usable_guarantees(world.alpha.pk) == []
        agreement = pf.agreement(world.trader, world.bank)
        instruction = services.instruct_payment(bill=first, actor=world.trader, agreement=agreement)
        assert instruction.amount > pf.fresh(first).tax  # one day's surcharge
        pf.confirm(instruction, world.bank)
        services.release_against_guarantee(bill=second, actor=world.trader, guarantee=guarantee)
    assert pf.fresh(second).status == "guaranteed"


def test_only_the_company_may_use_its_guarantee_and_only_while_it_is_valid(world):
    other = pf.guarantee(world.bank, world.beta, reference="G-BETA")
    bill = pf.assessed(world.trader)
    with pytest.raises(ValidationError, match="not your company"):
        services.release_against_guarantee(bill=bill, actor=world.trader, guarantee=other)
    today = selectors.today()
    later = pf.guarantee(
        world.bank,
        world.alpha,
        reference="G-LATER",
        valid_from=today + timedelta(days=3),
        valid_until=today + timedelta(days=30),
    )
    with pytest.raises(TransitionError, match="valid from"):
        services.release_against_guarantee(bill=bill, actor=world.trader, guarantee=later)
    with pytest.raises(NotPermitted):
        pf.guarantee(world.trader, world.alpha, reference="G-X")


def test_a_guarantee_ends_only_when_no_unpaid_bill_holds_it(world):
    guarantee = pf.guarantee(world.bank, world.alpha)
    bill = pf.assessed(world.trader)
    services.release_against_guarantee(bill=bill, actor=world.trader, guarantee=guarantee)
    with pytest.raises(TransitionError, match="still hold"):
        services.end_guarantee(guarantee=guarantee, actor=world.bank, version=guarantee.version)
    with pytest.raises(NotPermitted):
        services.end_guarantee(guarantee=guarantee, actor=world.bank2, version=guarantee.version)


def test_banks_see_only_their_own_customers_business(world):
    bill = pf.assessed(world.trader)
    agreement = pf.agreement(world.trader, world.bank)
    services.instruct_payment(bill=bill, actor=world.trader, agreement=agreement)
    pf.guarantee(world.bank, world.alpha)
    assert list(selectors.bills_for(world.bank)) == [bill]
    for seen in (
        selectors.bills_for,
        selectors.agreements_for,
        selectors.guarantees_for,
        selectors.instructions_for,
    ):
        assert not seen(world.bank2).exists()
    assert list(selectors.bills_for(world.officer)) == [bill]
    assert not selectors.guarantees_for(world.officer).exists()


def test_ledger_entries_of_payments_are_read_by_whoever_sees_their_subject(world):
    from eport.payments.access import may_see_entry

    bill = pf.assessed(world.trader)
    agreement = pf.agreement(world.trader, world.bank)
    instruction = services.instruct_payment(bill=bill, actor=world.trader, agreement=agreement)
    guarantee = pf.guarantee(world.bank2, world.alpha, reference="BOC-G")
    seen = {
        subject: {
            who
            for who in ("trader", "trader2", "officer", "auditor", "bank", "bank2")
            if may_see_entry(getattr(world, who), entries_about(subject.ledger_subject).first())
        }
        for subject in (bill, agreement, instruction, guarantee)
    }
    assert seen == {
        bill: {"trader", "officer", "auditor", "bank"},
        agreement: {"trader", "auditor", "bank"},
        instruction: {"trader", "officer", "auditor", "bank"},
        guarantee: {"trader", "auditor", "bank2"},
    }


def test_a_refusal_needs_its_reason_and_a_withdrawal_is_the_traders(world):
    bill = pf.assessed(world.trader)
    agreement = pf.agreement(world.trader, world.bank)
    instruction = services.instruct_payment(bill=bill, actor=world.trader, agreement=agreement)
    with pytest.raises(ValidationError, match="Give the reason"):
        services.refuse_payment(
            instruction=instruction, actor=world.bank, version=instruction.version, reason=" "
        )
    with pytest.raises(NotPermitted):
        services.withdraw_payment(
            instruction=instruction, actor=world.bank, version=instruction.version
        )
    withdrawn = services.withdraw_payment(
        instruction=instruction, actor=world.trader, version=instruction.version
    )
    assert withdrawn.status == "withdrawn" and actions(instruction)[-1] == "payment.withdrawn"


def test_a_guaranteeing_bank_never_reads_another_banks_debit_of_the_bill(world):
    from eport.payments.access import may_see_entry

    guarantee = pf.guarantee(world.bank, world.alpha)
    bill = pf.assessed(world.trader)
    services.release_against_guarantee(bill=bill, actor=world.trader, guarantee=guarantee)
    agreement = pf.agreement(world.trader, world.bank2, account="BOC000000001")
    instruction = services.instruct_payment(bill=bill, actor=world.trader, agreement=agreement)
    pf.confirm(instruction, world.bank2, reference="BOC-DEBIT-1")
    readable = {
        who: [
            entry.action
            for entry in entries_about(bill.ledger_subject)
            if may_see_entry(getattr(world, who), entry)
        ]
        for who in ("bank", "bank2")
    }
    assert readable == {
        "bank": ["bill.issued", "bill.guaranteed"],
        "bank2": ["bill.issued", "bill.paid"],
    }
    paid = entries_about(bill.ledger_subject).get(action="bill.paid")
    assert paid.data["bank"] == "BKCHCNBJ300" and paid.data["reference"] == "BOC-DEBIT-1"
