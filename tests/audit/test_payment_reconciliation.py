"""Reconciliation of duties and taxes: each paid or released declaration has the payment its bill
says, and bills, agreements, instructions and guarantees look as their latest entries say."""

from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from eport.audit.models import Mismatch, VerificationRun
from eport.audit.reconcile import reconcile_declarations
from eport.audit.services import execute_run
from eport.audit.settlements import check_settlements
from eport.payments import services as payments
from eport.payments.models import PaymentAgreement, Reservation, TaxBill
from tests.banks import conftest as banks
from tests.declarations import factories as f
from tests.payments import factories as pf

pytestmark = pytest.mark.django_db
# The banks' world: the audit's people, and two banks with their staff.
world = banks.world


def unexpected(finding):
    raise AssertionError(f"unexpected finding {finding}")


def findings():
    found = []
    report = reconcile_declarations(on_finding=found.append)
    return report, found


def sql(statement, *params):
    with connection.cursor() as cursor:
        cursor.execute(statement, list(params))


def counter_paid(world, lrn):
    """A green declaration paid at a customs counter, so released."""
    bill = pf.assessed(world.trader, lrn=lrn)
    return payments.record_counter_payment(
        bill=bill, actor=world.officer, receipt_number=f"CR-{lrn}"
    )


def e_paid(world, lrn, agreement, reference):
    """A green declaration paid by e-payment its bank confirmed, so released."""
    bill = pf.assessed(world.trader, lrn=lrn)
    instruction = payments.instruct_payment(bill=bill, actor=world.trader, agreement=agreement)
    return pf.confirm(instruction, world.bank, reference=reference)


def guaranteed(world, lrn, guarantee):
    """A green declaration released against a guarantee, its bill still to be paid."""
    bill = pf.assessed(world.trader, lrn=lrn)
    return payments.release_against_guarantee(bill=bill, actor=world.trader, guarantee=guarantee)


@pytest.fixture
def settled(world):
    """Every way of settling a bill, and the business around it, all through the services."""
    agreement = pf.agreement(world.trader, world.bank)
    guarantee = pf.guarantee(world.bank, world.alpha, reference="G-1")
    done = {
        "counter": counter_paid(world, "LRN-1"),
        "e_payment": e_paid(world, "LRN-2", agreement, "ICBC-0002"),
        "guaranteed": guaranteed(world, "LRN-3", guarantee),
    }
    # Released against the guarantee, then paid by e-payment: the balance is restored.
    later = guaranteed(world, "LRN-4", guarantee)
    instruction = payments.instruct_payment(bill=later, actor=world.trader, agreement=agreement)
    done["guaranteed_then_paid"] = pf.confirm(instruction, world.bank, reference="ICBC-0004")
    # Not settled, so not checked: an open bill, one waiting at the bank, one refused by it.
    pf.assessed(world.trader, lrn="LRN-5")
    waiting = pf.assessed(world.trader, lrn="LRN-6")
    payments.instruct_payment(bill=waiting, actor=world.trader, agreement=agreement)
    refused = payments.instruct_payment(
        bill=pf.assessed(world.trader, lrn="LRN-7"), actor=world.trader, agreement=agreement
    )
    payments.refuse_payment(
        instruction=refused, actor=world.bank, version=refused.version, reason="No funds."
    )
    # trader2's agreement waiting at BOC, and one BOC refused.
    payments.request_agreement(actor=world.trader2, bank=world.boc, account_number="437358912345")
    asked = payments.request_agreement(
        actor=world.trader2, bank=world.boc, account_number="437358912399"
    )
    payments.refuse_agreement(
        agreement=asked, actor=world.bank2, version=asked.version, reason="Unknown account."
    )
    return done


def test_a_world_changed_only_through_the_services_reconciles(settled):
    report, found = findings()

    assert found == [] and report.ok
    assert report.checked == 7  # declarations
    # 7 bills, 3 agreements, 4 instructions, 1 guarantee
    assert report.payments_checked == 15
    assert report.settlements_checked == 4  # the paid or released ones
    assert "15 payment records match" in report.summary()
    assert "4 paid or released declarations are settled" in report.summary()


def test_a_paid_amount_changed_by_sql_is_found(settled):
    bill = settled["e_payment"].bill
    sql("UPDATE payments_taxbill SET paid_amount = paid_amount - 100 WHERE id = %s", bill.pk)

    report, found = findings()

    assert not report.ok
    kinds = sorted((item.kind, item.subject) for item in found)
    assert kinds == [("amount_mismatch", bill.ledger_subject), ("state", bill.ledger_subject)]
    amounts = next(item for item in found if item.kind == "amount_mismatch")
    paid = bill.paid_amount - 100
    assert amounts.number == bill.number
    assert f"Bill {bill.number} says {paid:.2f} CNY was paid" in amounts.detail
    assert f"ICBKCNBJSHI confirmed {bill.paid_amount:.2f} CNY" in amounts.detail


