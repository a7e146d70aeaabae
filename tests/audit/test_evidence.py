"""Evidence export: one zip that verifies offline with what it carries."""

import io
import json
import subprocess
import sys
import zipfile

import pytest
from django.urls import reverse

from ledger import keys
from ledger.models import Entry
from ledger.services import record
from ledger.verify_receipt import verify_receipt

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor_client(client, world):
    client.force_login(world.auditor)
    return client


def open_zip(response) -> tuple[zipfile.ZipFile, str]:
    assert response.status_code == 200, response.content[:500]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    root = archive.namelist()[0].split("/")[0]
    return archive, root


def test_a_declarations_evidence_holds_every_entry_with_a_verifying_receipt(
    released, auditor_client
):
    response = auditor_client.get(
        reverse("audit:evidence_download"), {"declaration": released.number}
    )

    archive, root = open_zip(response)
    names = set(archive.namelist())
    entries = Entry.objects.filter(subject=released.ledger_subject).order_by("seq")
    lines = archive.read(f"{root}/entries.jsonl").splitlines()
    assert lines == [bytes(entry.canonical) for entry in entries]
    trusted = archive.read(f"{root}/keys.txt").decode().split()
    assert trusted == keys.verifier_keys()
    with_subject = 0
    for entry in entries:
        receipt = json.loads(archive.read(f"{root}/receipts/{entry.seq}.json"))
        assert verify_receipt(receipt, trusted, quorum=2).valid
        with_subject += "subject" in receipt
    assert with_subject == 1
    for name in ("README.txt", "manifest.json", "checkpoint.txt", "declaration.json", "verify.sh"):
        assert f"{root}/{name}" in names
    assert "python3 -m ledger.verify_receipt" in archive.read(f"{root}/README.txt").decode()


def test_the_bundled_verifier_runs_from_the_unpacked_zip(released, auditor_client, tmp_path):
    response = auditor_client.get(
        reverse("audit:evidence_download"), {"declaration": released.number}
    )
    archive, root = open_zip(response)
    archive.extractall(tmp_path)
    folder = tmp_path / root
    release = Entry.objects.get(subject=released.ledger_subject, action="declaration.released")

    # Run from the package's folder with only its verifier on the path, not this project.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ledger.verify_receipt",
            f"receipts/{release.seq}.json",
            "--keys",
            "keys.txt",
        ],
        cwd=folder,
        env={"PYTHONPATH": str(folder / "verifier"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "✓ subject" in result.stdout


def test_the_zip_is_the_same_bytes_when_nothing_changed(released, auditor_client):
    url = reverse("audit:evidence_download")

    first = auditor_client.get(url, {"from": 0, "to": 3}).content
    second = auditor_client.get(url, {"from": 0, "to": 3}).content

    assert first == second


def test_entries_not_yet_notarized_are_refused_with_the_reason(released, auditor_client):
    entry = record(actor="system:test", action="thing.touched", subject="thing:1", data={})

    response = auditor_client.get(reverse("audit:evidence_download"), {"from": 0, "to": entry.seq})

    assert response.status_code == 400
    assert f"entry {entry.seq} is not in a notarized checkpoint yet" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "give a declaration, or both ends of a seq range"),
        ({"from": 5, "to": 2}, "not end before it starts"),
        ({"from": 0, "to": 20000}, "at most 10,000 entries fit in one package"),
        ({"declaration": "123"}, "is not a subject"),
    ],
)
def test_bad_exports_are_explained(params, message, released, auditor_client):
    response = auditor_client.get(reverse("audit:evidence_download"), params)

    assert response.status_code == 400
    assert message in response.content.decode()
