"""The office queue acting on several declarations at once, and the reassign move itself."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from eport.declarations import lifecycle, services
from eport.declarations.errors import NotPermitted, TransitionError
from ledger.models import Entry
from ledger.verify import verify_chain
from tests.concurrency import run_together

from . import factories as f

BULK = reverse("declarations:bulk")


def said(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def taken(declaration, officer):
    declaration.refresh_from_db()
    return services.take_declaration(
        declaration=declaration, actor=officer, version=declaration.version
    )


def entries(declaration, action):
    return Entry.objects.filter(subject=declaration.ledger_subject, action=action).count()


# --- bulk take ---------------------------------------------------------------------------------


def test_bulk_take_takes_each_selected_declaration_with_its_own_ledger_entry(client, world):
    first = f.submitted(world.trader, "yellow", lrn="B-1")
    second = f.submitted(world.trader, "red", lrn="B-2")
    client.force_login(world.officer)

    response = client.post(BULK, {"move": "take", "declaration": [first.number, second.number]})

    assert response.status_code == 302
    for declaration in (first, second):
        declaration.refresh_from_db()
        assert declaration.status == "under_review"
        assert declaration.assigned_officer == world.officer
        assert entries(declaration, "declaration.taken") == 1
    assert said(response) == [("success", f"Taken for review: {first.number}, {second.number}.")]
    assert verify_chain().ok


def test_one_that_cannot_be_taken_does_not_stop_the_others(client, world):
    green = f.submitted(world.trader, "green", lrn="G-1")  # assessed by eport itself
    mine = f.submitted(world.trader, "yellow", lrn="Y-1")
    colleagues = taken(f.submitted(world.trader, "yellow", lrn="Y-2"), world.officer2)
    client.force_login(world.officer)

    response = client.post(
        BULK,
        {"move": "take", "declaration": [green.number, mine.number, colleagues.number]},
    )

    mine.refresh_from_db()
    assert mine.status == "under_review" and mine.assigned_officer == world.officer
    colleagues.refresh_from_db()
    assert colleagues.assigned_officer == world.officer2
    messages = said(response)
    assert ("success", f"Taken for review: {mine.number}.") in messages
    errors = [text for level, text in messages if level == "error"]
    assert len(errors) == 2
    assert errors[0].startswith(f"{green.number} was not taken for review: ")
    assert "assessed and waiting for payment" in errors[0]
    assert errors[1].startswith(f"{colleagues.number} was not taken for review: ")
    assert "already under review by another officer" in errors[1]
    assert entries(green, "declaration.taken") == 0


def test_numbers_outside_the_office_are_reported_as_not_found(client, world):
    own = f.submitted(world.trader, "yellow", lrn="O-1")
    beijing = f.submitted(world.trader, "yellow", lrn="O-2", office_code="0101")
    client.force_login(world.officer)

    response = client.post(BULK, {"move": "take", "declaration": [own.number, beijing.number]})

    beijing.refresh_from_db()
    assert beijing.status == "submitted"
    assert (
        "error",
        f"{beijing.number}: there is no such declaration in your office's queue.",
    ) in said(response)


def test_nothing_selected_is_a_clear_message_and_changes_nothing(client, world):
    declaration = f.submitted(world.trader, "yellow")
    client.force_login(world.officer)

    response = client.post(BULK, {"move": "take"})

    assert said(response) == [("error", "Select at least one declaration in the list first.")]
    assert f.fresh(declaration).status == "submitted"


def test_a_trader_cannot_take_through_the_bulk_form(client, world):
    declaration = f.submitted(world.trader, "yellow")
    client.force_login(world.trader)

    response = client.post(BULK, {"move": "take", "declaration": [declaration.number]})

    assert f.fresh(declaration).status == "submitted"
    assert said(response)[0][0] == "error"
    assert "Only customs officers" in said(response)[0][1]


def test_bulk_returns_to_the_queue_as_it_was_filtered_and_never_elsewhere(client, world):
    declaration = f.submitted(world.trader, "yellow")
    client.force_login(world.officer)

    back = client.post(
        BULK,
        {"move": "take", "declaration": [declaration.number], "next": "/declarations/?lane=red"},
    )
    away = client.post(
        BULK, {"move": "take", "declaration": ["1"], "next": "https://evil.example/"}
    )

    assert back["Location"] == "/declarations/?lane=red"
    assert away["Location"] == reverse("declarations:list")


def test_the_queue_offers_the_selection_and_the_bulk_bar_to_officers_only(client, world):
    declaration = f.submitted(world.trader, "yellow")
    client.force_login(world.officer)
    queue = client.get(reverse("declarations:list")).content.decode()
    client.force_login(world.trader)
    dashboard = client.get(reverse("declarations:list")).content.decode()

    assert f'name="declaration" value="{declaration.number}"' in queue
    assert f'action="{BULK}"' in queue
    assert '<option value="officer2">' in queue  # a colleague to reassign to
    assert 'name="declaration"' not in dashboard and BULK not in dashboard


# --- reassign ----------------------------------------------------------------------------------


def test_reassign_hands_the_declaration_to_a_colleague_and_keeps_its_status(world):
    declaration = taken(f.submitted(world.trader, "red"), world.officer)

    moved = services.reassign_declaration(
        declaration=declaration,
        actor=world.officer,
        version=declaration.version,
        officer="officer2",
    )

    assert moved.status == "under_review"
    assert moved.assigned_officer == world.officer2
    assert moved.version == declaration.version + 1
    entry = Entry.objects.filter(
        subject=declaration.ledger_subject, action="declaration.reassigned"
    ).get()
    assert entry.data["officer"] == f"user:{world.officer2.pk}"
    assert entry.data["previous"] == f"user:{world.officer.pk}"
    assert verify_chain().ok
    # The colleague now reviews it; the first officer no longer may.
    assert lifecycle.can(moved, world.officer2, "query")
    assert not lifecycle.can(moved, world.officer, "query")


def test_reassign_is_a_registered_move_from_the_statuses_with_a_reviewing_officer():
    move = lifecycle.MOVES["reassign"]
    assert move.who == lifecycle.OFFICER
    assert move.steps == {
        "under_review": "under_review",
        "query": "query",
        "inspection": "inspection",
    }
    assert services.MOVE_SERVICES["reassign"] is services.reassign_declaration


@pytest.mark.parametrize(
    "target, words",
    [
        ("bj_officer", "is not an active officer of customs office 2201"),
        ("trader", "is not an active officer of customs office 2201"),
        ("nobody", "is not an active officer of customs office 2201"),
        ("officer", "is already reviewing this declaration"),
        ("", "Choose the colleague"),
    ],
)
def test_reassign_refuses_anyone_but_an_active_colleague_and_changes_nothing(world, target, words):
    declaration = taken(f.submitted(world.trader, "yellow"), world.officer)

    with pytest.raises(ValidationError) as refused:
        services.reassign_declaration(
            declaration=declaration,
            actor=world.officer,
            version=declaration.version,
            officer=target,
        )

    assert words in " ".join(refused.value.message_dict["officer"])
    after = f.fresh(declaration)
    assert after.version == declaration.version and after.assigned_officer == world.officer
    assert entries(declaration, "declaration.reassigned") == 0


def test_an_inactive_colleague_cannot_be_given_a_declaration(world):
    declaration = taken(f.submitted(world.trader, "yellow"), world.officer)
    world.officer2.is_active = False
    world.officer2.save(update_fields=["is_active"])

    with pytest.raises(ValidationError):
        services.reassign_declaration(
            declaration=declaration,
            actor=world.officer,
            version=declaration.version,
            officer="officer2",
        )


def test_reassign_is_refused_before_review_and_to_other_offices_and_traders(world):
    waiting = f.submitted(world.trader, "yellow")
    under_review = taken(f.submitted(world.trader, "yellow", lrn="R-2"), world.officer)

    with pytest.raises(TransitionError, match="submitted and waiting for customs"):
        services.reassign_declaration(
            declaration=waiting, actor=world.officer, version=waiting.version, officer="officer2"
        )
    with pytest.raises(NotPermitted):
        services.reassign_declaration(
            declaration=under_review,
            actor=world.beijing_officer,
            version=under_review.version,
            officer="officer2",
        )
    with pytest.raises(NotPermitted):
        services.reassign_declaration(
            declaration=under_review,
            actor=world.trader,
            version=under_review.version,
            officer="officer2",
        )


def test_bulk_reassign_hands_each_one_over_and_reports_those_it_could_not(client, world):
    first = taken(f.submitted(world.trader, "yellow", lrn="RA-1"), world.officer)
    second = taken(f.submitted(world.trader, "red", lrn="RA-2"), world.officer)
    waiting = f.submitted(world.trader, "yellow", lrn="RA-3")
    client.force_login(world.officer)

    response = client.post(
        BULK,
        {
            "move": "reassign",
            "officer": "officer2",
            "declaration": [first.number, second.number, waiting.number],
        },
    )

    assert f.fresh(first).assigned_officer == world.officer2
    assert f.fresh(second).assigned_officer == world.officer2
    assert f.fresh(waiting).assigned_officer is None
    messages = said(response)
    assert ("success", f"Reassigned: {first.number}, {second.number}.") in messages
    assert any(
        level == "error" and text.startswith(f"{waiting.number} was not reassigned: ")
        for level, text in messages
    )


def test_bulk_reassign_without_a_colleague_says_so(client, world):
    declaration = taken(f.submitted(world.trader, "yellow"), world.officer)
    client.force_login(world.officer)

    response = client.post(BULK, {"move": "reassign", "declaration": [declaration.number]})

    assert said(response) == [("error", "Choose the colleague to reassign the selection to.")]
    assert f.fresh(declaration).assigned_officer == world.officer


def test_reassign_is_offered_on_the_declaration_page_with_the_colleagues(client, world):
    declaration = taken(f.submitted(world.trader, "yellow"), world.officer)
    client.force_login(world.officer)
    url = reverse("declarations:detail", args=[declaration.uuid])

    page = client.get(url).content.decode()
    made = client.post(
        reverse("declarations:action", args=[declaration.uuid, "reassign"]),
        {"version": declaration.version, "text": "officer2"},
    )

    assert reverse("declarations:action", args=[declaration.uuid, "reassign"]) in page
    assert '<option value="officer2">' in page
    assert made.status_code == 302
    assert f.fresh(declaration).assigned_officer == world.officer2


def test_reassign_is_an_endpoint_of_the_api(world):
    declaration = taken(f.submitted(world.trader, "yellow"), world.officer)
    api = APIClient()
    api.force_login(world.officer)
    url = f"/api/v1/declarations/{declaration.uuid}/reassign/"

    refused = api.post(
        url, {"version": declaration.version, "officer": "bj_officer"}, format="json"
    )
    made = api.post(url, {"version": declaration.version, "officer": "officer2"}, format="json")

    assert refused.status_code == 422, refused.content
    assert made.status_code == 200, made.content
    assert made.json()["status"] == "under_review"
    assert f.fresh(declaration).assigned_officer == world.officer2


# --- two officers at once (PostgreSQL) ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_officers_bulk_taking_the_same_declarations_at_once_each_is_taken_once(
    postgresql, world
):
    declarations = [f.submitted(world.trader, "yellow", lrn=f"RACE-{n}") for n in range(4)]

    def bulk_take(officer):
        return lambda: services.make_moves(
            "take",
            declarations=[f.fresh(declaration) for declaration in declarations],
            actor=officer,
        )

    first, second = run_together([bulk_take(world.officer), bulk_take(world.officer2)])

    assert isinstance(first, list) and isinstance(second, list), (first, second)
    for declaration, mine, theirs in zip(declarations, first, second, strict=True):
        # Exactly one of the two made each take; the other was told it moved on.
        assert mine.made != theirs.made, (mine, theirs)
        loser = theirs if mine.made else mine
        assert isinstance(loser.error, TransitionError)
        winner = world.officer if mine.made else world.officer2
        assert f.fresh(declaration).assigned_officer == winner
        assert entries(declaration, "declaration.taken") == 1
    assert verify_chain().ok
