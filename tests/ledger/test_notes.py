"""Signed notes, keys and checkpoints of spec section 4, byte-compatible with Go's sumdb/note."""

import base64
import pickle

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given
from hypothesis import strategies as st

from ledger import notes

# golang.org/x/mod/sumdb/note's documentation example and note_test.go.
PETER_SIGNER_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_KEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotp"
    "RZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33"
    "WWd1RvMc+QQ=\n"
)
# The C2SP signed-note specification's example.
SPEC_KEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n\n"
    "— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKu"
    "wHjG1Yu72IneyaQM=\n"
)
ROOT = bytes(range(32))


def signer(name):
    signer_key, _ = notes.generate_signer(name)
    return notes.Signer.from_string(signer_key)


# --- Go's example, byte for byte ------------------------------------------------------------------


def test_signing_gos_example_reproduces_its_signature_line_byte_for_byte():
    peter = notes.Signer.from_string(PETER_SIGNER_KEY)

    assert peter.sign(TEXT) == PETER_SIG
    assert notes.sign_note(TEXT, [peter]) == TEXT + "\n" + PETER_SIG
    assert peter.verifier_key == PETER_KEY
    assert peter.key_id.hex() == "c74f20a3"


def test_gos_example_note_opens_with_its_verifier_key():
    opened = notes.open_note((TEXT + "\n" + PETER_SIG).encode(), [PETER_KEY])

    assert opened.text == TEXT
    assert opened.signed_by == ("PeterNeumann",)
    assert opened.signatures[0].key_id == bytes.fromhex("c74f20a3")
    assert opened.unverified_signatures == ()


def test_the_c2sp_specification_example_opens():
    opened = notes.open_note(SPEC_NOTE, [SPEC_KEY])

    assert opened.text == "This is an example message.\n"
    assert opened.signed_by == ("example.com/foo",)


def test_one_signature_verifies_and_an_unknown_one_is_reported():
    opened = notes.open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [PETER_KEY])

    assert opened.signed_by == ("PeterNeumann",)
    assert [(s.name, s.key_id.hex()) for s in opened.unverified_signatures] == [
        ("EnochRoot", "af0cfe78")
    ]


def test_both_go_signatures_verify_with_both_keys():
    opened = notes.open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [PETER_KEY, ENOCH_KEY])

    assert opened.signed_by == ("PeterNeumann", "EnochRoot")


def test_a_note_no_trusted_key_signed_is_unverified_and_says_what_it_found():
    with pytest.raises(notes.UnverifiedNote, match="note has no verifiable signatures") as caught:
        notes.open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [])

    assert caught.value.note.text == TEXT
    assert [s.name for s in caught.value.note.unverified_signatures] == [
        "PeterNeumann",
        "EnochRoot",
    ]


def test_repeated_signatures_count_once_as_in_go():
    enoch_altered = ENOCH_SIG[:60] + "ABCD" + ENOCH_SIG[60:]
    note = TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG + ENOCH_SIG + enoch_altered

    opened = notes.open_note(note, [PETER_KEY])

    assert opened.signed_by == ("PeterNeumann",)
    assert [s.line for s in opened.unverified_signatures] == [ENOCH_SIG, enoch_altered]


def test_a_trusted_keys_bad_signature_rejects_the_note():
    altered = PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]

    with pytest.raises(
        notes.InvalidNoteSignature, match="invalid signature for key PeterNeumann\\+c74f20a3"
    ):
        notes.open_note(TEXT + "\n" + altered, [PETER_KEY])


def test_two_different_trusted_keys_with_one_name_and_id_are_ambiguous():
    real = notes.Verifier.from_string(ENOCH_KEY)
    impostor = notes.Verifier.__new__(notes.Verifier)
    for slot, value in [
        ("name", real.name),
        ("algorithm", real.algorithm),
        ("key_id", real.key_id),
        ("public_key", bytes(32)),
        ("_public_key", Ed25519PublicKey.from_public_bytes(bytes(32))),
    ]:
        object.__setattr__(impostor, slot, value)

    with pytest.raises(notes.AmbiguousKey, match="ambiguous key EnochRoot\\+af0cfe78"):
        notes.open_note(TEXT + "\n" + ENOCH_SIG, [real, PETER_KEY, impostor])
    # Unused ambiguity does not matter, as in Go.
    assert notes.open_note(TEXT + "\n" + PETER_SIG, [real, PETER_KEY, impostor]).signed_by == (
        "PeterNeumann",
    )