def test_a_surcharge_the_bill_s_dates_do_not_call_for_is_found(settled):
    # Surcharge and amount raised together, so the amounts still add up: only the dates tell.
    bill = settled["counter"]
    sql(
        "UPDATE payments_taxbill SET surcharge = 5, paid_amount = paid_amount + 5 WHERE id = %s",
        bill.pk,
    )

    report, found = findings()

    assert not report.ok
    kinds = sorted((item.kind, item.subject) for item in found)
    assert kinds == [("amount_mismatch", bill.ledger_subject), ("state", bill.ledger_subject)]
    wrong = next(item for item in found if item.kind == "amount_mismatch")
    assert "its surcharge is 0.00 CNY, not 5.00 CNY" in wrong.detail


def test_a_counter_paid_amount_changed_by_sql_names_the_lines(settled):
    bill = settled["counter"]
    sql("UPDATE payments_taxbill SET paid_amount = 1 WHERE id = %s", bill.pk)

    _, found = findings()

    amounts = next(item for item in found if item.kind == "amount_mismatch")
    assert amounts.detail == (
        f"Bill {bill.number} says 1.00 CNY was paid, but duty {bill.duty:.2f} + VAT "
        f"{bill.vat:.2f} + surcharge 0.00 make {bill.tax:.2f} CNY."
    )


def test_a_paid_declaration_whose_bill_was_deleted_is_found(settled):
    bill = settled["counter"]
    declaration = bill.declaration
    sql("DELETE FROM payments_taxbill WHERE id = %s", bill.pk)

    _, found = findings()

    assert sorted((item.kind, item.subject) for item in found) == [
        ("missing", bill.ledger_subject),
        ("no_bill", declaration.ledger_subject),
    ]
    no_bill = next(item for item in found if item.kind == "no_bill")
    assert no_bill.number == declaration.number
    assert no_bill.detail == f"Declaration {declaration.number} is released, but has no tax bill."


def test_a_declaration_paid_by_sql_without_a_bill_ever_issued_is_found(world):
    declaration = f.submitted(world.trader, lane="yellow")
    assert not TaxBill.objects.filter(declaration=declaration).exists()
    sql("UPDATE declarations_declaration SET status = 'paid' WHERE id = %s", declaration.pk)

    _, found = findings()

    assert sorted((item.kind, item.subject) for item in found) == [
        ("no_bill", declaration.ledger_subject),
        ("state", declaration.ledger_subject),
    ]
    no_bill = next(item for item in found if item.kind == "no_bill")
    assert "is paid, but has no tax bill" in no_bill.detail


def test_a_released_declaration_whose_bill_was_reopened_is_found(settled):
    bill = settled["counter"]
    sql(
        "UPDATE payments_taxbill SET status = 'open', means = '', paid_amount = NULL WHERE id = %s",
        bill.pk,
    )

    _, found = findings()

    assert sorted(item.kind for item in found) == ["bill_open", "state"]
    reopened = next(item for item in found if item.kind == "bill_open")
    assert reopened.detail == (
        f"Declaration {bill.declaration.number} is released, but its bill {bill.number} is "
        "still open: neither paid nor released against a guarantee."
    )


def test_a_confirmed_amount_changed_by_sql_is_found(settled):
    instruction = settled["e_payment"]
    sql(
        "UPDATE payments_paymentinstruction SET confirmed_amount = confirmed_amount + 1 "
        "WHERE id = %s",
        instruction.pk,
    )

    _, found = findings()

    assert sorted((item.kind, item.subject) for item in found) == [
        ("amount_mismatch", instruction.bill.ledger_subject),
        ("state", instruction.ledger_subject),
    ]
    amounts = next(item for item in found if item.kind == "amount_mismatch")
    confirmed = instruction.confirmed_amount + 1
    assert amounts.detail == (
        f"ICBKCNBJSHI confirmed {confirmed:.2f} CNY for bill {instruction.bill.number} under "
        f"ICBC-0002, but the bill says {instruction.confirmed_amount:.2f} CNY was paid."
    )
    state = next(item for item in found if item.kind == "state")
    assert state.number == instruction.bill.number


def test_an_instructed_amount_changed_by_sql_is_found_in_the_instructions_state(settled):
    instruction = settled["e_payment"]
    sql("UPDATE payments_paymentinstruction SET amount = 1 WHERE id = %s", instruction.pk)

    _, found = findings()

    assert [(item.kind, item.subject) for item in found] == [("state", instruction.ledger_subject)]


def test_a_bank_reference_changed_by_sql_is_found(settled):
    instruction = settled["e_payment"]
    sql(
        "UPDATE payments_paymentinstruction SET bank_reference = 'OTHER-1' WHERE id = %s",
        instruction.pk,
    )

    _, found = findings()

    assert sorted(item.kind for item in found) == ["reference_mismatch", "state"]
    words = next(item for item in found if item.kind == "reference_mismatch").detail
    assert "under OTHER-1, but the bill says it was paid under ICBC-0002" in words


