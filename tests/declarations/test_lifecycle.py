"""The transition table: every move it allows, every move it refuses, and who may make each."""

import itertools

import pytest

from eport.accounts.models import Agency
from eport.declarations import lifecycle
from eport.declarations.errors import TransitionError
from eport.declarations.models import Declaration
from tests.accounts.factories import make_agency
from tests.banks import factories as bank_factories

from . import factories as f

Status = Declaration.Status
USER_MOVES = [name for name, who in lifecycle.MOVE_WHO.items() if who != lifecycle.SYSTEM]


def declaration_in(world, status, lane="", assigned=None):
    return Declaration(
        status=status,
        lane=lane,
        company=world.alpha,
        office=world.shanghai,
        assigned_officer=assigned,
    )


def actor_for(world, move):
    who = lifecycle.MOVE_WHO[move]
    if who == lifecycle.BANK:
        return f.user("bank", "bank", bank=bank_factories.bank())
    if who == lifecycle.INSPECTOR:
        return f.user("inspector", "agency", agency=make_agency(Agency.Kind.INSPECTION))
    return {
        lifecycle.TRADER: world.trader,
        lifecycle.OFFICER: world.officer,
        lifecycle.SYSTEM: "system:test",
    }[who]


def lane_for(status, move):
    transition = lifecycle.TRANSITIONS.get((status, move))
    if transition is not None and transition.lanes:
        return sorted(transition.lanes)[0]
    return "" if status == Status.DRAFT else "red"


@pytest.mark.parametrize(
    ("status", "move"), list(itertools.product(Status.values, list(lifecycle.MOVES)))
)
def test_the_table_decides_every_status_and_move(world, status, move):
    declaration = declaration_in(world, status, lane_for(status, move), assigned=world.officer)
    actor = actor_for(world, move)
    if lifecycle.MOVE_WHO[move] == lifecycle.INSPECTOR:
        # The goods wait for the inspector's agency (the lifecycle's inspections say when).
        declaration.inspection_status = Declaration.Inspection.PENDING
        declaration.inspection_agency = actor.agency
    transition = lifecycle.TRANSITIONS.get((status, move))

    if transition is None:
        with pytest.raises(TransitionError) as refused:
            lifecycle.check_move(declaration, actor, move)
        assert str(refused.value).endswith(".")
    else:
        assert lifecycle.check_move(declaration, actor, move).target == transition.target


TRANSITIONS = sorted(lifecycle.TRANSITIONS.values(), key=lambda t: (t.source, t.move))
PERSON_TRANSITIONS = [t for t in TRANSITIONS if t.who != lifecycle.SYSTEM]


def ready_for(world, transition):
    lane = sorted(transition.lanes)[0] if transition.lanes else "red"
    return declaration_in(world, transition.source, lane, assigned=world.officer)


@pytest.mark.parametrize("transition", PERSON_TRANSITIONS, ids=lambda t: f"{t.source}-{t.move}")
def test_auditors_may_make_no_move(world, transition):
    with pytest.raises(TransitionError, match="Auditors have read-only access"):
        lifecycle.check_move(ready_for(world, transition), world.auditor, transition.move)


@pytest.mark.parametrize(
    "transition",
    [t for t in PERSON_TRANSITIONS if t.who == lifecycle.TRADER],
    ids=lambda t: f"{t.source}-{t.move}",
)
def test_trader_moves_are_refused_to_other_companies_and_to_officers(world, transition):
    declaration = ready_for(world, transition)
    with pytest.raises(TransitionError, match="belongs to another company"):
        lifecycle.check_move(declaration, world.trader2, transition.move)
    with pytest.raises(TransitionError, match="Only the declaring company's traders"):
        lifecycle.check_move(declaration, world.officer, transition.move)
    with pytest.raises(TransitionError, match="Only a signed-in person"):
        lifecycle.check_move(declaration, "system:risk", transition.move)


@pytest.mark.parametrize(
    "transition",
    [t for t in PERSON_TRANSITIONS if t.who in (lifecycle.OFFICER, lifecycle.ASSIGNED)],
    ids=lambda t: f"{t.source}-{t.move}",
)
def test_officer_moves_are_refused_to_other_offices_and_to_traders(world, transition):
    declaration = ready_for(world, transition)
    with pytest.raises(TransitionError, match="lodged at customs office 2201"):
        lifecycle.check_move(declaration, world.beijing_officer, transition.move)
    with pytest.raises(TransitionError, match="Only customs officers"):
        lifecycle.check_move(declaration, world.trader, transition.move)


@pytest.mark.parametrize(
    "transition",
    [t for t in PERSON_TRANSITIONS if t.who == lifecycle.ASSIGNED],
    ids=lambda t: f"{t.source}-{t.move}",
)
def test_only_the_officer_who_took_it_continues_the_review(world, transition):
    declaration = ready_for(world, transition)
    with pytest.raises(TransitionError, match="under review by another officer"):
        lifecycle.check_move(declaration, world.officer2, transition.move)


