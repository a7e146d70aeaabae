"""The release receipt's readiness, for the declaration page (which the audit app sits above)."""

from django import template

from eport.audit.receipts import ReceiptReadiness
from eport.audit.receipts import release_receipt_readiness as readiness_of

register = template.Library()


@register.simple_tag
def release_receipt_readiness(declaration, entries=None) -> ReceiptReadiness | None:
    """``{% release_receipt_readiness declaration entries as readiness %}``: None unless
    released. ``entries``: the declaration's ledger entries if the page has read them (a page
    without them, whose variable resolves to "", reads them here)."""
    return readiness_of(declaration, entries or None)
