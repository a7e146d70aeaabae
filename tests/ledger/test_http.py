"""The public /ledger/ surface, exactly as spec section 6 describes it, and its bad parameters."""

import base64

import pytest

from ledger import keys, merkle, notary, witness
from ledger.models import Entry
from ledger.notes import open_note, parse_checkpoint
from tests.declarations import factories as f

from .notary_support import append, leaf_hashes, ledger_keys  # noqa: F401

pytestmark = [pytest.mark.usefixtures("ledger_keys"), pytest.mark.django_db]


def notarized_ledger(*batches: int) -> list[int]:
    sizes = []
    for count in batches:
        append(count)
        sizes.append(notary.notarize().size)
    return sizes


def error_of(response) -> str:
    assert response["Content-Type"] == "application/json"
    return response.json()["error"]


@pytest.mark.smoke
def test_the_latest_checkpoint_is_the_signed_note_as_text(client):
    notarized_ledger(3, 4)

    response = client.get("/ledger/checkpoint")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    opened = open_note(response.content, keys.verifier_keys())
    assert len(opened.signatures) == 4
    assert parse_checkpoint(opened.text).size == 8
    assert parse_checkpoint(opened.text).root == merkle.root_from_leaves(leaf_hashes())


def test_no_checkpoint_yet_is_a_json_404(client):
    response = client.get("/ledger/checkpoint")
    assert response.status_code == 404
    assert error_of(response) == "no checkpoint has been notarized yet"


def test_a_checkpoint_without_the_witness_quorum_is_not_served(client):
    (size,) = notarized_ledger(2)
    append(1)
    pending = notary.notarize(cosign="none")
    witness.cosign("customs.witness", pending)  # one witness is below the quorum of two

    latest = client.get("/ledger/checkpoint").content.decode()
    assert latest.split("\n")[1] == str(size)
    response = client.get(f"/ledger/checkpoint/{pending.size}")
    assert response.status_code == 404
    assert error_of(response) == f"size {pending.size} is not the size of a notarized checkpoint"


def test_every_notarized_checkpoint_stays_served_by_size(client):
    sizes = notarized_ledger(1, 5, 2)
    for size in sizes:
        response = client.get(f"/ledger/checkpoint/{size}")
        assert response.status_code == 200
        assert response.content.decode().split("\n")[1] == str(size)


@pytest.mark.parametrize(
    ("size", "status", "message"),
    [
        ("abc", 400, "size must be a non-negative integer, got 'abc'"),
        ("-3", 400, "size must be a non-negative integer, got '-3'"),
        ("1.5", 400, "size must be a non-negative integer, got '1.5'"),
        ("0", 400, "size must be at least 1, got 0"),
        ("99999999999999999999", 400, "size is too large"),
        ("4", 404, "size 4 is not the size of a notarized checkpoint"),
    ],
)
def test_bad_checkpoint_sizes_are_named(client, size, status, message):
    notarized_ledger(2)
    response = client.get(f"/ledger/checkpoint/{size}")
    assert response.status_code == status
    assert error_of(response) == message


def test_keys_lists_the_ledger_then_the_witnesses(client):
    response = client.get("/ledger/keys")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert [line.split("+")[0] for line in lines] == [
        "eport.localhost/ledger",
        "customs.witness",
        "commerce.witness",
        "bank.witness",
    ]
    assert lines == keys.verifier_keys()
    assert "PRIVATE" not in response.content.decode()


def test_an_inclusion_proof_verifies_against_the_checkpoint(client):
    sizes = notarized_ledger(4, 9)
    leaves = leaf_hashes()

    response = client.get("/ledger/proof/inclusion", {"index": 3, "tree_size": sizes[-1]})

    assert response.status_code == 200
    body = response.json()
    assert body.keys() == {"index", "tree_size", "hashes"}
    assert (body["index"], body["tree_size"]) == (3, 14)
    proof = [base64.b64decode(item) for item in body["hashes"]]
    root = merkle.root_from_leaves(leaves)
    assert merkle.verify_inclusion(leaves[3], 3, 14, proof, root)
    # Against an older notarized size too.
    older = client.get("/ledger/proof/inclusion", {"index": 4, "tree_size": 5}).json()
    proof = [base64.b64decode(item) for item in older["hashes"]]
    assert merkle.verify_inclusion(leaves[4], 4, 5, proof, merkle.root_from_leaves(leaves[:5]))


