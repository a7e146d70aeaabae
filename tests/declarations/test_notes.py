"""Internal notes: customs writes and reads them, auditors read them, traders never see them."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from eport.audit.reconcile import reconcile_declarations
from eport.declarations import access, selectors, services
from eport.declarations.errors import NotPermitted
from eport.declarations.models import DeclarationNote
from ledger.models import Entry
from ledger.verify import verify_chain

from . import factories as f

NOTE = "Consignee changed address twice this year; ask for the lease."


def detail(declaration) -> str:
    return reverse("declarations:detail", args=[declaration.uuid])


def notes_url(declaration) -> str:
    return reverse("declarations:note_add", args=[declaration.uuid])


@pytest.fixture
def noted(world):
    """A yellow declaration under review with one internal note."""
    declaration = f.submitted(world.trader, "yellow")
    declaration = services.take_declaration(
        declaration=declaration, actor=world.officer, version=declaration.version
    )
    note = services.add_note(declaration=declaration, actor=world.officer, text=NOTE)
    return declaration, note


def test_an_officer_adds_a_note_recorded_in_the_ledger_under_its_own_subject(client, world):
    declaration = f.submitted(world.trader, "yellow")
    client.force_login(world.officer2)  # any officer of the office, not only the reviewing one

    response = client.post(notes_url(declaration), {"text": f"  {NOTE}  "})

    assert response.status_code == 302 and response["Location"].endswith("#notes")
    note = DeclarationNote.objects.get()
    assert (note.declaration, note.author, note.text) == (declaration, world.officer2, NOTE)
    entry = Entry.objects.get(subject=note.ledger_subject)
    assert entry.action == "declaration_note.added"
    assert entry.data["changed"] == {"text": NOTE}
    assert entry.data["state"]
    # The declaration itself did not change: no entry about it, no new version.
    assert not Entry.objects.filter(
        subject=declaration.ledger_subject, action__contains="note"
    ).exists()
    assert f.fresh(declaration).version == declaration.version
    assert verify_chain().ok


def test_officers_and_auditors_see_the_notes_only_officers_may_add(client, world, noted):
    declaration, _note = noted

    client.force_login(world.officer)
    officer_page = client.get(detail(declaration)).content.decode()
    client.force_login(world.auditor)
    auditor_page = client.get(detail(declaration)).content.decode()

    assert NOTE in officer_page and notes_url(declaration) in officer_page
    assert NOTE in auditor_page and notes_url(declaration) not in auditor_page


def test_a_trader_never_sees_a_note_nor_that_notes_exist(client, world, noted):
    declaration, note = noted
    client.force_login(world.trader)

    page = client.get(detail(declaration)).content.decode()
    api = APIClient()
    api.force_login(world.trader)
    body = api.get(f"/api/v1/declarations/{declaration.uuid}/").content.decode()
    timeline = selectors.timeline(declaration)
    entry = Entry.objects.get(subject=note.ledger_subject)
    read = client.get(reverse("ledger:entry", args=[entry.seq]))

    assert NOTE not in page and "Internal notes" not in page and "data-internal-notes" not in page
    assert NOTE not in body and "declaration-note" not in body and "internal" not in body.lower()
    assert all(not row.action.startswith("declaration_note") for row in timeline)
    assert read.status_code == 404  # the entry's bytes, as if there were no such entry
    assert list(selectors.notes_for(world.trader, declaration)) == []


def test_a_trader_posting_a_note_meets_a_404_and_nothing_is_saved(client, world):
    declaration = f.submitted(world.trader, "yellow")
    client.force_login(world.trader)

    response = client.post(notes_url(declaration), {"text": "Let me in"})

    assert response.status_code == 404
    assert not DeclarationNote.objects.exists()


def test_another_office_and_auditors_cannot_add_notes(client, world):
    declaration = f.submitted(world.trader, "yellow")

    client.force_login(world.beijing_officer)
    elsewhere = client.post(notes_url(declaration), {"text": "Not my office"})
    client.force_login(world.auditor)
    auditor = client.post(notes_url(declaration), {"text": "Read only"})

    assert elsewhere.status_code == 404
    assert [str(m) for m in get_messages(auditor.wsgi_request)] == [
        "Only the officers of the declaration's customs office can add internal notes."
    ]
    assert not DeclarationNote.objects.exists()
    with pytest.raises(NotPermitted):
        services.add_note(declaration=declaration, actor=world.trader, text="x")
    assert not access.may_write_internal(world.auditor, declaration)


@pytest.mark.parametrize(
    "text, words",
    [
        ("   ", "Write the note before adding it."),
        ("x" * (services.NOTE_MAX_LENGTH + 1), "Keep it to 5000 characters or fewer."),
        ("bell\x07", "control character"),
    ],
)
def test_an_empty_long_or_garbled_note_is_refused_with_a_clear_message(world, text, words):
    declaration = f.submitted(world.trader, "yellow")

    with pytest.raises(ValidationError) as refused:
        services.add_note(declaration=declaration, actor=world.officer, text=text)

    assert words in " ".join(refused.value.message_dict["text"])
    assert not DeclarationNote.objects.exists()


def test_the_refusal_is_shown_on_the_page(client, world):
    declaration = f.submitted(world.trader, "yellow")
    client.force_login(world.officer)

    response = client.post(notes_url(declaration), {"text": ""}, follow=True)

    assert "Write the note before adding it." in response.content.decode()


def test_a_note_reconciles_and_a_note_rewritten_by_sql_is_found(world, noted):
    _declaration, note = noted
    found = []
    reconcile_declarations(on_finding=found.append, unledgered_rows=False)
    assert [item for item in found if item.subject == note.ledger_subject] == []

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE declarations_declarationnote SET text = %s WHERE id = %s", ["edited", note.pk]
        )
    found = []
    reconcile_declarations(on_finding=found.append, unledgered_rows=False)

    assert [item.kind for item in found if item.subject == note.ledger_subject] == ["state"]
