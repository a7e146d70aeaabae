"""What payments does when declarations tell it something (``eport.declarations.signals``)."""

from __future__ import annotations

from . import services


def issue_bill_on_assessment(sender, *, declaration, actor, **kwargs) -> None:
    """Assessment issues the declaration's tax bill, in the assessing transaction."""
    services.issue_bill(declaration=declaration, actor=actor)