@pytest.mark.parametrize(
    ("note", "message"),
    [
        (TEXT, "no blank line"),
        (TEXT + "\n", "no signature lines"),
        (TEXT + "\n" + PETER_SIG[:-1], "does not end in a newline"),
        ("\x01" + TEXT + "\n" + PETER_SIG, "control character U\\+0001"),
        (b"\xff" + (TEXT + "\n" + PETER_SIG).encode(), "not valid UTF-8"),
        ("\ud800" + TEXT + "\n" + PETER_SIG, "not valid UTF-8"),
        (TEXT.replace("\n", "\r\n") + "\n" + PETER_SIG, "control character U\\+000D"),
        (TEXT + "\n— Bad Name " + PETER_SIG.split(" ")[2], "signature line 1: signature is not"),
        (TEXT + "\n" + PETER_SIG + "Unexpected line.\n", "line 2 does not start with an em dash"),
        (TEXT + "\n" + PETER_SIG.replace("—", "-"), "does not start with an em dash"),
        (TEXT + "\n" + PETER_SIG.replace("=\n", "\n"), "not valid base64"),
        (TEXT + "\n" + PETER_SIG.replace("M=\n", "N=\n"), "not canonical base64"),
        (TEXT + "\n— PeterNeumann\n", "too short"),
        (TEXT + "\n— PeterNeumann AAAAAA==\n", "too short"),
        (TEXT + "\n— a+b " + PETER_SIG.split(" ")[2], "contains '\\+'"),
        (TEXT + "\n" + PETER_SIG * 101, "more than 100 signatures"),
        (12, "expected text"),
    ],
)
def test_malformed_notes_are_refused_with_the_reason(note, message):
    with pytest.raises(notes.MalformedNote, match=message):
        notes.open_note(note, [PETER_KEY])


def test_one_hundred_signatures_are_allowed():
    assert notes.open_note(TEXT + "\n" + PETER_SIG * 100, [PETER_KEY]).signed_by == (
        "PeterNeumann",
    )


def test_every_single_character_change_to_a_signed_note_is_refused():
    note = TEXT + "\n" + PETER_SIG
    for position, char in enumerate(note):
        changed = note[:position] + chr(ord(char) ^ 1) + note[position + 1 :]
        with pytest.raises(notes.NoteError):
            notes.open_note(changed, [PETER_KEY])


# --- Keys -----------------------------------------------------------------------------------------


def test_every_substring_and_byte_change_of_gos_verifier_key_is_refused():
    # note_test.go TestNewVerifier.
    for start in range(len(PETER_KEY) + 1):
        for end in range(start + 1, len(PETER_KEY) + 1):
            if (start, end) != (0, len(PETER_KEY)):
                with pytest.raises(ValueError):
                    notes.Verifier.from_string(PETER_KEY[start:end])
    for position in range(len(PETER_KEY)):
        changed = (
            PETER_KEY[:position] + chr(ord(PETER_KEY[position]) + 1) + PETER_KEY[position + 1 :]
        )
        with pytest.raises(ValueError):
            notes.Verifier.from_string(changed)


