"""The bank demo: two banks with staff; demo declarations presented, financed, disbursed, repaid
and cancelled; duties and taxes paid through the banks; all through the ledger, reconciled by the
auditor's check, and a second run changes nothing."""

import io
from datetime import timedelta
from decimal import Decimal

from django.core.management import call_command

from eport.accounts.models import Bank, User
from eport.audit.reconcile import reconcile_declarations
from eport.banks import selectors
from eport.banks.models import Financing, Presentation
from eport.banks.snapshot import financing_state, presentation_state
from eport.declarations.models import Declaration
from eport.payments import selectors as payment_selectors
from eport.payments.models import Guarantee, PaymentAgreement, PaymentInstruction, TaxBill
from ledger.models import Entry


def test_seed_banks_tells_the_financing_stories_verifies_and_is_idempotent(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    out = io.StringIO()
    call_command("seed_banks", stdout=out)

    icbc, boc = Bank.objects.get(bic="ICBKCNBJSHI"), Bank.objects.get(bic="BKCHCNBJ300")
    assert icbc.witness_key == "bank.witness" and boc.witness_key == ""
    assert icbc.cnaps == "102290000011" and boc.cnaps == "104290003791"
    for username, bank in (("bank", icbc), ("bank2", boc)):
        user = User.objects.get(username=username)
        assert (user.role, user.bank) == ("bank", bank)
        assert user.check_password("eport-demo")
    assert "sign in as bank (ICBKCNBJSHI), bank2 (BKCHCNBJ300)" in out.getvalue()

    def declaration(lrn):
        return Declaration.objects.get(lrn=lrn)

    def statuses(lrn):
        return sorted(
            Financing.objects.filter(declaration__lrn=lrn).values_list("bank__bic", "status")
        )

    # Financed in full by both banks, one of them repaid: nothing remains.
    assert statuses("DEMO-A04") == [("BKCHCNBJ300", "registered"), ("ICBKCNBJSHI", "repaid")]
    assert selectors.financeable_balance(declaration("DEMO-A04")) == 0
    # Disbursed at 5/6 of the total: the sixth left undisbursed is financeable again.
    a05 = declaration("DEMO-A05")
    assert statuses("DEMO-A05") == [("ICBKCNBJSHI", "disbursed")]
    assert selectors.financeable_balance(a05) == (a05.invoice_total / 6).quantize(Decimal("0.01"))
    # A cancelled financing gives its amount back; a withdrawn presentation hides it from bank.
    a13 = declaration("DEMO-A13")
    assert statuses("DEMO-A13") == [("BKCHCNBJ300", "cancelled")]
    assert selectors.financeable_balance(a13) == a13.invoice_total
    bank, bank2 = User.objects.get(username="bank"), User.objects.get(username="bank2")
    presented_to_bank = set(selectors.presented_declarations(bank).values_list("lrn", flat=True))
    assert presented_to_bank == {"DEMO-A04", "DEMO-A05", "DEMO-B01"}
    presented_to_bank2 = set(selectors.presented_declarations(bank2).values_list("lrn", flat=True))
    assert presented_to_bank2 == {"DEMO-A04", "DEMO-A13"}

    # Each presentation and financing is as its last ledger entry says.
    for financing in Financing.objects.select_related("declaration", "bank"):
        last = Entry.objects.filter(subject=financing.ledger_subject).order_by("-seq").first()
        assert last.data["state"] == financing_state(financing), financing.bank_reference
    for presentation in Presentation.objects.select_related("declaration", "bank"):
        last = Entry.objects.filter(subject=presentation.ledger_subject).order_by("-seq").first()
        assert last.data["state"] == presentation_state(presentation)
    call_command("verify_ledger")

    entries = Entry.objects.count()
    call_command("seed_demo", stdout=io.StringIO())
    again = io.StringIO()
    call_command("seed_banks", stdout=again)
    assert Entry.objects.count() == entries
    assert Financing.objects.count() == 4
    assert "0 declaration(s) presented to banks now" in again.getvalue()
    assert "0 payment step(s) taken now" in again.getvalue()


def test_seed_banks_pays_duties_and_taxes_through_the_banks(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    out = io.StringIO()
    call_command("seed_banks", stdout=out)
    bank, bank2 = User.objects.get(username="bank"), User.objects.get(username="bank2")
    trader, trader2 = User.objects.get(username="trader"), User.objects.get(username="trader2")

    # The trader's account at ICBC is in force; trader2's waits for BOC's answer.
    agreements = PaymentAgreement.objects.order_by("bank__bic")
    assert [(a.company, a.bank, a.account_number, a.status) for a in agreements] == [
        (trader2.company, bank2.bank, "437358912345", "requested"),
        (trader.company, bank.bank, "1001244309300012345", "active"),
    ]
    # ICBC's guarantee for the trader's company: CNY 500,000 for a year from today.
    guarantee = Guarantee.objects.get()
    today = payment_selectors.today()
    assert (guarantee.bank, guarantee.company, guarantee.amount) == (
        bank.bank,
        trader.company,
        Decimal("500000.00"),
    )
    assert guarantee.status == "live" and guarantee.valid_from == today
    assert today + timedelta(days=364) <= guarantee.valid_until <= today + timedelta(days=365)

    def bill(lrn):
        return TaxBill.objects.select_related("declaration").get(declaration__lrn=lrn)

    # DEMO-A16's e-payment waits at ICBC, for the bank user to confirm; its bill is still open.
    waiting = bill("DEMO-A16")
    instruction = PaymentInstruction.objects.get(bill=waiting)
    assert (instruction.bank, instruction.status, instruction.amount) == (
        bank.bank,
        "pending",
        waiting.tax,
    )
    assert list(payment_selectors.instructions_for(bank)) == [instruction]
    assert not payment_selectors.instructions_for(bank2).exists()
    assert (waiting.status, waiting.declaration.status) == ("open", "assessed")
    # DEMO-A11 was released against the guarantee: paid, its tax reserved, the bill due later.
    guaranteed = bill("DEMO-A11")
    assert (guaranteed.status, guaranteed.guarantee) == ("guaranteed", guarantee)
    assert guaranteed.declaration.status in ("paid", "released")
    assert guaranteed.guaranteed_due_on >= guaranteed.due_on
    assert payment_selectors.remaining(guarantee) == guarantee.amount - guaranteed.tax
    # Open bills are left to pay: the trader's and trader2's.
    for lrn, owner in (("DEMO-A03", trader), ("DEMO-B03", trader2)):
        left = bill(lrn)
        assert (left.status, left.declaration.company) == ("open", owner.company)
        assert not left.instructions.exists()
    assert payment_selectors.payable_agreements(trader.company_id).count() == 1
    assert not payment_selectors.payable_agreements(trader2.company_id).exists()
    assert (
        "payment step(s) taken now (trader's ICBC account in force and trader2's asked of BOC, "
        "ICBC's CNY 500,000.00 guarantee for company A, DEMO-A16's e-payment waiting for bank "
        "to confirm, DEMO-A11 released against the guarantee, DEMO-A03 open for trader to pay)"
    ) in out.getvalue()

    # The auditor's reconciliation finds the demo as its ledger says, every payment included.
    found = []
    report = reconcile_declarations(on_finding=found.append)
    assert report.ok, found
    assert report.payments_checked == TaxBill.objects.count() + 2 + 1 + 1
    assert (
        report.settlements_checked
        == Declaration.objects.filter(status__in=["paid", "released"]).count()
    )
