"""Who sees which licences: no other company's, and each agency only its own."""

import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from eport.licensing import clearance, selectors, services
from eport.licensing.models import Licence

from . import factories as f


@pytest.fixture
def licences(world):
    """Alpha's approved SHCOM licence, Alpha's BJCOM application, Beta's SHCOM application."""
    return {
        "alpha_approved": f.approved_licence(world.trader, officer=world.officer),
        "alpha_beijing": f.apply_licence(world.trader, agency=world.bjcom),
        "beta_applied": f.apply_licence(world.trader2),
    }


def seen(user, licences):
    names = {licence.pk: name for name, licence in licences.items()}
    return {names[licence.pk] for licence in selectors.licences_for(user)}


def test_each_role_sees_only_what_concerns_it(world, licences):
    assert seen(world.trader, licences) == {"alpha_approved", "alpha_beijing"}
    assert seen(world.trader2, licences) == {"beta_applied"}
    assert seen(world.officer, licences) == {"alpha_approved", "beta_applied"}
    assert seen(world.bj_officer, licences) == {"alpha_beijing"}
    assert seen(world.customs, licences) == {"alpha_approved"}
    assert seen(world.auditor, licences) == set(licences)
    assert seen(world.inspector, licences) == set()
    assert seen(AnonymousUser(), licences) == set()


def test_another_companys_licence_does_not_exist(world, licences):
    beta = licences["beta_applied"]
    assert selectors.get_licence_for(world.trader2, beta.uuid) == beta
    assert selectors.get_licence_for(world.officer, str(beta.uuid)) == beta
    for user, key in [
        (world.trader, beta.uuid),
        (world.bj_officer, beta.uuid),
        (world.customs, beta.uuid),
        (world.trader, uuid.uuid4()),
        (world.trader, "not-a-uuid"),
    ]:
        with pytest.raises(Http404):
            selectors.get_licence_for(user, key)


def test_the_queues_hold_what_waits_for_each_side(world, licences):
    beta = licences["beta_applied"]
    assert list(selectors.licence_queue(world.officer)) == [beta]
    assert list(selectors.licence_queue(world.trader2)) == []
    services.raise_licence_query(licence=beta, actor=world.officer, version=1, question="?")
    assert list(selectors.licence_queue(world.officer)) == []
    assert list(selectors.licence_queue(world.trader2)) == [beta]
    assert list(selectors.licence_queue(world.officer, status=Licence.Status.QUERY)) == [beta]
    assert list(selectors.licence_queue(world.officer, status="nonsense")) == []


def test_a_licences_timeline_and_usages(world, licences):
    licence = licences["alpha_approved"]
    citation = clearance.Citation(1, "2709000000", 5, "KGM", 500, licence.number)
    clearance.write_off(
        company_id=licence.company_id,
        citations=[citation],
        reference_prefix="D-1",
        actor=world.customs,
    )
    assert [e.action for e in selectors.licence_timeline(licence)] == [
        "licence.applied",
        "licence.approved",
        "licence.written_off",
    ]
    assert [u.reference for u in selectors.usages_for(licence)] == ["D-1/1"]
