"""What payments tells the domains above it, without importing them.

``awaiting_bank`` is sent inside the transaction of a change that leaves something waiting for a
bank's confirmation (a payment agreement asked for, a payment instructed: whatever the bank may
now ``confirm`` in ``rules.STEPS``), after its ledger entry, with ``subject`` (the agreement or the
instruction, its bank joined) and ``actor``. ``eport.notifications`` tells the bank's staff here.
"""

from django.dispatch import Signal

awaiting_bank = Signal()
