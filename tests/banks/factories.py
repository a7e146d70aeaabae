"""Banks, bank staff and released declarations for the banks' tests."""

from datetime import date

from eport.accounts.models import Bank
from eport.banks import services as banks
from eport.banks.models import Financing, Presentation
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


def presented_and_financed(
    declaration: Declaration, trader, staff, *, bank_reference: str
) -> tuple[Presentation, Financing]:
    """The trader presents the declaration to the staff's bank, which registers a financing."""
    presentation = banks.present_declaration(declaration=declaration, actor=trader, bank=staff.bank)
    financing = banks.register_financing(
        declaration=declaration,
        actor=staff,
        instrument="invoice",
        amount="100.00",
        value_date=date(2026, 12, 1),
        maturity_date=date(2027, 3, 1),
        bank_reference=bank_reference,
    )
    return presentation, financing
