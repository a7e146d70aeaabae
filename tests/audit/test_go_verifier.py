"""The same receipt checked by Go's golang.org/x/mod/sumdb note and tlog packages."""

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ledger import keys, notes
from tests.audit.support import release_receipt

PROGRAM = Path(__file__).resolve().parents[2] / "ledger" / "contrib" / "verify_receipt.go"
GOPATH = os.environ.get("EPORT_GOPATH", "/usr/share/gocode")  # Debian's golang-golang-x-mod-dev

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def go_verifier(tmp_path_factory):
    if shutil.which("go") is None or not Path(GOPATH, "src/golang.org/x/mod/sumdb").is_dir():
        pytest.skip("needs Go and golang.org/x/mod (Debian: golang-go golang-golang-x-mod-dev)")
    folder = tmp_path_factory.mktemp("go")
    shutil.copy(PROGRAM, folder / "verify_receipt.go")
    env = dict(
        os.environ, GOPATH=GOPATH, GO111MODULE="off", GOCACHE=str(folder / "cache"), GOFLAGS=""
    )
    subprocess.run(
        ["go", "build", "-o", "verify_receipt", "verify_receipt.go"],
        cwd=folder,
        env=env,
        check=True,
        capture_output=True,
    )
    return folder / "verify_receipt"


def run(go_verifier, receipt, keys_file, tmp_path):
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(receipt))
    return subprocess.run(
        [str(go_verifier), "-keys", str(keys_file), str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_go_accepts_our_receipt(go_verifier, released, keys_file, tmp_path):
    result = run(go_verifier, release_receipt(released), keys_file, tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "VALID" in result.stdout
    assert "✓ inclusion" in result.stdout


def test_go_rejects_a_changed_entry_byte(go_verifier, released, keys_file, tmp_path):
    receipt = release_receipt(released)
    raw = bytearray(base64.b64decode(receipt["entry"]))
    raw[10] ^= 1
    receipt["entry"] = base64.b64encode(bytes(raw)).decode()

    result = run(go_verifier, receipt, keys_file, tmp_path)

    assert result.returncode == 1
    assert "INVALID: inclusion" in result.stdout


def test_go_rejects_a_changed_checkpoint(go_verifier, released, keys_file, tmp_path):
    receipt = release_receipt(released)
    body, _, signatures = receipt["checkpoint"].partition("\n\n")
    origin, size, root = body.split("\n")
    other = "E" if root[-2] == "A" else "A"  # both leave the padding bits zero
    receipt["checkpoint"] = f"{origin}\n{size}\n{root[:-2]}{other}=\n\n{signatures}"

    result = run(go_verifier, receipt, keys_file, tmp_path)

    assert result.returncode == 1
    assert "INVALID: checkpoint signatures" in result.stdout


COSIGNED_AT = 1_765_000_000


def cosigners(*names):
    """Fresh C2SP cosignature/v1 (0x04) witness keys: (signers, verifier key strings)."""
    pairs = [notes.generate_signer(name, notes.ALGORITHM_COSIGNATURE_V1) for name in names]
    return [notes.Signer.from_string(skey) for skey, _ in pairs], [vkey for _, vkey in pairs]


def recosigned(receipt, signers):
    """The receipt with its checkpoint's body signed anew by ``signers`` (witnesses cosign)."""
    body, _, _ = receipt["checkpoint"].partition("\n\n")
    return dict(receipt, checkpoint=notes.sign_note(body + "\n", signers, timestamp=COSIGNED_AT))


def write_keys(tmp_path, vkeys):
    path = tmp_path / "cosign-keys.txt"
    path.write_text("\n".join(vkeys) + "\n")
    return path


def test_go_accepts_cosignature_v1_witnesses(go_verifier, released, tmp_path):
    witnesses, witness_vkeys = cosigners("alliance.example/a", "alliance.example/b")
    receipt = recosigned(release_receipt(released), [keys.ledger_signer(), *witnesses])
    assert receipt["checkpoint"].count("\u2014 ") == 3
    keys_path = write_keys(tmp_path, [str(keys.ledger_verifier()), *witness_vkeys])

    result = run(go_verifier, receipt, keys_path, tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "and 2 witness(es)" in result.stdout
    assert "VALID" in result.stdout


def test_go_rejects_a_changed_cosignature_timestamp(go_verifier, released, tmp_path):
    witnesses, witness_vkeys = cosigners("alliance.example/a", "alliance.example/b")
    receipt = recosigned(release_receipt(released), [keys.ledger_signer(), *witnesses])
    body, _, signatures = receipt["checkpoint"].partition("\n\n")
    lines = signatures.splitlines()
    dash, name, signature = lines[2].split(" ")
    assert name == "alliance.example/b"
    raw = bytearray(base64.b64decode(signature))
    raw[4 + 7] ^= 1  # after the key id, the last byte of the 8-byte timestamp
    lines[2] = f"{dash} {name} {base64.b64encode(bytes(raw)).decode()}"
    receipt["checkpoint"] = body + "\n\n" + "\n".join(lines) + "\n"
    keys_path = write_keys(tmp_path, [str(keys.ledger_verifier()), *witness_vkeys])

    result = run(go_verifier, receipt, keys_path, tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "INVALID: checkpoint signatures" in result.stdout


def test_go_still_accepts_plain_witness_lines_beside_cosigning_keys(
    go_verifier, released, tmp_path
):
    # A checkpoint cosigned before cosignature/v1: its witnesses signed plain Ed25519 (0x01) lines.
    pairs = [notes.generate_signer(name) for name in ("customs.witness", "bank.witness")]
    plain = [notes.Signer.from_string(skey) for skey, _ in pairs]
    receipt = recosigned(release_receipt(released), [keys.ledger_signer(), *plain])
    _, witness_vkeys = cosigners("alliance.example/a", "alliance.example/b")
    ledger_vkey = str(keys.ledger_verifier())
    keys_path = write_keys(tmp_path, [ledger_vkey, *(vkey for _, vkey in pairs), *witness_vkeys])

    result = run(go_verifier, receipt, keys_path, tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "VALID" in result.stdout


def test_go_does_not_take_a_cosigning_key_named_after_the_ledger_for_the_ledger(
    go_verifier, released, tmp_path
):
    origin = keys.ledger_key_name()
    impostors, impostor_vkeys = cosigners(origin)
    witnesses, witness_vkeys = cosigners("alliance.example/a", "alliance.example/b")
    receipt = recosigned(release_receipt(released), [*impostors, *witnesses])
    assert receipt["checkpoint"].partition("\n\n")[0].split("\n")[0] == origin
    keys_path = write_keys(tmp_path, [*impostor_vkeys, *witness_vkeys])

    result = run(go_verifier, receipt, keys_path, tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    assert f"INVALID: ledger signature: no valid signature by {origin}" in result.stdout

    # With the ledger's own Ed25519 key beside it, the same witnesses make it valid.
    receipt = recosigned(receipt, [keys.ledger_signer(), *impostors, *witnesses])
    keys_path = write_keys(tmp_path, [str(keys.ledger_verifier()), *impostor_vkeys, *witness_vkeys])
    result = run(go_verifier, receipt, keys_path, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "and 2 witness(es)" in result.stdout
