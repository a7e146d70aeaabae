"""The same receipt checked by Go's golang.org/x/mod/sumdb note and tlog packages."""

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

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
