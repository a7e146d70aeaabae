"""The public /verify/ page: no login, every check shown, garbage answered, never a 500."""

import base64
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ledger.models import Entry
from tests.audit.support import release_receipt

pytestmark = pytest.mark.django_db
URL = "/verify/"


@pytest.mark.smoke
def test_a_pasted_receipt_is_valid_with_every_check_and_the_declaration(released, client):
    receipt = release_receipt(released)

    response = client.post(URL, {"receipt": json.dumps(receipt)})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Valid: this entry is in the notarized ledger" in page
    for check in ("keys", "ledger signature", "witnesses", "inclusion", "subject"):
        assert f'data-check="{check}"' in page
    assert "customs.witness" in page and "quorum 2" in page
    assert f"Declaration {released.number}" in page


def test_an_uploaded_receipt_file_is_checked(released, client):
    content = json.dumps(release_receipt(released)).encode()

    response = client.post(URL, {"receipt_file": SimpleUploadedFile("r.json", content)})

    assert "Valid: this entry is in the notarized ledger" in response.content.decode()


def test_a_tampered_subject_is_not_valid_and_the_failing_check_is_named(released, client):
    receipt = release_receipt(released)
    receipt["subject"]["invoice_total"] = "1.00"

    response = client.post(URL, {"receipt": json.dumps(receipt)})

    page = response.content.decode()
    assert "Not valid" in page
    assert "Failed: <strong>subject</strong>" in page
    assert 'data-testid="declaration-summary"' not in page


@pytest.mark.parametrize(
    "garbage",
    [
        "hello",
        "{}",
        "[1, 2, 3]",
        '{"format": "eport-receipt/v1"}',
        '{"format": "eport-receipt/v1", "entry": "%%%", "index": 0, "tree_size": 1, '
        '"inclusion": [], "checkpoint": "x"}',
        "\x00\x01\x02",
        "9" * 5000,
        "[" * 100000,
        '{"a": NaN}',
    ],
)
def test_garbage_gets_a_clear_verdict_not_an_error(garbage, client, ledger_keys):
    response = client.post(URL, {"receipt": garbage})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Not valid" in page
    assert 'data-check="format"' in page


def test_an_empty_form_asks_for_a_receipt(client, ledger_keys):
    response = client.post(URL, {"receipt": "  "})

    assert response.status_code == 400
    assert "Paste a receipt or choose a receipt file" in response.content.decode()


def test_a_file_that_is_too_large_is_refused_with_its_size(client, ledger_keys):
    big = SimpleUploadedFile("big.json", b" " * (1024 * 1024 + 10))

    response = client.post(URL, {"receipt_file": big})

    assert response.status_code == 400
    assert "a receipt is at most 1024 KB" in response.content.decode()


def test_binary_upload_is_not_valid(client, ledger_keys):
    response = client.post(URL, {"receipt_file": SimpleUploadedFile("x.png", b"\x89PNG\xff\xfe")})

    assert response.status_code == 200
    assert "receipt is not UTF-8 text" in response.content.decode()


def test_checks_are_rate_limited_per_address_with_a_clear_message(client, settings, ledger_keys):
    settings.EPORT_VERIFY_RATE_LIMIT = 3
    for _ in range(3):
        assert client.post(URL, {"receipt": "{}"}).status_code == 200

    response = client.post(URL, {"receipt": "{}"})

    assert response.status_code == 429
    assert "Too many checks from your address" in response.content.decode()
    other = client.post(URL, {"receipt": "{}"}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_the_release_notes_link_verifies_the_release_entry(released, client):
    release = Entry.objects.get(subject=released.ledger_subject, action="declaration.released")

    response = client.get(URL, {"seq": release.seq, "entry": release.entry_hash})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Valid: this entry is in the notarized ledger" in page
    assert f"Declaration {released.number}" in page


def test_a_link_with_a_wrong_hash_is_refused(released, client):
    release = Entry.objects.get(subject=released.ledger_subject, action="declaration.released")

    response = client.get(URL, {"seq": release.seq, "entry": "0" * 64})

    assert response.status_code == 404
    assert "was not issued here, or it was altered" in response.content.decode()


def test_a_link_to_an_entry_that_is_not_a_release_reveals_nothing(released, client):
    entry = Entry.objects.filter(subject=released.ledger_subject).order_by("seq").first()

    response = client.get(URL, {"seq": entry.seq, "entry": entry.entry_hash})

    assert response.status_code == 404
    assert released.number not in response.content.decode()


def test_scripts_get_json(released, client):
    receipt = release_receipt(released)
    entry = json.loads(base64.b64decode(receipt["entry"]))

    response = client.post(
        URL, json.dumps(receipt), content_type="application/json", HTTP_ACCEPT="application/json"
    )

    body = response.json()
    assert body["valid"] is True
    assert body["entry"]["seq"] == entry["seq"]
    assert {check["name"] for check in body["checks"]} >= {"inclusion", "subject"}


def test_the_form_needs_no_login(client, ledger_keys):
    response = client.get(reverse("audit:verify"))

    assert response.status_code == 200
    assert "Verify a receipt" in response.content.decode()
