"""``issue_bills``: declarations assessed before tax bills existed get theirs, once."""

import io

from django.core.management import call_command

from eport.payments.models import TaxBill
from ledger.selectors import entries_about

from . import factories as pf


def test_an_assessed_declaration_without_a_bill_gets_one_once(world):
    bill = pf.assessed(world.trader)
    declaration = bill.declaration
    # As if it had been assessed before bills existed (the ledger keeps its bill.issued entry).
    TaxBill.objects.filter(pk=bill.pk).delete()
    out = io.StringIO()

    call_command("issue_bills", stdout=out)
    call_command("issue_bills", stdout=out)

    assert out.getvalue().splitlines() == ["tax bills issued: 1", "tax bills issued: 0"]
    reissued = TaxBill.objects.get(declaration=declaration)
    assert (reissued.duty, reissued.vat) == (declaration.duty_total, declaration.vat_total)
    assert entries_about(reissued.ledger_subject).get().actor == "system:billing"
