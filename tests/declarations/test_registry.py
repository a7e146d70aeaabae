"""The move registry is the one place a move is declared: the services, the pages and the API
all follow it, and the permission check is the same for all three."""

import inspect

import pytest
from django.urls import reverse

from eport.api.views import ACTION_VIEWS
from eport.declarations import lifecycle, services
from eport.declarations.errors import NotPermitted

from . import factories as f

PERSON_MOVES = [move for move in lifecycle.MOVES.values() if move.offered]
BUTTON_MOVES = [move for move in PERSON_MOVES if not move.own_page]


@pytest.mark.parametrize("move", lifecycle.MOVES.values(), ids=lambda move: move.name)
def test_every_move_names_a_service_that_takes_its_inputs(move):
    service = services.MOVE_SERVICES[move.name]
    assert service is getattr(services, move.service)
    parameters = inspect.signature(service).parameters
    assert {"declaration", "actor"} <= set(parameters) or "document" in parameters
    for move_input in move.inputs:
        if move_input.kind in (lifecycle.TEXT, lifecycle.LINE, lifecycle.CORRECTIONS):
            assert move_input.name in parameters, (move.name, move_input.name)
        elif move_input.kind == lifecycle.DRAFT:
            assert {"header", "items"} <= set(parameters)


def test_the_transition_table_is_read_from_the_registry():
    assert {(t.source, t.move) for t in lifecycle.TRANSITIONS.values()} == {
        (source, move.name) for move in lifecycle.MOVES.values() for source in move.steps
    }


def test_the_api_has_an_endpoint_for_every_move_that_declares_one(client):
    schema = client.get(reverse("api:schema"), {"format": "json"}).json()
    base = "/api/v1/declarations/{uuid}/"
    for move in PERSON_MOVES:
        path = base + move.endpoint
        assert move.method.lower() in schema["paths"][path], move.name
    for segment, view in ACTION_VIEWS.items():
        move = lifecycle.MOVES[view.moves["POST"]]
        operation = schema["paths"][f"{base}{segment}/"]["post"]
        assert operation["summary"] == str(move.summary)
        body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        component = schema["components"]["schemas"][body.rsplit("/", 1)[-1]]
        wanted = {"version"} | {
            i.name for i in move.inputs if i.kind not in (lifecycle.DRAFT, lifecycle.DOCUMENT)
        }
        assert wanted <= set(component["properties"]), move.name
        required = {"version"} | {i.name for i in move.inputs if i.required}
        assert required <= set(component.get("required", [])), move.name


@pytest.mark.django_db
def test_the_page_offers_each_allowed_move_as_the_registry_declares_it(client, world):
    declaration = f.submitted(world.trader, "red")
    services.take_declaration(
        declaration=declaration, actor=world.officer, version=declaration.version
    )
    client.force_login(world.officer)

    page = client.get(reverse("declarations:detail", args=[declaration.uuid])).content.decode()

    declaration.refresh_from_db()
    offered = lifecycle.allowed_moves(declaration, world.officer)
    assert {move.name for move in offered} == {"reassign", "query", "inspect", "assess", "reject"}
    for move in offered:
        assert reverse("declarations:action", args=[declaration.uuid, move.name]) in page
        assert str(move.label) in page
        if move.text_input is not None:
            assert str(move.text_input.label) in page


@pytest.mark.django_db
def test_a_move_of_a_page_of_its_own_is_not_a_button(client, world):
    declaration = f.draft(world.trader)
    client.force_login(world.trader)

    response = client.post(
        reverse("declarations:action", args=[declaration.uuid, "edit"]),
        {"version": declaration.version},
    )

    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("move", BUTTON_MOVES, ids=lambda move: move.name)
def test_one_permission_check_refuses_the_same_people_everywhere(world, move):
    who = lifecycle.MOVE_WHO[move.name]
    wrong = world.officer if who == lifecycle.TRADER else world.trader
    for person in (wrong, world.auditor):
        with pytest.raises(NotPermitted) as refused:
            lifecycle.check_role(person, move.name)
        assert str(refused.value).endswith(".")