def test_a_consistency_proof_links_two_checkpoints(client):
    old, new = notarized_ledger(6, 10)
    leaves = leaf_hashes()

    response = client.get("/ledger/proof/consistency", {"old_size": old, "new_size": new})

    assert response.status_code == 200
    body = response.json()
    assert body.keys() == {"old_size", "new_size", "hashes"}
    proof = [base64.b64decode(item) for item in body["hashes"]]
    merkle.check_consistency(
        old,
        new,
        merkle.root_from_leaves(leaves[:old]),
        merkle.root_from_leaves(leaves),
        proof,
    )
    same = client.get("/ledger/proof/consistency", {"old_size": new, "new_size": new})
    assert same.json()["hashes"] == []


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ({}, 400, "index is required"),
        ({"index": "1"}, 400, "tree_size is required"),
        ({"index": "x", "tree_size": "5"}, 400, "index must be a non-negative integer, got 'x'"),
        ({"index": "-1", "tree_size": "5"}, 400, "index must be a non-negative integer, got '-1'"),
        ({"index": "1", "tree_size": "5e2"}, 400, "tree_size must be a non-negative integer"),
        ({"index": "0", "tree_size": "0"}, 400, "tree_size must be at least 1, got 0"),
        ({"index": "5", "tree_size": "5"}, 400, "index 5 is not below tree_size 5"),
        ({"index": "9", "tree_size": "5"}, 400, "index 9 is not below tree_size 5"),
        ({"index": "1", "tree_size": "4"}, 404, "tree_size 4 is not the size of a notarized"),
        ({"index": "1", "tree_size": "500"}, 404, "tree_size 500 is not the size of a notarized"),
    ],
)
def test_bad_inclusion_parameters_are_named(client, query, status, message):
    notarized_ledger(4)  # size 5
    response = client.get("/ledger/proof/inclusion", query)
    assert response.status_code == status
    assert error_of(response).startswith(message)


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ({"new_size": "5"}, 400, "old_size is required"),
        ({"old_size": "5"}, 400, "new_size is required"),
        ({"old_size": "a", "new_size": "5"}, 400, "old_size must be a non-negative integer"),
        ({"old_size": "0", "new_size": "5"}, 400, "old_size must be at least 1: there is no"),
        ({"old_size": "9", "new_size": "5"}, 400, "old_size 9 is larger than new_size 5"),
        ({"old_size": "3", "new_size": "9"}, 404, "old_size 3 is not the size of a notarized"),
        ({"old_size": "5", "new_size": "8"}, 404, "new_size 8 is not the size of a notarized"),
    ],
)
def test_bad_consistency_parameters_are_named(client, query, status, message):
    notarized_ledger(4, 4)  # sizes 5 and 9
    response = client.get("/ledger/proof/consistency", query)
    assert response.status_code == status
    assert error_of(response).startswith(message)


def test_the_public_endpoints_refuse_writes(client):
    notarized_ledger(1)
    for path in ("/ledger/checkpoint", "/ledger/keys", "/ledger/proof/inclusion"):
        assert client.post(path).status_code == 405


# --- Entries: auditors and officers see all, a trader only its own -------------------------------


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    f.load_reference_rows()
    office = f.office("2201", "Shanghai Customs District")
    alpha = f.company("91310000MA1FL0000", "Alpha Trading Co., Ltd.")
    beta = f.company("91110000MA0000000", "Beta Imports Ltd.")

    class World:
        trader = f.user("trader", "trader", company=alpha)
        other_trader = f.user("trader2", "trader", company=beta)
        officer = f.user("officer", "officer", office=office)
        auditor = f.user("auditor", "auditor")

    world = World()
    world.declaration = f.draft(world.trader)
    world.entry = Entry.objects.filter(subject=world.declaration.ledger_subject).first()
    return world


def test_an_auditor_and_an_officer_read_any_entry_as_its_canonical_bytes(client, world):
    for user in (world.auditor, world.officer):
        client.force_login(user)
        response = client.get(f"/ledger/entries/{world.entry.seq}")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response.content == bytes(world.entry.canonical)
        genesis = client.get("/ledger/entries/0")
        assert genesis.status_code == 200


def test_a_trader_reads_only_its_own_companys_entries(client, world):
    client.force_login(world.trader)
    assert client.get(f"/ledger/entries/{world.entry.seq}").status_code == 200
    assert client.get("/ledger/entries/0").status_code == 404

    client.force_login(world.other_trader)
    response = client.get(f"/ledger/entries/{world.entry.seq}")
    assert response.status_code == 404
    assert error_of(response) == f"no entry {world.entry.seq} that you may read"


def test_entries_need_a_login(client, world):
    response = client.get(f"/ledger/entries/{world.entry.seq}")
    assert response.status_code == 403
    assert error_of(response) == "log in to read ledger entries"


@pytest.mark.parametrize(
    ("seq", "status", "message"),
    [
        ("x1", 400, "seq must be a non-negative integer, got 'x1'"),
        ("-1", 400, "seq must be a non-negative integer, got '-1'"),
        ("123456", 404, "no entry 123456 that you may read"),
    ],
)
def test_bad_entry_numbers_are_named(client, world, seq, status, message):
    client.force_login(world.auditor)
    response = client.get(f"/ledger/entries/{seq}")
    assert response.status_code == status
    assert error_of(response) == message


def test_missing_keys_answer_503_not_500(client, settings, tmp_path):
    settings.EPORT_KEYS_DIR = tmp_path / "nowhere"
    response = client.get("/ledger/keys")
    assert response.status_code == 503
    assert "keys" in error_of(response)
