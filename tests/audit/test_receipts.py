"""Receipts of a released declaration: they verify offline and on /verify/, and any change fails."""

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
import rfc8785
from django.urls import reverse

from eport.declarations.snapshot import digest_of, snapshot
from ledger import keys, notary
from ledger.models import Entry
from ledger.receipts import ReceiptUnavailable, build_receipt
from ledger.verify_receipt import CHECKPOINT, ENTRY, INCLUSION, LEDGER_SIGNATURE, SUBJECT
from ledger.verify_receipt import verify_receipt as check
from tests.audit.support import release_receipt
from tests.declarations import factories as f

PROJECT_ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def failed(receipt, quorum=2) -> set[str]:
    report = check(receipt, keys.verifier_keys(), quorum=quorum)
    assert not report.valid
    return {item.name for item in report.failed}


@pytest.mark.smoke
def test_the_release_receipt_carries_the_declaration_and_verifies(released):
    receipt = release_receipt(released)

    report = check(receipt, keys.verifier_keys(), quorum=2)
    assert report.valid, str(report)
    entry = json.loads(base64.b64decode(receipt["entry"]))
    assert entry["action"] == "declaration.released"
    assert receipt["subject"]["number"] == released.number
    assert report.get(SUBJECT).ok


def test_the_command_line_verifier_accepts_the_downloaded_receipt(
    released, client, world, tmp_path, keys_file
):
    client.force_login(world.trader)
    response = client.get(reverse("audit:receipt", args=[released.uuid]))
    assert response.status_code == 200
    path = tmp_path / "receipt.json"
    path.write_bytes(response.content)

    result = subprocess.run(
        [sys.executable, "-m", "ledger.verify_receipt", str(path), "--keys", str(keys_file)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "VALID" in result.stdout


def test_an_older_entry_receipt_omits_the_snapshot_it_cannot_prove(released):
    first = Entry.objects.filter(subject=released.ledger_subject).order_by("seq").first()

    receipt = release_receipt(released, seq=first.seq)

    assert "subject" not in receipt
    assert check(receipt, keys.verifier_keys(), quorum=2).valid


def test_a_snapshot_that_is_not_the_entrys_state_is_refused(released):
    entry = Entry.objects.filter(subject=released.ledger_subject).order_by("seq").first()

    with pytest.raises(ReceiptUnavailable, match="not entry"):
        build_receipt(entry.seq, subject=snapshot(released))


def test_an_entry_not_yet_notarized_gets_a_clear_refusal(released, world):
    f.submitted(world.trader, lane="green", lrn="LRN-2")
    head = Entry.objects.order_by("-seq").first()

    with pytest.raises(ReceiptUnavailable, match="not in a notarized checkpoint yet"):
        build_receipt(head.seq)


def _flip(data: bytes, position: int) -> bytes:
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]


def test_any_changed_byte_of_the_entry_is_rejected_by_the_inclusion_check(released):
    receipt = release_receipt(released)
    raw = base64.b64decode(receipt["entry"])

    for position in range(len(raw)):
        altered = dict(receipt, entry=base64.b64encode(_flip(raw, position)).decode())
        assert INCLUSION in failed(altered), f"byte {position} of the entry"


def test_any_changed_byte_of_the_proof_is_rejected_by_the_inclusion_check(released, world):
    # A few more entries so the proof has several hashes.
    for number in range(3):
        f.submitted(world.trader, lane="green", lrn=f"LRN-P{number}")
    notary.notarize_pending(cosign="inline")
    receipt = release_receipt(released)
    assert len(receipt["inclusion"]) >= 2

    for which, encoded in enumerate(receipt["inclusion"]):
        raw = base64.b64decode(encoded)
        for position in range(len(raw)):
            hashes = list(receipt["inclusion"])
            hashes[which] = base64.b64encode(_flip(raw, position)).decode()
            assert INCLUSION in failed(dict(receipt, inclusion=hashes)), (which, position)


def test_any_changed_byte_of_the_checkpoint_is_rejected(released):
    # With all three witnesses required, every byte of the note counts. (With a quorum of two, a
    # third signature line whose key name was mangled is ignored as untrusted, as note.Open does.)
    receipt = release_receipt(released)
    note = receipt["checkpoint"].encode("utf-8")
    assert note.count("\n— ".encode()) == 4

    for position in range(len(note)):
        altered = _flip(note, position).decode("utf-8", errors="replace")
        names = failed(dict(receipt, checkpoint=altered), quorum=3)
        # Depending on the byte: the note no longer parses, a signature no longer verifies,
        # or the size/root no longer match the proof.
        assert names & {CHECKPOINT, LEDGER_SIGNATURE, "witnesses", INCLUSION, "tree size"}, (
            position,
            names,
        )


def test_any_changed_value_of_the_subject_is_rejected_by_the_subject_check(released):
    receipt = release_receipt(released)
    subject = receipt["subject"]
    canonical = rfc8785.dumps(subject)
    assert digest_of(subject) == json.loads(base64.b64decode(receipt["entry"]))["data"]["state"]

    changed = 0
    for key, value in subject.items():
        if isinstance(value, str) and value:
            altered = dict(subject, **{key: value[:-1] + chr(ord(value[-1]) ^ 0x01)})
            assert rfc8785.dumps(altered) != canonical
            assert failed(dict(receipt, subject=altered)) == {SUBJECT}, key
            changed += 1
    assert changed > 10
    items = [dict(subject["items"][0], invoice_value="1000.01")]
    assert failed(dict(receipt, subject=dict(subject, items=items))) == {SUBJECT}


def test_a_receipt_with_the_entry_of_another_seq_is_rejected(released):
    receipt = release_receipt(released)
    other = Entry.objects.get(seq=1)

    altered = dict(receipt, entry=base64.b64encode(bytes(other.canonical)).decode())

    assert {INCLUSION, ENTRY} <= failed(altered)


# --- Downloads: who may have which receipt --------------------------------------------------


def test_the_trader_officer_and_auditor_download_the_receipt(released, client, world):
    for person in (world.trader, world.officer, world.auditor):
        client.force_login(person)
        response = client.get(reverse("audit:receipt", args=[released.uuid]))
        assert response.status_code == 200, person.username
        assert response["Content-Disposition"].startswith("attachment;")
        assert json.loads(response.content)["subject"]["number"] == released.number


def test_another_companys_declaration_has_no_receipts(released, client, world):
    client.force_login(world.trader2)

    for name in ("audit:receipt", "audit:receipts", "audit:release_note"):
        assert client.get(reverse(name, args=[released.uuid])).status_code == 404


def test_a_declaration_not_yet_released_says_when_receipts_come(world, ledger_keys, client):
    declaration = f.submitted(world.trader, lane="yellow")
    notary.notarize_pending(cosign="inline")
    client.force_login(world.trader)

    response = client.get(reverse("audit:receipt", args=[declaration.uuid]))

    assert response.status_code == 409
    assert "once customs releases the goods" in response.content.decode()


def test_the_receipts_page_lists_every_entry_and_which_carry_the_snapshot(released, client, world):
    client.force_login(world.trader)

    response = client.get(reverse("audit:receipts", args=[released.uuid]))

    page = response.content.decode()
    assert response.status_code == 200
    assert (
        page.count("not included:")
        == Entry.objects.filter(subject=released.ledger_subject).count() - 1
    )
    assert "Release note (PDF)" in page


# --- Release note PDF ------------------------------------------------------------------------


def test_the_release_note_is_byte_identical_and_carries_the_verification_link(
    released, client, world
):
    client.force_login(world.trader)
    url = reverse("audit:release_note", args=[released.uuid])

    first = client.get(url)
    second = client.get(url)

    assert first.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert first.content.startswith(b"%PDF-")
    assert first.content == second.content
    release = Entry.objects.get(subject=released.ledger_subject, action="declaration.released")
    assert release.entry_hash.encode() in first.content
    assert f"/verify/?seq={release.seq}&entry={release.entry_hash}".encode() in first.content
    assert released.number.encode() in first.content
    created = release.time.strftime("D:%Y%m%d%H%M%S").encode()
    assert created in first.content
