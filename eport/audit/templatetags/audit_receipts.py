"""The release receipt's readiness, for the declaration page (which the audit app sits above)."""

from django import template

from eport.audit.receipts import ReceiptReadiness
from eport.audit.receipts import release_receipt_readiness as readiness_of

register = template.Library()


@register.simple_tag
def release_receipt_readiness(declaration) -> ReceiptReadiness | None:
    """``{% release_receipt_readiness declaration as readiness %}``: None unless released."""
    return readiness_of(declaration)
