"""Banks, bank staff and released declarations for the banks' tests."""

from eport.accounts.models import Bank
from eport.declarations.models import Declaration
from eport.payments import services as payments
from tests.declarations import factories as f


def bank(bic="ICBKCNBJSHI", legal_name="Industrial and Commercial Bank of China, Shanghai") -> Bank:
    return Bank.objects.get_or_create(bic=bic, defaults={"legal_name": legal_name})[0]


def released(trader, officer, *, lrn="LRN-1", **kwargs) -> Declaration:
    """A green-lane declaration of the trader's company, paid and so released at once."""
    declaration = f.submitted(trader, "green", lrn=lrn, **kwargs)
    payments.record_counter_payment(
        bill=declaration.tax_bill, actor=officer, receipt_number=f"CR-{lrn}"
    )
    return f.fresh(declaration)