@pytest.mark.parametrize(
    "transition",
    [t for t in TRANSITIONS if t.who == lifecycle.SYSTEM],
    ids=lambda t: f"{t.source}-{t.move}",
)
def test_system_moves_are_never_made_by_people(world, transition):
    declaration = ready_for(world, transition)
    for person in (world.officer, world.trader):
        with pytest.raises(TransitionError, match="Only eport itself"):
            lifecycle.check_move(declaration, person, transition.move)


@pytest.mark.parametrize(
    "transition",
    [t for t in TRANSITIONS if t.lanes],
    ids=lambda t: f"{t.source}-{t.move}",
)
def test_lane_bound_moves_are_refused_in_other_lanes(world, transition):
    other_lane = sorted({"green", "yellow", "red"} - transition.lanes)[0]
    declaration = declaration_in(world, transition.source, other_lane, assigned=world.officer)
    actor = actor_for(world, transition.move)
    with pytest.raises(TransitionError, match="lane"):
        lifecycle.check_move(declaration, actor, transition.move)


def test_a_second_officer_taking_is_told_someone_else_has_it(world):
    declaration = declaration_in(world, Status.UNDER_REVIEW, "yellow", assigned=world.officer)
    with pytest.raises(TransitionError) as refused:
        lifecycle.check_move(declaration, world.officer2, "take")
    assert str(refused.value) == (
        "This declaration is already under review by another officer; reload to see its "
        "current state."
    )


def test_a_released_declaration_is_final(world):
    declaration = declaration_in(world, Status.RELEASED, "yellow", assigned=world.officer)
    assert lifecycle.allowed_moves(declaration, world.officer) == []
    assert lifecycle.allowed_moves(declaration, world.trader) == []
    with pytest.raises(TransitionError, match="released, which is final"):
        lifecycle.check_move(declaration, world.trader, "edit")


@pytest.mark.parametrize(
    ("status", "lane", "who", "expected"),
    [
        (Status.DRAFT, "", "trader", ["edit", "attach", "submit", "cancel"]),
        (Status.SUBMITTED, "red", "officer", ["take"]),
        (Status.SUBMITTED, "red", "trader", ["cancel"]),
        (
            Status.UNDER_REVIEW,
            "red",
            "officer",
            ["reassign", "query", "inspect", "assess", "reject"],
        ),
        (Status.UNDER_REVIEW, "yellow", "officer", ["reassign", "query", "assess", "reject"]),
        # A colleague of the office may hand it on, nothing more.
        (Status.UNDER_REVIEW, "yellow", "officer2", ["reassign"]),
        (Status.QUERY, "yellow", "trader", ["attach", "amend", "cancel"]),
        (Status.QUERY, "yellow", "officer", ["reassign", "reject"]),
        (Status.INSPECTION, "red", "officer", ["reassign", "record_findings", "reject"]),
        # Paying is done on the tax bill (eport.payments), never offered on the declaration.
        (Status.ASSESSED, "yellow", "officer2", []),
        (Status.ASSESSED, "green", "trader", []),
        (Status.PAID, "yellow", "officer2", ["release"]),
        (Status.PAID, "green", "officer", []),
        (Status.DRAFT, "", "trader2", []),
        (Status.SUBMITTED, "red", "auditor", []),
    ],
)
def test_allowed_moves_offer_exactly_what_the_table_permits(world, status, lane, who, expected):
    declaration = declaration_in(world, status, lane, assigned=world.officer)
    moves = lifecycle.allowed_moves(declaration, getattr(world, who))
    assert [move.name for move in moves] == expected
    assert all(move.label for move in moves)


def test_payment_moves_are_made_only_through_payments_each_by_its_payer(world):
    assessed = declaration_in(world, Status.ASSESSED, "yellow")
    banker = actor_for(world, "confirm_payment")
    assert lifecycle.check_move(assessed, banker, "confirm_payment").target == Status.PAID
    assert lifecycle.check_move(assessed, world.officer, "pay").target == Status.PAID
    assert lifecycle.check_move(assessed, world.trader, "guarantee").target == Status.PAID
    with pytest.raises(TransitionError, match="Only alliance bank staff"):
        lifecycle.check_move(assessed, world.officer, "confirm_payment")
    with pytest.raises(TransitionError, match="Only customs officers"):
        lifecycle.check_move(assessed, banker, "pay")
    paying = {name for name, move in lifecycle.MOVES.items() if move.via == "payments"}
    assert paying == {"confirm_payment", "pay", "guarantee"}
    assert not any(
        lifecycle.MOVES[name].offered or lifecycle.MOVES[name].endpoint for name in paying
    )
