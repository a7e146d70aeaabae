"""The bank demo: two banks with staff, and demo declarations presented, financed, disbursed,
repaid and cancelled, all through the ledger; a second run changes nothing."""

import io
from decimal import Decimal

from django.core.management import call_command

from eport.accounts.models import Bank, User
from eport.banks import selectors
from eport.banks.models import Financing, Presentation
from eport.banks.snapshot import financing_state, presentation_state
from eport.declarations.models import Declaration
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
    call_command("seed_banks", stdout=io.StringIO())
    assert Entry.objects.count() == entries
    assert Financing.objects.count() == 4
