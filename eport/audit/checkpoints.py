"""The witnesses' standing, for the workspace's pages."""

from __future__ import annotations

from dataclasses import dataclass

from ledger import keys
from ledger.models import Checkpoint, WitnessRefusal, WitnessState


@dataclass(frozen=True)
class WitnessStanding:
    name: str
    signed_size: int | None
    behind: int
    refusals: int
    last_refusal: WitnessRefusal | None


def witness_standing() -> list[WitnessStanding]:
    """For each configured witness: the last size it signed, how far behind it is, refusals."""
    latest = Checkpoint.objects.order_by("-size").values_list("size", flat=True).first() or 0
    states = {state.witness: state for state in WitnessState.objects.all()}
    standing = []
    for name in keys.witness_names():
        state = states.get(name)
        refusals = WitnessRefusal.objects.filter(witness=name)
        standing.append(
            WitnessStanding(
                name=name,
                signed_size=state.size if state else None,
                behind=latest - (state.size if state else 0),
                refusals=refusals.count(),
                last_refusal=refusals.order_by("-id").first(),
            )
        )
    return standing
