"""Go's golang.org/x/mod sumdb/note and sumdb/tlog accept our checkpoints and proofs unchanged."""

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ledger import keys, merkle, notary

from .notary_support import append, leaf_hashes, ledger_keys  # noqa: F401

PROGRAM = Path(__file__).parent / "interop" / "tlogcheck.go"
GOPATH = Path("/usr/share/gocode")  # Debian's golang-golang-x-mod-dev

pytestmark = [pytest.mark.usefixtures("ledger_keys"), pytest.mark.django_db]


@pytest.fixture(scope="module")
def tlogcheck(tmp_path_factory):
    if shutil.which("go") is None or not (GOPATH / "src/golang.org/x/mod/sumdb").is_dir():
        reason = "needs Go and golang.org/x/mod (apt-get install golang-go golang-golang-x-mod-dev)"
        if os.environ.get("DATABASE_URL", "").startswith("postgres"):
            pytest.fail(f"make test installs them: {reason}")
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("go")
    binary = folder / "tlogcheck"
    env = os.environ | {
        "GO111MODULE": "off",
        "GOPATH": str(GOPATH),
        "GOCACHE": str(folder / "cache"),
        "GOFLAGS": "",
    }
    subprocess.run(
        ["go", "build", "-o", str(binary), str(PROGRAM)],
        check=True,
        env=env,
        capture_output=True,
        timeout=240,
    )
    return binary


@pytest.fixture
def auditor(django_user_model):
    return django_user_model.objects.create_user(username="auditor", role="auditor")


def run(binary, payload: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(binary)], input=json.dumps(payload), capture_output=True, text=True, timeout=60
    )


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def served_payload(client) -> dict:
    """Everything a Go verifier needs, fetched over HTTP like an outside auditor would."""
    note = client.get("/ledger/checkpoint").content.decode()
    size = int(note.split("\n")[1])
    records = []
    for index in sorted({0, 1, size // 2, size - 2, size - 1}):
        proof = client.get("/ledger/proof/inclusion", {"index": index, "tree_size": size}).json()
        data = client.get(f"/ledger/entries/{index}").content
        records.append({"index": index, "data": b64(data), "proof": proof["hashes"]})
    leaves = leaf_hashes()
    trees = []
    for old_size in notary.notarized_checkpoints().values_list("size", flat=True):
        proof = client.get(
            "/ledger/proof/consistency", {"old_size": old_size, "new_size": size}
        ).json()
        old_root = merkle.root_from_leaves(leaves[:old_size])
        trees.append({"old_size": old_size, "old_root": b64(old_root), "proof": proof["hashes"]})
    return {
        "note": note,
        "keys": client.get("/ledger/keys").content.decode().splitlines(),
        "quorum": notary.quorum(),
        "records": records,
        "trees": trees,
    }


def test_go_opens_our_checkpoint_and_checks_our_proofs(tlogcheck, client, auditor):
    for count in (4, 7, 1, 20):
        append(count)
        notary.notarize()
    client.force_login(auditor)
    payload = served_payload(client)

    result = run(tlogcheck, payload)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok note.Open: 4 signatures verified" in result.stdout
    assert result.stdout.count("ok tlog.CheckRecord") == len(payload["records"]) == 5
    assert result.stdout.count("ok tlog.CheckTree") == 4


def test_go_rejects_an_altered_proof_an_altered_entry_and_a_foreign_key(tlogcheck, client, auditor):
    append(12)
    notary.notarize()
    client.force_login(auditor)
    payload = served_payload(client)

    bad_proof = json.loads(json.dumps(payload))
    first = base64.b64decode(bad_proof["records"][1]["proof"][0])
    bad_proof["records"][1]["proof"][0] = b64(bytes([first[0] ^ 1]) + first[1:])
    result = run(tlogcheck, bad_proof)
    assert result.returncode == 1
    assert "FAIL tlog.CheckRecord index 1" in result.stdout

    bad_entry = json.loads(json.dumps(payload))
    data = base64.b64decode(bad_entry["records"][0]["data"])
    bad_entry["records"][0]["data"] = b64(data.replace(b"ledger.genesis", b"ledger.genesiz"))
    assert "FAIL tlog.CheckRecord index 0" in run(tlogcheck, bad_entry).stdout

    foreign = json.loads(json.dumps(payload))
    from ledger.notes import generate_signer

    foreign["keys"] = [generate_signer(keys.ledger_key_name())[1]]
    assert "FAIL note.Open" in run(tlogcheck, foreign).stdout
