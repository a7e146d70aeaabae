"""/verify/ says its verdict in plain words first: one sentence for each way a receipt can be."""

import base64
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from eport.audit import verdict as words
from eport.web.templatetags.eport import moment
from ledger import keys, notes
from ledger.models import Entry
from ledger.verify_receipt import Check, Report
from tests.audit.support import release_receipt

pytestmark = pytest.mark.django_db
URL = "/verify/"


def check(client, receipt) -> str:
    """The page's answer to a pasted receipt (a dict is sent as its JSON)."""
    text = receipt if isinstance(receipt, str) else json.dumps(receipt)
    response = client.post(URL, {"receipt": text})
    assert response.status_code == 200
    return response.content.decode()


def verdict_of(page: str) -> str:
    """The kind of verdict the page shows (its data-verdict)."""
    return page.split('data-verdict="', 1)[1].split('"', 1)[0]


def sentence_of(page: str) -> str:
    return page.split('data-testid="verdict-sentence">', 1)[1].split("</span>", 1)[0]


def release_entry(declaration) -> Entry:
    return Entry.objects.get(subject=declaration.ledger_subject, action="declaration.released")


def test_a_genuine_release_receipt_says_so_with_the_declarations_facts(released, client, world):
    entry = release_entry(released)

    page = check(client, release_receipt(released))

    assert verdict_of(page) == words.GENUINE
    local_time = moment(entry.time)
    assert "UTC+8" in local_time
    assert sentence_of(page) == (
        f"This receipt is genuine: declaration {released.number} was released on {local_time}."
    )
    facts = page.split('data-testid="verdict-facts"', 1)[1].split("</dl>", 1)[0]
    assert f"{world.alpha.name} ({world.alpha.usci})" in facts
    assert "Released" in facts
    assert f"{released.invoice_total:,.2f} {released.invoice_currency}" in facts
    assert "Duty" in facts and "VAT" in facts
    # Words first, the technical checks folded below them.
    assert page.index("verdict-sentence") < page.index("Technical checks")
    assert page.index("Technical checks") < page.index('data-check="inclusion"')
    assert 'data-testid="verdict-newer"' not in page


def test_changed_declaration_details_are_named_as_such(released, client):
    receipt = release_receipt(released)
    receipt["subject"]["invoice_total"] = "1.00"

    page = check(client, receipt)

    assert verdict_of(page) == words.CHANGED
    assert sentence_of(page) == (
        "The declaration details in this receipt were changed after it was issued: they are "
        "not what the ledger recorded."
    )
    assert "✗" in page.split('data-testid="verdict"', 1)[1].split("</h2>", 1)[0]


def test_a_checkpoint_signed_by_another_key_is_not_from_this_eport(released, client):
    receipt = release_receipt(released)
    body, signatures = notes.parse_note(receipt["checkpoint"])
    origin = keys.ledger_key_name()
    stranger = notes.Signer.from_string(notes.generate_signer(origin)[0])
    witness_lines = "".join(s.line for s in signatures if s.name != origin)
    receipt["checkpoint"] = f"{body}\n{stranger.sign(body)}{witness_lines}"

    page = check(client, receipt)

    assert verdict_of(page) == words.FOREIGN
    assert sentence_of(page).startswith("This receipt was not signed by this e-port")


def test_an_altered_proof_means_the_entry_is_not_in_the_ledger(released, client):
    receipt = release_receipt(released)
    assert receipt["inclusion"], "a one-entry tree has no proof to alter"
    receipt["inclusion"][0] = base64.b64encode(b"\x00" * 32).decode()

    page = check(client, receipt)

    assert verdict_of(page) == words.NOT_IN_LEDGER
    assert sentence_of(page).startswith("This receipt&#x27;s entry is not in this e-port&#x27;s")


def test_a_checkpoint_without_enough_witnesses_is_not_notarized(released, client):
    receipt = release_receipt(released)
    body, signatures = notes.parse_note(receipt["checkpoint"])
    origin = keys.ledger_key_name()
    ledger_line = "".join(s.line for s in signatures if s.name == origin)
    receipt["checkpoint"] = f"{body}\n{ledger_line}"

    page = check(client, receipt)

    assert verdict_of(page) == words.NOT_NOTARIZED
    assert "has 0 of the 2 witness cosignatures it needs" in sentence_of(page)


