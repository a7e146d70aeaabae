"""The ledger browser: filters, keyset pages, the entry page with its proof, the checkpoints."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from eport.audit import browse
from eport.web.templatetags.eport import moment
from ledger import notary
from ledger.models import Checkpoint, Entry, WitnessRefusal
from ledger.services import record
from tests.accounts.factories import make_user
from tests.licensing import factories as licences

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor_client(client, world):
    client.force_login(world.auditor)
    return client


def seqs(response) -> list[int]:
    return [int(n) for n in re.findall(r'href="/audit/ledger/(\d+)/"', response.content.decode())]


def test_pages_walk_the_whole_ledger_newest_first_without_overlap(released, ledger_keys):
    for number in range(120):
        record(actor="system:test", action="thing.touched", subject="thing:1", data={"n": number})
    head = browse.head_seq()

    seen = []
    page = browse.browse_entries(browse.EntryFilter())
    while True:
        seen.extend(entry.seq for entry in page.entries)
        if page.older is None:
            break
        page = browse.browse_entries(browse.EntryFilter(), before=page.older)

    assert seen == list(range(head, -1, -1))
    back = browse.browse_entries(browse.EntryFilter(), after=page.entries[0].seq)
    assert back.entries[-1].seq == page.entries[0].seq + 1
    assert page.about == head + 1


def test_filters_by_actor_action_and_subject(released, auditor_client, world):
    response = auditor_client.get(
        reverse("audit:ledger"), {"subject": released.number, "action": "declaration.released"}
    )
    release = Entry.objects.get(subject=released.ledger_subject, action="declaration.released")
    assert seqs(response) == [release.seq]

    response = auditor_client.get(reverse("audit:ledger"), {"actor": world.trader.username})
    expected = Entry.objects.filter(actor=f"user:{world.trader.pk}").order_by("-seq")
    assert seqs(response) == [entry.seq for entry in expected]


def test_a_time_window_becomes_a_seq_range(released, auditor_client):
    entries = list(Entry.objects.order_by("seq"))
    middle = entries[len(entries) // 2]

    response = auditor_client.get(
        reverse("audit:ledger"),
        {
            "since": (middle.time).isoformat(),
            "until": (entries[-1].time + timedelta(seconds=1)).isoformat(),
        },
    )

    shown = seqs(response)
    assert shown and min(shown) <= middle.seq and max(shown) == entries[-1].seq
    assert all(Entry.objects.get(seq=seq).time >= middle.time for seq in shown)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"since": "yesterday"}, "is not a date or time"),
        ({"subject": "nonsense"}, "is not a subject"),
        ({"subject": "999999999999999999"}, "no declaration has the number"),
        ({"subject": "26-shcom-999999"}, "no licence has the number 26-SHCOM-999999"),
        ({"actor": "nobody"}, "no user is called"),
        ({"before": "x"}, "must be a whole number"),
    ],
)
def test_bad_filters_are_explained(params, message, released, auditor_client):
    response = auditor_client.get(reverse("audit:ledger"), params)

    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_entry_page_shows_bytes_hashes_and_a_checked_inclusion_proof(released, auditor_client):
    release = Entry.objects.get(subject=released.ledger_subject, action="declaration.released")

    page = auditor_client.get(reverse("audit:entry", args=[release.seq])).content.decode()

    assert release.entry_hash in page
    assert "leads to the signed root" in page
    assert "matches the bytes" in page
    assert released.number in page


def test_an_entry_after_the_latest_checkpoint_says_it_is_waiting(released, auditor_client):
    entry = record(actor="system:test", action="thing.touched", subject="thing:1", data={})

    page = auditor_client.get(reverse("audit:entry", args=[entry.seq])).content.decode()

    assert "Not in a notarized checkpoint yet" in page


def test_checkpoints_show_signatures_witnesses_and_refusals(released, auditor_client):
    checkpoint = Checkpoint.objects.get()
    WitnessRefusal.objects.create(
        witness="bank.witness",
        size=checkpoint.size + 5,
        root=b"\x00" * 32,
        signed_size=checkpoint.size,
        signed_root=bytes(checkpoint.root),
        reason="consistency proof does not lead to the new root",
        created=checkpoint.created,
    )

    page = auditor_client.get(reverse("audit:checkpoints")).content.decode()

    assert "notarized" in page
    assert "bank.witness, commerce.witness, customs.witness" in page
    assert "consistency proof does not lead to the new root" in page
    detail = auditor_client.get(reverse("audit:checkpoint", args=[checkpoint.size]))
    assert notary.signed_note(checkpoint) in detail.content.decode()


def test_checkpoint_times_are_shown_in_utc_like_the_ledger(released, auditor_client):
    checkpoint = Checkpoint.objects.get()
    signed = moment(checkpoint.created, "seconds utc")
    assert signed.endswith(" UTC")

    page = auditor_client.get(reverse("audit:checkpoints")).content.decode()
    detail = auditor_client.get(reverse("audit:checkpoint", args=[checkpoint.size]))

    assert signed in page
    assert signed in detail.content.decode()


def test_a_licence_number_finds_the_licence_entries(auditor_client):
    licences.load_subheadings()
    licence = licences.approved_licence(make_user())
    response = auditor_client.get(reverse("audit:ledger"), {"subject": licence.number.lower()})
    expected = Entry.objects.filter(subject=licence.ledger_subject).order_by("-seq")
    assert seqs(response) == [entry.seq for entry in expected]
    assert len(expected) == 2  # applied, approved
