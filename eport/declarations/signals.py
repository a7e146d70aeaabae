"""What declarations tell the domains above them, without importing them.

``assessed`` is sent inside the assessing transaction, after the assessment's ledger entries,
with ``declaration`` (duty and VAT stored) and ``actor`` (the officer, or ``system:assessment``
for the green lane). A receiver that raises undoes the assessment: ``eport.payments`` issues the
declaration's tax bill here, so an assessed declaration always has one.

``moved`` is sent inside every move's transaction, right after its ledger entries, with
``declaration`` (as the move left it), ``move`` (the name in ``lifecycle.MOVES`` the actor made),
``actor`` and ``reason`` (what the move's text input said: the question of a query, the reason
of a rejection, a release note; empty when none was given). A move that goes on by itself (a
green-lane submission assessed, a green-lane payment released) is one ``moved`` of the person's
move, with the declaration in the status it reached. ``eport.notifications`` tells people here.
"""

from django.dispatch import Signal

assessed = Signal()
moved = Signal()
