"""Who makes a change: a person signed in to eport, or a component of eport itself.

Every service takes ``actor: Actor``. The ledger records a user as ``user:<id>`` and a component
as ``system:<name>``. Each component that records ledger entries is declared here once, with the
name a person reads on a timeline, so no timeline shows a bare ``system:…`` it cannot explain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from eport.accounts.models import User


class SystemActor(str):
    """A component of eport: the string is its ledger actor (``system:<name>``)."""

    label: Promise

    def __new__(cls, name: str, label: Promise) -> SystemActor:
        actor = super().__new__(cls, f"system:{name}")
        actor.label = label
        return actor


Actor: TypeAlias = "User | SystemActor"

SYSTEM_ACTORS: dict[str, SystemActor] = {}


def system_actor(name: str, label: Promise) -> SystemActor:
    """Declare a component that records ledger entries, with its display name."""
    actor = SystemActor(name, label)
    if SYSTEM_ACTORS.setdefault(str(actor), actor) is not actor:
        raise ValueError(f"{actor} is declared twice")
    return actor


LEDGER = system_actor("ledger", _("Ledger"))
RISK = system_actor("risk", _("Risk engine"))
ASSESSMENT = system_actor("assessment", _("Assessment engine"))
CLEARANCE = system_actor("clearance", _("Automatic clearance"))
REFERENCE = system_actor("reference", _("Reference data loader"))
SEED = system_actor("seed", _("Demo data"))
BILLING = system_actor("billing", _("Tax billing"))


def is_system(actor: object) -> bool:
    """Whether ``actor`` is eport itself rather than a person."""
    return isinstance(actor, str) and actor.startswith("system:")


def system_label(actor: str) -> str:
    """A ``system:<name>`` actor in words; an undeclared one says which component it was."""
    known = SYSTEM_ACTORS.get(actor)
    if known is not None:
        return str(known.label)
    return _("System (%(name)s)") % {"name": actor.partition(":")[2]}
