"""C2SP tlog-cosignature ``cosignature/v1`` (spec section 4): key ids, key strings, the signed
message and the signature line, checked against an independent reading of the specification."""

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger import notes

SEED = bytes(range(32))
COSIGN = b"\x04"
NAME = "customs.witness"
BODY = "eport.example/ledger\n5\n" + base64.b64encode(b"\x07" * 32).decode() + "\n"
TIME = 1_765_000_000


def cosigner():
    skey = notes.signer_key_string(NAME, SEED, notes.ALGORITHM_COSIGNATURE_V1)
    return notes.Signer.from_string(skey)


def test_a_cosigner_key_is_the_0x04_form_with_its_own_key_id():
    public = Ed25519PrivateKey.from_private_bytes(SEED).public_key().public_bytes_raw()
    expected_id = hashlib.sha256(NAME.encode() + b"\n" + b"\x04" + public).digest()[:4]
    signer = cosigner()
    assert signer.key_id == expected_id
    assert signer.verifier_key == (
        f"{NAME}+{expected_id.hex()}+{base64.b64encode(COSIGN + public).decode()}"
    )
    skey = notes.signer_key_string(NAME, SEED, notes.ALGORITHM_COSIGNATURE_V1)
    assert (
        skey == f"PRIVATE+KEY+{NAME}+{expected_id.hex()}+{base64.b64encode(COSIGN + SEED).decode()}"
    )
    # The same seed as a plain note key has another id: the two can never be confused.
    assert notes.Signer.from_string(notes.signer_key_string(NAME, SEED)).key_id != expected_id


def test_the_line_carries_the_time_and_signs_the_header_time_and_body():
    line = cosigner().sign(BODY, TIME)
    assert line.startswith(f"\u2014 {NAME} ")
    raw = base64.b64decode(line.split(" ")[2])
    key_id, stamp, signature = raw[:4], raw[4:12], raw[12:]
    assert key_id == cosigner().key_id and len(signature) == 64
    assert int.from_bytes(stamp, "big") == TIME
    message = b"cosignature/v1\n" + f"time {TIME}\n".encode() + BODY.encode()
    public = Ed25519PrivateKey.from_private_bytes(SEED).public_key()
    public.verify(signature, message)  # raises if it is not exactly that message


def test_open_note_accepts_cosignatures_beside_the_log_signature():
    log_skey, log_vkey = notes.generate_signer("eport.example/ledger")
    note = notes.sign_note(BODY, [notes.Signer.from_string(log_skey)])
    cosigned = notes.add_signatures(note, [cosigner()], timestamp=TIME)
    opened = notes.open_note(cosigned, [log_vkey, cosigner().verifier_key])
    assert opened.signed_by == ("eport.example/ledger", NAME)
    verifier = notes.Verifier.from_string(cosigner().verifier_key)
    assert verifier.cosigner and verifier.timestamp(opened.signatures[1].signature) == TIME


def test_a_changed_time_or_body_breaks_the_cosignature():
    signer = cosigner()
    raw = bytearray(base64.b64decode(signer.sign(BODY, TIME).split(" ")[2]))
    verifier = signer.verifier
    assert verifier.verify(BODY, bytes(raw[4:]))
    raw[11] ^= 1  # the last byte of the timestamp
    assert not verifier.verify(BODY, bytes(raw[4:]))
    assert not verifier.verify(
        BODY.replace("\n5\n", "\n6\n"), base64.b64decode(signer.sign(BODY, TIME).split(" ")[2])[4:]
    )
    assert not verifier.verify(BODY, bytes(64))  # a plain-length signature is not a cosignature


def test_a_cosigner_needs_its_time_and_lines_from_a_witness_can_be_added():
    with pytest.raises(ValueError, match="timestamp"):
        cosigner().sign(BODY)
    log_skey, log_vkey = notes.generate_signer("eport.example/ledger")
    note = notes.sign_note(BODY, [notes.Signer.from_string(log_skey)])
    answer = cosigner().sign(BODY, TIME)
    added = notes.add_signature_lines(note, [answer])
    assert added == note + answer
    assert notes.add_signature_lines(added, [answer]) == added  # the same key's line once
    notes.open_note(added, [log_vkey, cosigner().verifier_key])


def test_unknown_key_algorithms_are_refused_clearly():
    vkey = cosigner().verifier_key
    name, id_hex, key64 = vkey.split("+", 2)
    other = base64.b64encode(b"\x02" + base64.b64decode(key64)[1:]).decode()
    with pytest.raises(ValueError, match="algorithm 0x02"):
        notes.Verifier.from_string(f"{name}+{id_hex}+{other}")
