"""Assessed declarations with their bills, agreements in force and guarantees."""

from datetime import date, timedelta
from decimal import Decimal

from eport.payments import services
from eport.payments.models import Guarantee, PaymentAgreement, PaymentInstruction, TaxBill
from tests.declarations import factories as f


def assessed(trader, lane="green", **kwargs) -> TaxBill:
    """A green-lane declaration assessed at submission: its bill, freshly issued."""
    declaration = f.submitted(trader, lane, **kwargs)
    assert declaration.status == "assessed"
    return TaxBill.objects.select_related("declaration").get(declaration=declaration)


def agreement(trader, bank_user, account="6222021001000000001") -> PaymentAgreement:
    """An agreement in force between the trader's company and the bank user's bank."""
    asked = services.request_agreement(actor=trader, bank=bank_user.bank, account_number=account)
    return services.confirm_agreement(agreement=asked, actor=bank_user, version=asked.version)


def guarantee(bank_user, company, amount="100000.00", reference="G-1", **dates) -> Guarantee:
    today = date.today()
    return services.issue_guarantee(
        actor=bank_user,
        company=company,
        amount=Decimal(amount),
        valid_from=dates.get("valid_from", today - timedelta(days=1)),
        valid_until=dates.get("valid_until", today + timedelta(days=365)),
        bank_reference=reference,
    )


def confirm(
    instruction: PaymentInstruction, bank_user, *, reference="DEBIT-1", on=None, amount=None
):
    from eport.payments import selectors

    bill = instruction.bill
    on = on or selectors.today()
    return services.confirm_payment(
        instruction=instruction,
        actor=bank_user,
        bill_number=bill.number,
        amount=amount if amount is not None else selectors.amount_due(bill, on).total,
        currency="CNY",
        bank_reference=reference,
        value_date=on,
    )


def fresh(row):
    row.refresh_from_db()
    return row