@pytest.mark.parametrize(
    ("upload", "problem"),
    [
        ("hello", "it is not JSON"),
        ("[1, 2]", "it is JSON, but not a receipt"),
        ('{"format": "pdf"}', "it does not say it is an eport receipt"),
        ('{"format": "eport-receipt/v1"}', "its field “entry” is missing"),
        (
            '{"format": "eport-receipt/v1", "entry": "%%", "index": 0, "tree_size": 1, '
            '"inclusion": [], "checkpoint": "x"}',
            "one of its fields is malformed (entry is not valid base64)",
        ),
    ],
)
def test_something_that_is_not_a_receipt_says_what_is_wrong(upload, problem, client, ledger_keys):
    page = check(client, upload)

    assert verdict_of(page) == words.NOT_A_RECEIPT
    assert sentence_of(page).startswith("This is not an eport receipt: ")
    assert problem in page


def test_a_binary_file_is_not_text(client, ledger_keys):
    response = client.post(URL, {"receipt_file": SimpleUploadedFile("x.png", b"\x89PNG\xff")})

    page = response.content.decode()
    assert verdict_of(page) == words.NOT_A_RECEIPT
    assert "This is not an eport receipt: the file is not text." in page


def test_an_unreadable_checkpoint_is_not_a_receipt(released, client):
    receipt = release_receipt(released)
    receipt["checkpoint"] = "not a signed note"

    page = check(client, receipt)

    assert verdict_of(page) == words.NOT_A_RECEIPT
    assert "the signed checkpoint in it cannot be read" in sentence_of(page)


def test_an_older_genuine_receipt_says_a_newer_state_exists(released, client):
    submitted = Entry.objects.get(subject=released.ledger_subject, action="declaration.submitted")
    release = release_entry(released)
    later = Entry.objects.filter(subject=released.ledger_subject, seq__gt=submitted.seq).count()

    page = check(client, release_receipt(released, seq=submitted.seq))

    assert verdict_of(page) == words.GENUINE
    assert sentence_of(page) == (
        f"This receipt is genuine: ledger entry {submitted.seq}, “Submitted”, was recorded on "
        f"{moment(submitted.time)}."
    )
    newer = page.split('data-testid="verdict-newer">', 1)[1].split("</p>", 1)[0]
    assert f"recorded {later} more entries about this declaration" in newer
    assert f"the latest “Released” on {moment(release.time)}" in newer
    assert "the declaration is now released." in newer
    assert "It carries no snapshot of the declaration" in page


def test_the_verdict_is_in_the_readers_language(released, client):
    entry = release_entry(released)

    page = client.post(
        URL, {"receipt": json.dumps(release_receipt(released))}, HTTP_ACCEPT_LANGUAGE="zh-CN"
    ).content.decode()

    with translation.override("zh-hans"):
        local_time = moment(entry.time)
    assert "年" in local_time
    assert local_time in sentence_of(page)


# --- The words alone, for a report no live ledger gives ------------------------------------


def test_no_trusted_keys_means_the_receipt_could_not_be_checked():
    report = Report([Check("keys", False, "no trusted verifier keys given")])

    verdict = words.plain_verdict(report, None)

    assert verdict.kind == words.UNCHECKED and verdict.icon == "!"
    assert verdict.sentence.startswith("This receipt could not be checked")


def test_the_worst_problem_is_the_one_said():
    report = Report(
        [
            Check("keys", True, "3 trusted"),
            Check("format", True, "ok"),
            Check("checkpoint", True, "ok"),
            Check("ledger signature", False, "no signature by the ledger key x"),
            Check("witnesses", False, "0 of 3 trusted witnesses signed, quorum 2"),
            Check("inclusion", False, "proof leads elsewhere"),
            Check("subject", False, "digest differs"),
        ]
    )

    assert words.plain_verdict(report, None).kind == words.FOREIGN


def test_a_verdict_that_is_not_genuine_never_shows_facts():
    report = Report([Check("keys", True, ""), Check("subject", False, "digest differs")])

    verdict = words.plain_verdict(report, {"subject": {"company": "X", "status": "released"}})

    assert verdict.kind == words.CHANGED and verdict.facts == [] and not verdict.genuine
