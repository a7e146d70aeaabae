"""The licence's move registry: every move it allows or refuses, and who may make each."""

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser

from eport.licensing import lifecycle, services
from eport.licensing.errors import LicenceNotPermitted, LicenceTransitionError
from eport.licensing.models import Licence

Status = Licence.Status


def licence_in(world, status, agency=None):
    return Licence(status=status, company=world.alpha, agency=agency or world.shcom)


def actor_for(world, move):
    return {lifecycle.TRADER: world.trader, lifecycle.OFFICER: world.officer}[
        lifecycle.MOVES[move].who
    ]


EXPECTED = {
    (Status.SUBMITTED, "query"): Status.QUERY,
    (Status.QUERY, "answer"): Status.SUBMITTED,
    (Status.SUBMITTED, "approve"): Status.APPROVED,
    (Status.SUBMITTED, "refuse"): Status.REFUSED,
    (Status.QUERY, "refuse"): Status.REFUSED,
    (Status.SUBMITTED, "withdraw"): Status.WITHDRAWN,
    (Status.QUERY, "withdraw"): Status.WITHDRAWN,
}


def test_the_table_is_the_lifecycle_of_the_issue():
    assert {key: t.target for key, t in lifecycle.TRANSITIONS.items()} == EXPECTED


@pytest.mark.parametrize(
    ("status", "move"), list(itertools.product(Status.values, list(lifecycle.MOVES)))
)
def test_the_table_decides_every_status_and_move(world, status, move):
    licence = licence_in(world, status)
    actor = actor_for(world, move)

    if (status, move) in EXPECTED:
        assert lifecycle.check_move(licence, actor, move).target == EXPECTED[(status, move)]
        assert lifecycle.can(licence, actor, move)
    else:
        with pytest.raises(LicenceTransitionError) as refused:
            lifecycle.check_move(licence, actor, move)
        assert not isinstance(refused.value, LicenceNotPermitted)
        assert str(refused.value).endswith("Reload to see its current state.")
        assert not lifecycle.can(licence, actor, move)


def test_a_final_status_says_so(world):
    with pytest.raises(LicenceTransitionError) as refused:
        lifecycle.check_move(licence_in(world, Status.APPROVED), world.trader, "withdraw")
    assert str(refused.value) == (
        "This licence is approved, which is final, so it cannot be withdrawn. Reload to see its "
        "current state."
    )


@pytest.mark.parametrize("move", ["query", "approve", "refuse"])
@pytest.mark.parametrize("who", ["trader", "customs", "inspector", "auditor"])
def test_only_licensing_officers_make_the_agencys_moves(world, move, who):
    with pytest.raises(LicenceNotPermitted) as refused:
        lifecycle.check_move(licence_in(world, Status.SUBMITTED), getattr(world, who), move)
    if who == "auditor":
        assert "read-only" in str(refused.value)
    else:
        past = {"query": "queried", "approve": "approved", "refuse": "refused"}[move]
        assert str(refused.value) == (
            f"Only licensing officers of the licence's agency can have a licence {past}."
        )


def test_another_agencys_officer_cannot_decide_the_licence(world):
    with pytest.raises(LicenceNotPermitted) as refused:
        lifecycle.check_move(licence_in(world, Status.SUBMITTED), world.bj_officer, "approve")
    assert str(refused.value) == (
        "Only licensing officers of the licence's agency can have a licence approved; this one "
        "was applied for at SHCOM."
    )


@pytest.mark.parametrize("move", ["answer", "withdraw"])
@pytest.mark.parametrize("who", ["officer", "customs", "inspector"])
def test_only_the_applicants_traders_make_the_traders_moves(world, move, who):
    with pytest.raises(LicenceNotPermitted) as refused:
        lifecycle.check_move(licence_in(world, Status.QUERY), getattr(world, who), move)
    assert str(refused.value).startswith("Only the applying company's traders can have a licence")


def test_another_companys_trader_cannot_withdraw_the_licence(world):
    with pytest.raises(LicenceNotPermitted) as refused:
        lifecycle.check_move(licence_in(world, Status.SUBMITTED), world.trader2, "withdraw")
    assert str(refused.value) == "This licence belongs to another company."


def test_eport_itself_and_anonymous_people_make_no_licence_move(world):
    for actor in ("system:test", AnonymousUser(), None):
        with pytest.raises(LicenceNotPermitted) as refused:
            lifecycle.check_role(actor, "approve")
        assert str(refused.value) == "Only a signed-in person can make this move."


def test_an_officer_of_an_inactive_agency_is_refused(world):
    world.shcom.active = False
    with pytest.raises(LicenceNotPermitted) as refused:
        lifecycle.check_role(world.officer, "approve")
    assert str(refused.value) == "Your agency SHCOM is not active in the single window."


def test_an_unknown_move_is_refused_in_words(world):
    with pytest.raises(LicenceTransitionError) as refused:
        lifecycle.check_role(world.officer, "grant")
    assert str(refused.value) == "There is no licence move called 'grant'."


def test_only_traders_apply(world):
    lifecycle.check_applicant(world.trader)
    for who in ("officer", "customs", "inspector", "auditor"):
        with pytest.raises(LicenceNotPermitted):
            lifecycle.check_applicant(getattr(world, who))


def names(licence, user):
    return [move.name for move in lifecycle.allowed_moves(licence, user)]


def test_allowed_moves_offer_each_side_its_own(world):
    submitted = licence_in(world, Status.SUBMITTED)
    queried = licence_in(world, Status.QUERY)
    assert names(submitted, world.officer) == ["query", "approve", "refuse"]
    assert names(submitted, world.trader) == ["withdraw"]
    assert names(queried, world.trader) == ["answer", "withdraw"]
    assert names(queried, world.officer) == ["refuse"]
    assert names(submitted, world.bj_officer) == []
    assert names(submitted, world.trader2) == []
    assert names(submitted, world.auditor) == []
    assert names(licence_in(world, Status.APPROVED), world.officer) == []


def test_every_move_has_an_endpoint_and_a_service():
    for name, move in lifecycle.MOVES.items():
        assert move.endpoint == f"{name}/"
        assert services.MOVE_SERVICES[name].__name__ == move.service
