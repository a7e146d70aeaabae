"""ledger.mirror follows the real site over HTTP, keeps a verified copy and raises alarms."""

import base64
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from ledger import keys, mirror, notary, notes, tiles
from ledger.canonical import canonical_bytes
from ledger.models import Entry

from .notary_support import WITNESSES, append, ledger_keys, tamper  # noqa: F401

pytestmark = [pytest.mark.usefixtures("ledger_keys"), pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "mirror-test-token-0123456789-abcdefghijklmnopq"
SERVER_GET = mirror.Server.get


@pytest.fixture
def site(live_server, settings, tmp_path):
    settings.EPORT_LEDGER_MIRROR_TOKENS = [
        f"test.mirror:{hashlib.sha256(TOKEN.encode()).hexdigest()}"
    ]
    keys_file = tmp_path / "keys.txt"
    keys_file.write_text(
        "# the ledger and its witnesses\n" + "\n".join(keys.verifier_keys()) + "\n"
    )
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    return SimpleNamespace(
        url=live_server.url, keys=keys_file, token=token_file, store=tmp_path / "store"
    )


def grow(count: int) -> int:
    """Append ``count`` entries and notarize them with the witnesses; return the size."""
    append(count)
    notary.notarize_pending(cosign="inline")
    latest = notary.latest_notarized()
    assert latest is not None and latest.size == Entry.objects.count()
    return latest.size


def follow(site, *extra: str, quorum: int = 2) -> subprocess.CompletedProcess:
    """One round of ``python -m ledger.mirror``, as a member would run it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EPORT_"))}
    command = [sys.executable, "-m", "ledger.mirror"]
    command += [site.url, "--keys", str(site.keys), "--quorum", str(quorum)]
    command += ["--store", str(site.store), "--token-file", str(site.token), "--once", *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)


def verify_store(site, quorum: int = 2) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "ledger.mirror", "--verify-store", "--store", str(site.store)]
    command += ["--keys", str(site.keys), "--quorum", str(quorum)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT)


def accepted(result: subprocess.CompletedProcess, size: int) -> None:
    assert result.returncode == 0, result.stderr
    assert f"accepted checkpoint {size} " in result.stdout, result.stdout + result.stderr


def alarm(result: subprocess.CompletedProcess, kind: str) -> str:
    assert result.returncode == mirror.ALARMS[kind], (result.returncode, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.startswith("ALARM ")]
    assert len(lines) == 1 and lines[0].startswith(f"ALARM {kind}: "), result.stderr
    return lines[0]


def stored_sizes(site) -> list[int]:
    return sorted(int(p.name) for p in (site.store / "checkpoints").iterdir())


def b64(data) -> str:
    return base64.b64encode(bytes(data)).decode()


def entry_bytes(seq: int) -> bytes:
    return bytes(Entry.objects.get(seq=seq).canonical)


# --- Following a growing log ----------------------------------------------------------------------


def test_the_mirror_follows_a_growing_log_and_its_store_verifies_offline(site, client):
    assert grow(299) == 300
    accepted(follow(site), 300)
    assert follow(site).returncode == 0  # nothing new: nothing to do, no alarm
    assert grow(213) == 513
    grow(100)  # two checkpoints between two rounds: the mirror takes the latest
    accepted(follow(site), 613)
    assert grow(1) == 614  # one entry: a partial tile one wider
    accepted(follow(site), 614)
    assert stored_sizes(site) == [300, 614] or stored_sizes(site) == [300, 613, 614]

    # The store is the log's own tiles and entries, byte for byte.
    assert (site.store / "checkpoint").read_text() == client.get("/ledger/checkpoint").text
    for tile in tiles.tiles_for(614):
        assert (site.store / tile.path).read_bytes() == client.get(f"/ledger/{tile.path}").content
        if tile.level == 0:
            stored = tiles.decode_bundle((site.store / tile.entries_path).read_bytes())
            start = tile.index * 256
            assert stored == [entry_bytes(seq) for seq in range(start, start + tile.width)]
    assert not list(site.store.glob("tile/0/001.p/*"))  # superseded partial tiles are gone
    assert not list(site.store.rglob(".*.tmp-*"))

    result = verify_store(site)
    assert result.returncode == 0, result.stderr
    assert "verified 614 entries" in result.stdout


def test_a_smaller_checkpoint_that_agrees_is_kept_and_the_mirror_restarts_cleanly(site):
    grow(299)
    accepted(follow(site), 300)
    # What a run killed while writing leaves behind: a temporary file.
    leftover = site.store / "tile" / "0" / ".000.tmp-1-2"
    leftover.write_bytes(b"half a tile")
    grow(10)
    accepted(follow(site), 310)
    assert not leftover.exists()
    assert verify_store(site).returncode == 0


def test_a_mirror_killed_before_its_commit_point_restarts_from_what_it_accepted(
    site, monkeypatch, capsys
):
    grow(299)
    accepted(follow(site), 300)
    grow(300)
    save_checkpoint = mirror.Store.save_checkpoint

    def killed(self, size, note, *, latest):
        raise KeyboardInterrupt  # the tiles and bundles of 600 are written, its checkpoint not

    monkeypatch.setattr(mirror.Store, "save_checkpoint", killed)
    status, _ = run_in_process(site, monkeypatch, capsys, {})
    assert status == 130
    assert (site.store / "tile" / "entries" / "002.p" / "88").exists()
    assert stored_sizes(site) == [300]
    assert verify_store(site).returncode == 0  # still the copy of size 300
    monkeypatch.setattr(mirror.Store, "save_checkpoint", save_checkpoint)
    accepted(follow(site), 600)
    result = verify_store(site)
    assert result.returncode == 0, result.stderr
    assert "verified 600 entries" in result.stdout


def test_below_the_quorum_nothing_is_accepted(site):
    grow(10)
    result = follow(site, quorum=4)
    assert result.returncode == mirror.EXIT_QUORUM, result.stderr
    assert "carries 3 cosignature(s)" in result.stderr and "the quorum is 4" in result.stderr
    assert not (site.store / "checkpoint").exists()


def test_without_the_token_the_mirror_reports_the_refusal(site):
    grow(10)
    site.token.write_text("not-the-token\n")
    result = follow(site)
    assert result.returncode == mirror.EXIT_NETWORK, result.stderr
    assert "HTTP 403" in result.stderr and "not one of this server's mirror tokens" in result.stderr
    assert "ALARM" not in result.stderr


def test_an_unreachable_server_is_not_an_alarm(site):
    site.url = "http://127.0.0.1:9"  # discard: nothing listens
    result = follow(site)
    assert result.returncode == mirror.EXIT_NETWORK
    assert "network: GET http://127.0.0.1:9/ledger/checkpoint" in result.stderr
    assert "ALARM" not in result.stderr


# --- Alarms ---------------------------------------------------------------------------------------


def test_a_changed_entry_is_an_alarm_naming_its_seq(site):
    grow(299)
    accepted(follow(site), 300)
    grow(100)
    content = json.loads(entry_bytes(350))
    content["data"]["n"] = 999_999
    tamper("UPDATE ledger_entry SET canonical = %s WHERE seq = %s", [canonical_bytes(content), 350])
    line = alarm(follow(site), "entry")
    leaf = b64(hashlib.sha256(b"\x00" + canonical_bytes(content)).digest())
    assert line.startswith(
        f"ALARM entry: seq 350 (tile/entries/001.p/144, position 94): its leaf hash {leaf} "
        "is not hash 94 of tile/0/001.p/144"
    )
    assert stored_sizes(site) == [300]  # nothing of the bad checkpoint was accepted
    assert verify_store(site).returncode == 0


def test_entries_checked_in_worker_processes_raise_the_same_alarms(site):
    assert grow(2299) == 2300  # nine bundles: checked by worker processes
    accepted(follow(site, "--processes", "2"), 2300)
    grow(2000)
    content = json.loads(entry_bytes(3999))
    content["prev"] = "ab" * 32
    tamper(
        "UPDATE ledger_entry SET canonical = %s WHERE seq = %s", [canonical_bytes(content), 3999]
    )
    line = alarm(follow(site, "--processes", "2"), "entry")
    assert line.startswith("ALARM entry: seq 3999 (tile/entries/015, position 159): prev is ")
    result = verify_store(site)
    assert result.returncode == 0, result.stderr
    assert "verified 2300 entries" in result.stdout
    # The first entry of a bundle is linked to the bundle before it in the mirror's own process.
    content = json.loads(entry_bytes(3840))
    content["prev"] = "cd" * 32
    tamper(
        "UPDATE ledger_entry SET canonical = %s WHERE seq = %s", [canonical_bytes(content), 3840]
    )
    line = alarm(follow(site, "--processes", "2"), "entry")
    assert line.startswith("ALARM entry: seq 3840 (tile/entries/015, position 0): prev is 'cdcd")


def test_a_broken_hash_chain_is_an_alarm(site):
    grow(20)
    content = json.loads(entry_bytes(7))
    content["prev"] = "ab" * 32
    tamper("UPDATE ledger_entry SET canonical = %s WHERE seq = %s", [canonical_bytes(content), 7])
    line = alarm(follow(site), "entry")
    assert f"seq 7 (tile/entries/000.p/{Entry.objects.count()}, position 7): prev is " in line
    assert f"but the SHA-256 of entry 6 is {hashlib.sha256(entry_bytes(6)).hexdigest()}" in line


def test_a_changed_tile_is_an_alarm_naming_it(site):
    assert grow(599) == 600
    tamper("UPDATE ledger_node SET hash = %s WHERE level = 0 AND index = 5", [b"\x07" * 32])
    line = alarm(follow(site), "tile")
    assert line.startswith("ALARM tile: tile/0/000 hashes to ")
    assert "but hash 0 of tile/1/000.p/2 is " in line
    assert not (site.store / "checkpoints").exists()


def test_a_tile_that_rewrites_what_was_accepted_is_an_inconsistency(site):
    grow(299)
    accepted(follow(site), 300)
    grow(100)
    tamper("UPDATE ledger_node SET hash = %s WHERE level = 0 AND index = 260", [b"\x07" * 32])
    line = alarm(follow(site), "inconsistent")
    assert line.startswith(
        "ALARM inconsistent: tile/0/001.p/144 of the checkpoint of size 400 changes hash 4 of "
        "tile/0/001.p/44 of the accepted checkpoint of size 300: "
    )
    assert line.endswith(" became " + b64(b"\x07" * 32))


def forged(size: int, root: bytes) -> str:
    """A checkpoint signed by the ledger's and two witnesses' real keys: a split view."""
    body = notes.checkpoint_body(keys.ledger_key_name(), size, root)
    signers = [keys.ledger_signer(), *(keys.signer(name) for name in WITNESSES[:2])]
    return notes.sign_note(body, signers, timestamp=1_800_000_000)


def run_in_process(site, monkeypatch, capsys, serve: dict[str, str]) -> tuple[int, str]:
    """The mirror in this process, the server's answers for the paths in ``serve`` replaced."""

    def get(self, path, **kwargs):
        if path in serve:
            return serve[path].encode()
        return SERVER_GET(self, path, **kwargs)

    monkeypatch.setattr(mirror.Server, "get", get)
    arguments = [site.url, "--keys", str(site.keys), "--quorum", "2", "--store", str(site.store)]
    status = mirror.main([*arguments, "--token-file", str(site.token), "--once"])
    return status, capsys.readouterr().err


def test_a_second_root_for_an_accepted_size_is_a_split_view(site, monkeypatch, capsys):
    grow(299)
    accepted(follow(site), 300)
    body, _ = notes.parse_note((site.store / "checkpoints" / "300").read_text())
    root = notes.parse_checkpoint(body).root
    other = hashlib.sha256(b"another history").digest()
    status, err = run_in_process(site, monkeypatch, capsys, {"checkpoint": forged(300, other)})
    assert status == mirror.ALARMS["split-view"]
    assert (
        f"ALARM split-view: the latest checkpoint has size 300 and root {b64(other)}; the "
        f"checkpoint of size 300 accepted before has root {b64(root)} at that size"
    ) in err


def test_a_second_root_served_for_an_older_size_is_a_split_view(site, monkeypatch, capsys):
    grow(299)
    accepted(follow(site), 300)
    grow(5)
    other = hashlib.sha256(b"another history").digest()
    status, err = run_in_process(site, monkeypatch, capsys, {"checkpoint/300": forged(300, other)})
    assert status == mirror.ALARMS["split-view"]
    assert f"ALARM split-view: checkpoint/300 has size 300 and root {b64(other)}" in err
    # A smaller size the mirror never saw is compared with its own tree at that size.
    status, err = run_in_process(site, monkeypatch, capsys, {"checkpoint": forged(200, other)})
    assert status == mirror.ALARMS["split-view"]
    assert "the tree this mirror verified up to size 300 has root " in err


def test_a_checkpoint_signed_by_another_key_is_an_alarm(site, monkeypatch, capsys):
    grow(10)
    skey, _ = notes.generate_signer(keys.ledger_key_name())
    body = notes.checkpoint_body(keys.ledger_key_name(), 10, b"\x01" * 32)
    note = notes.sign_note(body, [notes.Signer.from_string(skey)])
    status, err = run_in_process(site, monkeypatch, capsys, {"checkpoint": note})
    assert status == mirror.ALARMS["signature"]
    assert "ALARM signature: the latest checkpoint is signed by no key of the keys file" in err


def test_offline_verification_finds_a_changed_stored_entry(site):
    grow(299)
    accepted(follow(site), 300)
    bundle = site.store / "tile" / "entries" / "000"
    entries = tiles.decode_bundle(bundle.read_bytes())
    entries[3] = entries[3].replace(b'"n":2', b'"n":5')
    bundle.write_bytes(tiles.encode_bundle(entries))
    result = verify_store(site)
    line = alarm(result, "entry")
    assert line.startswith(
        "ALARM entry: seq 3 (stored tile/entries/000, position 3): its leaf hash "
    )