def test_an_e_payment_whose_confirmation_is_gone_is_found(settled):
    instruction = settled["e_payment"]
    sql("UPDATE payments_paymentinstruction SET status = 'refused' WHERE id = %s", instruction.pk)

    _, found = findings()

    assert sorted(item.kind for item in found) == ["no_payment", "state"]
    words = next(item for item in found if item.kind == "no_payment").detail
    assert "no bank confirmed a payment of it" in words


def test_a_counter_payment_without_receipt_or_officer_is_found(settled, world):
    bill = settled["counter"]
    sql(
        "UPDATE payments_taxbill SET paid_reference = '', paid_by_id = %s WHERE id = %s",
        world.trader.pk,
        bill.pk,
    )

    _, found = findings()

    assert sorted(item.kind for item in found) == ["no_receipt", "state"]
    words = next(item for item in found if item.kind == "no_receipt").detail
    assert "has no receipt number" in words
    assert "recorded by trader, who is not a customs officer" in words


def test_a_guaranteed_bill_whose_reservation_was_restored_by_sql_is_found(settled):
    bill = settled["guaranteed"]
    sql(
        "UPDATE payments_reservation SET restored_at = %s WHERE bill_id = %s",
        timezone.now(),
        bill.pk,
    )

    _, found = findings()

    assert sorted((item.kind, item.subject) for item in found) == [
        ("no_reservation", bill.ledger_subject),
        ("state", bill.guarantee.ledger_subject),
    ]
    words = next(item for item in found if item.kind == "no_reservation").detail
    assert words.startswith(
        f"Bill {bill.number} was released against guarantee G-1 and is unpaid, but its "
        "reservation was given back on "
    )


def test_a_reserved_amount_changed_by_sql_is_found(settled):
    bill = settled["guaranteed"]
    sql("UPDATE payments_reservation SET amount = amount - 1 WHERE bill_id = %s", bill.pk)

    _, found = findings()

    assert sorted(item.kind for item in found) == ["amount_mismatch", "state"]
    words = next(item for item in found if item.kind == "amount_mismatch").detail
    assert words == (
        f"Guarantee G-1 holds {bill.tax - 1:.2f} CNY for bill {bill.number}, whose tax is "
        f"{bill.tax:.2f} CNY."
    )


def test_agreements_and_guarantees_changed_by_sql_are_found(settled, world):
    sql(
        "UPDATE payments_paymentagreement SET status = 'active' WHERE account_number = %s",
        "437358912345",
    )
    sql("UPDATE payments_guarantee SET amount = %s", Decimal("9999999.00"))

    _, found = findings()

    assert sorted((item.kind, item.number) for item in found) == [
        ("state", "437358912345"),
        ("state", "G-1"),
    ]


def test_the_settlement_check_reads_in_batches_whatever_the_number(
    world, django_assert_num_queries
):
    counter_paid(world, "LRN-1")
    with django_assert_num_queries(5):  # declarations, bills, instructions, reservations, end
        assert check_settlements(on_finding=unexpected) == 1
    for number in range(2, 6):
        counter_paid(world, f"LRN-{number}")
    with django_assert_num_queries(5):
        assert check_settlements(on_finding=unexpected) == 5


def test_a_guaranteed_bill_paid_while_it_is_read_is_not_a_finding(settled, world, monkeypatch):
    bill = settled["guaranteed"]
    agreement = PaymentAgreement.objects.get(company=world.alpha)
    instruction = payments.instruct_payment(bill=bill, actor=world.trader, agreement=agreement)
    reservations = Reservation.objects.filter
    paying = []

    def paid_between_the_reads(*args, **kwargs):
        # The bank's confirmation commits after the bill was read and before its reservation is.
        if not paying:
            paying.append(pf.confirm(instruction, world.bank, reference="ICBC-0003"))
        return reservations(*args, **kwargs)

    monkeypatch.setattr(Reservation.objects, "filter", paid_between_the_reads)

    assert check_settlements(on_finding=unexpected) == 4
    assert paying and TaxBill.objects.get(pk=bill.pk).status == "paid"


def test_the_run_page_shows_the_findings_in_words(settled, client, world):
    bill = settled["counter"]
    sql("UPDATE payments_taxbill SET paid_amount = 1 WHERE id = %s", bill.pk)
    run = execute_run(
        run_id=VerificationRun.objects.create(kind="reconcile", requested_by=world.auditor).pk
    )
    assert run.status == "failed"
    assert (run.declarations_checked, run.payments_checked, run.settlements_checked) == (7, 15, 4)
    assert run.mismatch_count == 2
    assert Mismatch.objects.get(run=run, kind="amount_mismatch").number == bill.number

    client.force_login(world.auditor)
    page = client.get(reverse("audit:run", args=[run.pk])).content.decode()

    assert "Amounts do not match the bill" in page
    assert f"Bill {bill.number} says 1.00 CNY was paid" in page
    assert "Payment records reconciled" in page
    assert f"?subject={bill.ledger_subject.replace(':', '%3A')}" in page
