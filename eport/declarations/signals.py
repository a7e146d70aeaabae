"""What declarations tell the domains above them, without importing them.

``assessed`` is sent inside the assessing transaction, after the assessment's ledger entries,
with ``declaration`` (duty and VAT stored) and ``actor`` (the officer, or ``system:assessment``
for the green lane). A receiver that raises undoes the assessment: ``eport.payments`` issues the
declaration's tax bill here, so an assessed declaration always has one.
"""

from django.dispatch import Signal

assessed = Signal()
