"""What the banks' domain tells the domains above it, without importing them.

``presented`` is sent inside the presenting transaction, after its ledger entry, with
``presentation`` (its declaration and bank joined) and ``actor`` (the trader who presented it).
``eport.notifications`` tells the bank's staff here.
"""

from django.dispatch import Signal

presented = Signal()
