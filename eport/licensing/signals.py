"""What licences tell the domains above them, without importing them.

``applied`` is sent inside the application's transaction, right after its ledger entry, with
``licence`` (as stored, its company and agency loaded) and ``actor`` (the applying trader).

``moved`` is sent inside every move's transaction, right after its ledger entry, with ``licence``
(as the move left it), ``move`` (the name in ``lifecycle.MOVES`` the actor made), ``actor`` and
``reason`` (what the move's text input said: the question of a query, the answer to it, the
approval's note, the reason of a refusal or a withdrawal; empty when none was given).
``eport.notifications`` tells people here; a receiver that raises undoes the move.
"""

from django.dispatch import Signal

applied = Signal()
moved = Signal()