def test_every_substring_and_byte_change_of_gos_signer_key_is_refused():
    # note_test.go TestNewSigner.
    key = PETER_SIGNER_KEY
    for start in range(len(key) + 1):
        for end in range(start + 1, len(key) + 1):
            if (start, end) != (0, len(key)):
                with pytest.raises(ValueError):
                    notes.Signer.from_string(key[start:end])
    for position in range(len(key)):
        changed = key[:position] + chr(ord(key[position]) + 1) + key[position + 1 :]
        with pytest.raises(ValueError):
            notes.Signer.from_string(changed)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        # note_test.go: wrong key length and unknown algorithm, each with an adjusted key id.
        (
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
            "must be 32 bytes, got 36",
        ),
        (
            "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "algorithm 0x65; only 0x01",
        ),
        ("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "expected c74f20a3"),
        ("PeterNeumann", "must look like <name>\\+<key id>\\+<base64 key>"),
        ("+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "key name is empty"),
        ("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "whitespace"),
        ("Peter\u2003+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "whitespace"),
        ("PeterNeumann+c74f20+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "8 hexadecimal"),
        ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T", "not valid base64"),
        ("PeterNeumann+c74f20a3+", "is empty"),
    ],
)
def test_bad_verifier_keys_are_refused_with_the_problem(key, message):
    with pytest.raises(ValueError, match=message):
        notes.Verifier.from_string(key)


def test_a_verifier_key_id_may_be_upper_case_as_in_go():
    verifier = notes.Verifier.from_string(PETER_KEY.replace("c74f20a3", "C74F20A3"))

    assert str(verifier) == PETER_KEY


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz", "match"),
        (
            "PUBLIC+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            "PRIVATE",
        ),
        (PETER_KEY, "must look like PRIVATE\\+KEY\\+"),
        ("PRIVATE+KEY+Peter+Neumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz", "hex"),
    ],
)
def test_bad_signer_keys_are_refused_without_echoing_the_secret(key, message):
    with pytest.raises(ValueError, match=message) as caught:
        notes.Signer.from_string(key)

    assert "AYEKFALVFGyNhPJEMzD1QIDr" not in str(caught.value)


def test_a_signer_never_shows_or_pickles_its_private_key():
    peter = notes.Signer.from_string(PETER_SIGNER_KEY)
    seed_base64 = PETER_SIGNER_KEY.rsplit("+", 2)[-2]  # part of the base64, which contains '+'

    assert repr(peter) == "Signer(name='PeterNeumann', key_id=c74f20a3)"
    assert seed_base64 not in repr(peter) and seed_base64 not in str(peter)
    with pytest.raises(TypeError, match="private key"):
        pickle.dumps(peter)


def test_a_key_line_with_its_line_ending_parses_as_in_go():
    assert str(notes.Verifier.from_string(PETER_KEY + "\r\n")) == PETER_KEY


def test_generated_keys_sign_and_verify_each_other():
    signer_key, verifier_key = notes.generate_signer("bank.witness")
    ledger_signer = notes.Signer.from_string(signer_key)
    verifier = notes.Verifier.from_string(verifier_key)

    assert signer_key.startswith(f"PRIVATE+KEY+bank.witness+{verifier.key_id.hex()}+")
    assert verifier_key == ledger_signer.verifier_key
    signature = ledger_signer.signature("hi\n")
    assert verifier.verify("hi\n", signature)
    assert not verifier.verify("hi!\n", signature)
    assert not verifier.verify("hi\n", signature[:-1])
    assert not verifier.verify("hi\n", bytes([signature[0] ^ 1]) + signature[1:])


@pytest.mark.parametrize(
    "name", ["", "a b", "a+b", "tab\there", "nl\n", "\x85", "nbsp\xa0", "\x7f\x01"]
)
def test_invalid_key_names_cannot_make_keys(name):
    with pytest.raises(ValueError, match="key name"):
        notes.generate_signer(name)


# --- Signing and cosigning ------------------------------------------------------------------------


def test_sign_note_writes_one_line_per_distinct_signer():
    ledger, witness = signer("eport.example/ledger"), signer("customs.witness")
    body = notes.checkpoint_body("eport.example/ledger", 5, ROOT)

    note = notes.sign_note(body, [ledger, witness, ledger])

    assert note == body + "\n" + ledger.sign(body) + witness.sign(body)
    assert notes.open_note(note, [ledger.verifier, witness.verifier_key]).signed_by == (
        "eport.example/ledger",
        "customs.witness",
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [("no newline", "does not end in a newline"), ("tab\t\n", "control character")],
)
def test_sign_note_refuses_a_body_a_verifier_would_refuse(body, message):
    with pytest.raises(notes.MalformedNote, match=message):
        notes.sign_note(body, [signer("a")])
    with pytest.raises(ValueError, match="at least one signer"):
        notes.sign_note("fine\n", [])


def test_cosigning_appends_after_existing_lines_and_is_idempotent():
    ledger, bank, customs = signer("ledger"), signer("bank.witness"), signer("customs.witness")
    body = notes.checkpoint_body("ledger", 9, ROOT)
    note = notes.sign_note(body, [ledger])

    cosigned = notes.add_signatures(note, [bank])
    twice = notes.add_signatures(notes.add_signatures(cosigned, [customs]), [bank, customs])

    assert cosigned == note + bank.sign(body)
    assert twice == note + bank.sign(body) + customs.sign(body)
    verifiers = [ledger.verifier, bank.verifier, customs.verifier]
    assert notes.open_note(twice, verifiers).signed_by == (
        "ledger",
        "bank.witness",
        "customs.witness",
    )


def test_cosigning_replaces_a_bad_line_of_the_same_key_in_place():
    ledger, bank = signer("ledger"), signer("bank.witness")
    body = "body\n"
    bad_line = f"— bank.witness {base64.b64encode(bank.key_id + bytes(64)).decode()}\n"
    note = body + "\n" + bad_line + ledger.sign(body)

    assert notes.add_signatures(note, [bank]) == body + "\n" + bank.sign(body) + ledger.sign(body)


# --- Checkpoints ----------------------------------------------------------------------------------


def test_a_checkpoint_body_is_exactly_three_lines():
    body = notes.checkpoint_body("eport.example/ledger", 1234, ROOT)

    assert body == ("eport.example/ledger\n1234\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n")
    assert notes.parse_checkpoint(body) == ("eport.example/ledger", 1234, ROOT)
    assert notes.parse_checkpoint(body.encode()).size == 1234


def test_extension_lines_are_accepted_and_ignored():
    body = notes.checkpoint_body("o", 7, ROOT) + "extension line\n— not a signature\n"

    assert notes.parse_checkpoint(body) == ("o", 7, ROOT)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("o\n7\n", "fewer than three lines"),
        ("o\n7\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "does not end in a newline"),
        ("o\n07\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "leading zeros"),
        ("o\n+7\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "leading zeros"),
        ("o\n٧\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "leading zeros"),
        ("o\n 7\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "leading zeros"),
        ("o\n0\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "size must be between 1"),
        (f"o\n{2**63}\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "size must be between 1"),
        ("o\n7\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n", "not valid base64"),
        ("o\n7\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=\n", "not canonical base64"),
        ("o\n7\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\n", "30 bytes, not 32"),
        ("a b\n7\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "origin"),
        ("\n7\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "origin"),
        ("o\n7\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n\n", "empty extension line"),
        ("o\r\n7\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "control character"),
    ],
)
def test_malformed_checkpoints_are_refused_with_the_reason(body, message):
    with pytest.raises(notes.MalformedNote, match=message):
        notes.parse_checkpoint(body)


@pytest.mark.parametrize(
    ("origin", "size", "root", "message"),
    [
        ("o", 0, ROOT, "between 1 and"),
        ("o", True, ROOT, "must be an integer"),
        ("o", 1, ROOT[:31], "32 bytes"),
        ("has space", 1, ROOT, "whitespace"),
        ("a+b", 1, ROOT, "'\\+'"),
    ],
)
def test_checkpoint_bodies_are_only_made_for_valid_values(origin, size, root, message):
    with pytest.raises(ValueError, match=message):
        notes.checkpoint_body(origin, size, root)


@given(
    size=st.integers(min_value=1, max_value=2**63 - 1),
    root=st.binary(min_size=32, max_size=32),
)
def test_checkpoints_round_trip(size, root):
    body = notes.checkpoint_body("eport.example/ledger", size, root)

    assert notes.parse_checkpoint(body) == ("eport.example/ledger", size, root)
