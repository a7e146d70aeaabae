"""The lifecycle of a declaration: the one transition table, and who may make each move.

Services call ``check_move`` before changing anything; pages and the API call ``allowed_moves``
to know which actions to offer. Both read ``TRANSITIONS`` below, so the lifecycle is written down
exactly once (workflow spec, "The lifecycle").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import TransitionError
from .models import Declaration

Status = Declaration.Status
Lane = Declaration.Lane

# Who may make a move.
TRADER = "trader"  # a trader of the declaration's company
OFFICER = "officer"  # any officer of the declaration's office of lodgement
ASSIGNED = "assigned officer"  # the officer of that office who took the declaration
SYSTEM = "system"  # eport itself (actor "system:<component>")


@dataclass(frozen=True)
class Move:
    """An action a person can take; ``needs`` names the input the form must collect."""

    name: str
    label: str
    past: str  # completes "cannot be ..."
    needs: str | None = None
    required: bool = False  # whether ``needs`` must be non-empty


@dataclass(frozen=True)
class Transition:
    source: str
    move: str
    target: str
    who: str
    lanes: frozenset[str] | None = None  # None: any lane


MOVES: dict[str, Move] = {
    move.name: move
    for move in (
        Move("edit", "Edit draft", "edited"),
        Move("attach", "Add or remove documents", "given new documents", needs="document"),
        Move("submit", "Submit", "submitted"),
        Move("take", "Take for review", "taken for review"),
        Move("query", "Raise a query", "queried", needs="question", required=True),
        Move("amend", "Amend and resubmit", "amended", needs="answer", required=True),
        Move("inspect", "Order inspection", "sent to inspection", needs="instructions"),
        Move(
            "record_findings",
            "Record inspection findings",
            "given inspection findings",
            needs="findings",
            required=True,
        ),
        Move("assess", "Assess duty and VAT", "assessed", needs="corrections"),
        Move("pay", "Record payment", "marked as paid", needs="reference", required=True),
        Move("release", "Release goods", "released", needs="note"),
        Move("reject", "Reject", "rejected", needs="reason", required=True),
        Move("cancel", "Cancel declaration", "cancelled", needs="reason"),
        # Made by eport itself for green-lane declarations, never offered to a person.
        Move("system_assess", "Assess automatically", "assessed automatically"),
        Move("system_release", "Release automatically", "released automatically"),
    )
}

_ACTIVE_LANES = frozenset({Lane.YELLOW, Lane.RED})
_T = Transition

# THE transition table: (status, move) -> new status, and who may make the move.
TRANSITIONS: dict[tuple[str, str], Transition] = {
    (t.source, t.move): t
    for t in (
        _T(Status.DRAFT, "edit", Status.DRAFT, TRADER),
        _T(Status.DRAFT, "attach", Status.DRAFT, TRADER),
        _T(Status.DRAFT, "submit", Status.SUBMITTED, TRADER),
        _T(Status.DRAFT, "cancel", Status.CANCELLED, TRADER),
        _T(Status.SUBMITTED, "system_assess", Status.ASSESSED, SYSTEM, frozenset({Lane.GREEN})),
        _T(Status.SUBMITTED, "take", Status.UNDER_REVIEW, OFFICER, _ACTIVE_LANES),
        _T(Status.SUBMITTED, "cancel", Status.CANCELLED, TRADER),
        _T(Status.UNDER_REVIEW, "query", Status.QUERY, ASSIGNED),
        _T(Status.UNDER_REVIEW, "inspect", Status.INSPECTION, ASSIGNED, frozenset({Lane.RED})),
        _T(Status.UNDER_REVIEW, "assess", Status.ASSESSED, ASSIGNED),
        _T(Status.UNDER_REVIEW, "reject", Status.REJECTED, ASSIGNED),
        _T(Status.QUERY, "attach", Status.QUERY, TRADER),
        _T(Status.QUERY, "amend", Status.UNDER_REVIEW, TRADER),
        _T(Status.QUERY, "cancel", Status.CANCELLED, TRADER),
        _T(Status.QUERY, "reject", Status.REJECTED, ASSIGNED),
        _T(Status.INSPECTION, "record_findings", Status.UNDER_REVIEW, ASSIGNED),
        _T(Status.INSPECTION, "reject", Status.REJECTED, ASSIGNED),
        # Payment is confirmed by an officer for now (by the bank later).
        _T(Status.ASSESSED, "pay", Status.PAID, OFFICER),
        _T(Status.PAID, "release", Status.RELEASED, OFFICER, _ACTIVE_LANES),
        _T(Status.PAID, "system_release", Status.RELEASED, SYSTEM, frozenset({Lane.GREEN})),
    )
}

# Every move is made by one kind of actor whatever the status, so a person can be told
# "only officers can ..." before the status is even looked at.
MOVE_WHO: dict[str, str] = {}
for _transition in TRANSITIONS.values():
    _kind = OFFICER if _transition.who == ASSIGNED else _transition.who
    assert MOVE_WHO.setdefault(_transition.move, _kind) == _kind, _transition
assert set(MOVE_WHO) == set(MOVES), "every move appears in the transition table"

_STATUS_PHRASES = {
    Status.DRAFT: "still a draft",
    Status.SUBMITTED: "submitted and waiting for customs",
    Status.UNDER_REVIEW: "under review by customs",
    Status.QUERY: "waiting for the trader to answer a query",
    Status.INSPECTION: "waiting for inspection findings",
    Status.ASSESSED: "assessed and waiting for payment",
    Status.PAID: "paid and waiting for release",
    Status.RELEASED: "released, which is final",
    Status.REJECTED: "rejected, which is final",
    Status.CANCELLED: "cancelled, which is final",
}


def is_system(actor: Any) -> bool:
    return isinstance(actor, str) and actor.startswith("system:")


def check_move(declaration: Declaration, actor: Any, move_name: str) -> Transition:
    """Return the transition for this move, or raise TransitionError saying why it is refused.

    ``actor`` is a user, or a ``"system:<component>"`` string for the moves eport makes itself.
    """
    move = MOVES.get(move_name)
    if move is None:
        raise TransitionError(f"There is no move called {move_name!r}.")
    kind = MOVE_WHO[move_name]
    _check_actor(declaration, actor, move, kind)
    transition = TRANSITIONS.get((declaration.status, move_name))
    if transition is None:
        raise TransitionError(_wrong_status(declaration, actor, move))
    if transition.who == ASSIGNED and declaration.assigned_officer_id != actor.pk:
        raise TransitionError(
            "This declaration is under review by another officer; only the officer who took it "
            f"can have it {move.past}."
        )
    if transition.lanes is not None and declaration.lane not in transition.lanes:
        raise TransitionError(_wrong_lane(declaration, move, transition))
    return transition


def _check_actor(declaration: Declaration, actor: Any, move: Move, kind: str) -> None:
    if kind == SYSTEM:
        if not is_system(actor):
            raise TransitionError(
                f"Only eport itself makes this move: a green-lane declaration is {move.past}."
            )
        return
    if is_system(actor) or actor is None or not getattr(actor, "is_authenticated", False):
        raise TransitionError("Only a signed-in person can make this move.")
    if actor.is_auditor:
        raise TransitionError("Auditors have read-only access and cannot change declarations.")
    if kind == TRADER:
        if not actor.is_trader:
            raise TransitionError(
                f"Only the declaring company's traders can have a declaration {move.past}."
            )
        if actor.company_id != declaration.company_id:
            raise TransitionError("This declaration belongs to another company.")
    elif kind == OFFICER:
        if not actor.is_officer:
            raise TransitionError(f"Only customs officers can have a declaration {move.past}.")
        if actor.office_id != declaration.office_id:
            raise TransitionError(
                f"This declaration is lodged at customs office {declaration.office.code}; "
                "you can act only on your own office's declarations."
            )


def _wrong_status(declaration: Declaration, actor: Any, move: Move) -> str:
    if (
        move.name == "take"
        and declaration.assigned_officer_id
        and declaration.status in (Status.UNDER_REVIEW, Status.QUERY, Status.INSPECTION)
    ):
        if declaration.assigned_officer_id == getattr(actor, "pk", None):
            return "You are already reviewing this declaration."
        return (
            "This declaration is already under review by another officer; reload to see its "
            "current state."
        )
    phrase = _STATUS_PHRASES.get(declaration.status, declaration.status)
    return (
        f"This declaration is {phrase}, so it cannot be {move.past}. "
        "Reload to see its current state."
    )


def _wrong_lane(declaration: Declaration, move: Move, transition: Transition) -> str:
    lane = declaration.lane or "no"
    if move.name in ("take", "release") and declaration.lane == Lane.GREEN:
        return (
            "Green-lane declarations are assessed and released by eport itself; there is nothing "
            f"for an officer to do here (it cannot be {move.past} by hand)."
        )
    lanes = " or ".join(sorted(transition.lanes))
    return f"Only {lanes}-lane declarations can be {move.past}; this one is in the {lane} lane."


def can(declaration: Declaration, actor: Any, move_name: str) -> bool:
    try:
        check_move(declaration, actor, move_name)
    except TransitionError:
        return False
    return True


def allowed_moves(declaration: Declaration, user: Any) -> list[Move]:
    """The moves this user may make on this declaration now, in a stable order."""
    return [
        move
        for name, move in MOVES.items()
        if MOVE_WHO[name] != SYSTEM and can(declaration, user, name)
    ]
