"""The standalone witness (spec section 8, C2SP tlog-witness): every clause of add-checkpoint over
real HTTP, keygen, the race of concurrent calls, a restart and a kill -9 during writes.

Pure pytest: no database; the witness runs in a thread on a free port, or as a subprocess."""

import base64
import functools
import http.client
import io
import logging
import os
import re
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import pytest

from ledger import merkle, notes, witness_server

ORIGIN = "eport.example/ledger"
WITNESS = "customs.witness"
ROOT_DIR = Path(__file__).resolve().parents[2]

LOG_SKEY, LOG_VKEY = notes.generate_signer(ORIGIN)
LOG_SIGNER = notes.Signer.from_string(LOG_SKEY)
LEAVES = [merkle.leaf_hash(b"entry %d" % i) for i in range(4096)]


def _roots():
    frontier = merkle.Frontier()
    roots = [merkle.EMPTY_ROOT]
    for leaf in LEAVES:
        frontier.append(leaf)
        roots.append(frontier.root())
    return roots


ROOTS = _roots()


@functools.cache
def subtree(level, index):
    return merkle.root_from_leaves(LEAVES[index << level : (index + 1) << level])


def root(size):
    return ROOTS[size]


def proof(old, new):
    return merkle.consistency_proof(old, new, subtree) if 0 < old < new else []


def checkpoint(size, *, root_hash=None, signers=(LOG_SIGNER,), origin=ORIGIN):
    body = notes.checkpoint_body(origin, size, root(size) if root_hash is None else root_hash)
    return notes.sign_note(body, list(signers))


def submission(old, size, *, hashes=None, note=None):
    hashes = proof(old, size) if hashes is None else hashes
    lines = "".join(base64.b64encode(h).decode() + "\n" for h in hashes)
    return f"old {old}\n{lines}\n{checkpoint(size) if note is None else note}".encode()


# --- Fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def witness_key(tmp_path):
    path = tmp_path / "witness.key"
    vkey = witness_server.keygen(WITNESS, path)
    return path, vkey


class Running:
    def __init__(self, witness):
        self.witness = witness
        self.server = witness_server.make_server(witness, "127.0.0.1", 0)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def request(self, method, path, body=None):
        return request(self.port, method, path, body)

    def add(self, body):
        return self.request("POST", "/add-checkpoint", body)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def request(port, method, path, body=None, timeout=30):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        connection.close()


def start(witness_key, state, log_keys=(LOG_VKEY,)):
    signer = witness_server.load_signer(WITNESS, witness_key[0])
    return Running(witness_server.Witness(signer, log_keys, state))


@pytest.fixture
def server(witness_key, tmp_path):
    running = start(witness_key, tmp_path / "state.sqlite")
    yield running
    running.stop()


def stored_size(running):
    rows = running.witness.latest()
    return rows[0][1] if rows else 0


def assert_one_line(body):
    text = body.decode()
    assert text.endswith("\n") and "\n" not in text[:-1] and len(text) > 1, text


# --- 200 ------------------------------------------------------------------------------------------


def test_cosigns_from_zero_then_with_a_real_consistency_proof(server, witness_key):
    before = int(time.time())
    status, content_type, body = server.add(submission(0, 3))
    assert (status, content_type) == (200, "text/plain; charset=utf-8")
    text = body.decode()
    assert text.startswith(f"\u2014 {WITNESS} ") and text.endswith("\n") and text.count("\n") == 1
    note = notes.add_signature_lines(checkpoint(3), [text])
    opened = notes.open_note(note, [witness_key[1]])
    assert opened.signed_by == (WITNESS,)
    stamp = notes.Verifier.from_string(witness_key[1]).timestamp(opened.signatures[0].signature)
    assert before <= stamp <= int(time.time())
    # Both the ledger's and the witness's signatures hold on the cosigned checkpoint.
    assert notes.open_note(note, [LOG_VKEY, witness_key[1]]).signed_by == (ORIGIN, WITNESS)

    for old, new in [(3, 7), (7, 8), (8, 16), (16, 100)]:
        assert len(proof(old, new)) > 0
        status, _, body = server.add(submission(old, new))
        assert status == 200, body
        notes.open_note(
            notes.add_signature_lines(checkpoint(new), [body.decode()]), [witness_key[1]]
        )
    assert stored_size(server) == 100


def test_the_same_checkpoint_again_is_cosigned_and_changes_nothing(server, witness_key):
    assert server.add(submission(0, 5))[0] == 200
    status, _, body = server.add(submission(5, 5))
    assert status == 200
    notes.open_note(notes.add_signature_lines(checkpoint(5), [body.decode()]), [witness_key[1]])
    assert stored_size(server) == 5
    # A non-empty proof between equal sizes does not verify.
    status, _, body = server.add(submission(5, 5, hashes=[root(5)]))
    assert status == 422
    assert_one_line(body)


def test_extra_signatures_by_unknown_keys_are_ignored(server, witness_key):
    other = notes.Signer.from_string(notes.generate_signer("someone.else")[0])
    status, _, _ = server.add(submission(0, 4, note=checkpoint(4, signers=(other, LOG_SIGNER))))
    assert status == 200


def test_get_answers_the_latest_cosigned_checkpoint(server, witness_key):
    status, content_type, body = server.request("GET", "/checkpoint")
    assert (status, content_type, body) == (200, "text/plain; charset=utf-8", b"")
    server.add(submission(0, 2))
    server.add(submission(2, 9))
    for path in ("/", "/checkpoint"):
        status, content_type, body = server.request("GET", path)
        assert (status, content_type) == (200, "text/plain; charset=utf-8")
        opened = notes.open_note(body, [LOG_VKEY, witness_key[1]])
        assert opened.signed_by == (ORIGIN, WITNESS)
        assert notes.parse_checkpoint(opened.text) == (ORIGIN, 9, root(9))
    status, _, body = server.request("HEAD", "/checkpoint")
    assert (status, body) == (200, b"")


def test_other_paths_and_methods(server):
    assert server.request("GET", "/add-checkpoint")[0] == 405
    assert server.request("POST", "/checkpoint", b"x")[0] == 405
    assert server.request("GET", "/nothing")[0] == 404


# --- 404, 403 -------------------------------------------------------------------------------------


def test_unknown_origin_is_404(server, caplog):
    skey, _ = notes.generate_signer("other.example/log")
    note = checkpoint(3, origin="other.example/log", signers=(notes.Signer.from_string(skey),))
    with caplog.at_level(logging.WARNING, logger="ledger.witness_server"):
        status, _, body = server.add(submission(0, 3, note=note))
    assert status == 404
    assert_one_line(body)
    assert "other.example/log" in caplog.text and "unknown origin" in caplog.text
    assert stored_size(server) == 0


def test_no_trusted_log_signature_is_403(server, caplog):
    # Another key under the ledger's name: a different key id, so no trusted signature.
    impostor = notes.Signer.from_string(notes.generate_signer(ORIGIN)[0])
    with caplog.at_level(logging.WARNING, logger="ledger.witness_server"):
        status, _, body = server.add(submission(0, 3, note=checkpoint(3, signers=(impostor,))))
    assert status == 403
    assert_one_line(body)
    assert ORIGIN in caplog.text and "403" in caplog.text
    # The ledger's key, but a signature over another body.
    note = checkpoint(3)
    forged = notes.checkpoint_body(ORIGIN, 3, root(4)) + note[note.index("\n\n") + 1 :]
    assert server.add(submission(0, 3, note=forged))[0] == 403
    # A cosignature key under the origin's name is not a log key.
    _, witness_vkey = notes.generate_signer(ORIGIN, notes.ALGORITHM_COSIGNATURE_V1)
    with pytest.raises(ValueError):
        witness_server.Witness(LOG_SIGNER, [LOG_VKEY], ":memory:")
    with pytest.raises(ValueError):
        witness_server.Witness(
            notes.Signer.from_string(
                notes.generate_signer(WITNESS, notes.ALGORITHM_COSIGNATURE_V1)[0]
            ),
            [witness_vkey],
            ":memory:",
        )
    assert stored_size(server) == 0


# --- 400 ------------------------------------------------------------------------------------------


def test_old_above_size_is_400(server, caplog):
    with caplog.at_level(logging.WARNING, logger="ledger.witness_server"):
        status, _, body = server.add(submission(6, 5, hashes=[]))
    assert status == 400
    assert_one_line(body)
    assert ORIGIN in caplog.text and "exceeds" in caplog.text


def _malformed():
    good = checkpoint(3)
    body = notes.checkpoint_body(ORIGIN, 3, root(3))
    size_zero = good.replace("\n3\n", "\n0\n", 1)
    hashes = "".join(base64.b64encode(h).decode() + "\n" for h in proof(2, 3))
    return {
        "empty": b"",
        "no newline": b"old 0",
        "not utf-8": b"old 0\n\n\xff\xfe",
        "leading zero": f"old 00\n\n{good}".encode(),
        "negative": f"old -1\n\n{good}".encode(),
        "not old": f"new 0\n\n{good}".encode(),
        "two spaces": f"old  0\n\n{good}".encode(),
        "unicode digits": f"old \u0663\n\n{good}".encode(),
        "huge old": f"old {2**64}\n\n{good}".encode(),
        "no empty line": f"old 2\n{hashes}".encode(),
        "no checkpoint": f"old 2\n{hashes}\n".encode(),
        "proof not base64": f"old 2\n!!!!\n\n{good}".encode(),
        "proof short hash": f"old 2\n{base64.b64encode(b'x' * 31).decode()}\n\n{good}".encode(),
        "proof non-canonical": f"old 2\n{'A' * 42}B=\n\n{good}".encode(),
        "proof with space": f"old 2\n {hashes}\n{good}".encode(),
        "64 proof lines": ("old 2\n" + hashes * 64 + "\n" + good).encode(),
        "note unsigned": f"old 0\n\n{body}".encode(),
        "note no signature lines": f"old 0\n\n{body}\n".encode(),
        "checkpoint two lines": f"old 0\n\n{ORIGIN}\n3\n\n{good.split(chr(10) * 2)[1]}".encode(),
        "checkpoint size 0": f"old 0\n\n{size_zero}".encode(),
        "control character": f"old 0\n\n{good.replace(ORIGIN, ORIGIN + chr(7), 1)}".encode(),
    }


@pytest.mark.parametrize("case", sorted(_malformed()))
def test_every_malformed_body_is_400_with_a_one_line_reason(server, case):
    status, content_type, body = server.add(_malformed()[case])
    assert status == 400, (case, body)
    assert content_type == "text/plain; charset=utf-8"
    assert_one_line(body)
    # And the witness goes on working.
    assert server.add(submission(0, 3))[0] == 200


# --- 409 ------------------------------------------------------------------------------------------


def test_old_not_the_latest_cosigned_size_is_409_with_that_size(server, caplog):
    status, content_type, body = server.add(submission(2, 5))
    assert (status, content_type, body) == (409, "text/x.tlog.size", b"0\n")
    assert server.add(submission(0, 3))[0] == 200
    with caplog.at_level(logging.WARNING, logger="ledger.witness_server"):
        for old in (0, 2, 4):
            status, content_type, body = server.add(submission(old, 8))
            assert (status, content_type, body) == (409, "text/x.tlog.size", b"3\n")
    assert ORIGIN in caplog.text and "409" in caplog.text
    # A client that follows the 409 gets its cosignature.
    assert server.add(submission(3, 8))[0] == 200


def test_old_zero_with_a_proof_is_409_not_422_once_a_size_is_stored(server):
    server.add(submission(0, 3))
    status, content_type, body = server.add(submission(0, 5, hashes=[root(1)]))
    assert (status, content_type, body) == (409, "text/x.tlog.size", b"3\n")


def test_equal_size_with_another_root_is_409(server, caplog):
    assert server.add(submission(0, 5))[0] == 200
    forked = checkpoint(5, root_hash=b"\x42" * 32)
    with caplog.at_level(logging.WARNING, logger="ledger.witness_server"):
        status, content_type, body = server.add(submission(5, 5, hashes=[], note=forked))
    assert (status, content_type, body) == (409, "text/x.tlog.size", b"5\n")
    assert "different root" in caplog.text and ORIGIN in caplog.text
    assert server.witness.latest()[0][2] == root(5)


# --- 422 ------------------------------------------------------------------------------------------


def test_a_proof_that_does_not_verify_is_422_and_changes_nothing(server, caplog):
    assert server.add(submission(0, 6))[0] == 200
    good = proof(6, 13)
    tampered = [good[0][:-1] + bytes([good[0][-1] ^ 1]), *good[1:]]
    with caplog.at_level(logging.WARNING, logger="ledger.witness_server"):
        for hashes in (tampered, good[:-1], [*good, good[0]], proof(5, 13)):
            status, content_type, body = server.add(submission(6, 13, hashes=hashes))
            assert (status, content_type) == (422, "text/plain; charset=utf-8")
            assert_one_line(body)
    assert "422" in caplog.text and ORIGIN in caplog.text
    # A rewritten history: a correct-looking proof to a tree whose old part differs.
    other = checkpoint(13, root_hash=merkle.root_from_leaves([b"\x01" * 32] * 13))
    assert server.add(submission(6, 13, note=other))[0] == 422
    assert stored_size(server) == 6
    assert server.add(submission(6, 13))[0] == 200


def test_old_zero_with_a_proof_on_a_fresh_witness_is_422(server):
    status, _, body = server.add(submission(0, 4, hashes=[root(1)]))
    assert status == 422
    assert_one_line(body)
    assert stored_size(server) == 0


# --- WSGI -----------------------------------------------------------------------------------------


def _call(app, method, path, body=b""):
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path}
    setup_testing_defaults(environ)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    answer = {}

    def start_response(status, headers):
        answer["status"], answer["headers"] = status, dict(headers)

    data = b"".join(app(environ, start_response))
    return int(answer["status"].split()[0]), answer["headers"]["Content-Type"], data


def test_the_wsgi_application_is_the_same_witness(witness_key, tmp_path):
    app = witness_server.make_app(WITNESS, witness_key[0], [LOG_VKEY], tmp_path / "w.sqlite")
    status, _, body = _call(app, "POST", "/add-checkpoint", submission(0, 4))
    assert status == 200
    notes.open_note(notes.add_signature_lines(checkpoint(4), [body.decode()]), [witness_key[1]])
    assert _call(app, "POST", "/add-checkpoint", submission(1, 4))[:3] == (
        409,
        "text/x.tlog.size",
        b"4\n",
    )
    assert _call(app, "POST", "/add-checkpoint", b"old x\n")[0] == 400
    status, _, body = _call(app, "GET", "/checkpoint")
    assert notes.parse_checkpoint(notes.open_note(body, [LOG_VKEY]).text).size == 4


# --- keygen ---------------------------------------------------------------------------------------


def test_keygen_writes_a_0600_key_and_refuses_to_overwrite(tmp_path, capsys):
    path = tmp_path / "member.key"
    assert witness_server.main(["keygen", "--name", WITNESS, "--key", str(path)]) == 0
    vkey = capsys.readouterr().out.strip()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    content = path.read_text()
    assert content.endswith("\n") and content.count("\n") == 1
    match = re.fullmatch(rf"PRIVATE\+KEY\+{re.escape(WITNESS)}\+([0-9a-f]{{8}})\+(\S+)\n", content)
    assert match
    raw = base64.b64decode(match.group(2))
    assert raw[0] == 0x04 and len(raw) == 33
    signer = notes.Signer.from_string(content.strip())
    assert signer.cosigner and signer.key_id.hex() == match.group(1)
    assert vkey == signer.verifier_key and notes.Verifier.from_string(vkey).cosigner

    assert witness_server.main(["keygen", "--name", WITNESS, "--key", str(path)]) == 1
    assert "refusing to overwrite" in capsys.readouterr().err
    assert path.read_text() == content
    # A key of another name is refused at start.
    with pytest.raises(ValueError):
        witness_server.load_signer("bank.witness", path)


# --- Concurrency and durability -------------------------------------------------------------------


def test_two_concurrent_calls_of_different_sizes_never_roll_the_size_back(server):
    size = 1
    assert server.add(submission(0, size))[0] == 200
    for round_number in range(25):
        small, large = size + 1 + round_number % 3, size + 5 + round_number % 7
        barrier = threading.Barrier(2)
        answers = {}

        def send(new, old=size, barrier=barrier, answers=answers):
            barrier.wait()
            answers[new] = server.add(submission(old, new))

        threads = [threading.Thread(target=send, args=(new,)) for new in (small, large)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        winners = [new for new, answer in answers.items() if answer[0] == 200]
        assert len(winners) == 1, answers
        (winner,) = winners
        (loser,) = {small, large} - {winner}
        assert answers[loser][:2] == (409, "text/x.tlog.size")
        assert answers[loser][2] == b"%d\n" % winner
        assert stored_size(server) == winner
        size = winner


def test_many_clients_following_409s_only_ever_move_forward(server):
    server.add(submission(0, 1))
    acknowledged = []
    seen = []
    stop = threading.Event()

    def client(step):
        old = 1
        target = 1
        while target < 400:
            target = max(target, old) + step
            status, _, body = server.add(submission(old, min(target, 400)))
            if status == 200:
                acknowledged.append(min(target, 400))
                old = min(target, 400)
            else:
                assert status == 409, body
                old = int(body)

    def watcher():
        while not stop.is_set():
            seen.append(stored_size(server))

    watch = threading.Thread(target=watcher)
    watch.start()
    clients = [threading.Thread(target=client, args=(step,)) for step in (1, 2, 3, 5)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join()
    stop.set()
    watch.join()
    assert seen == sorted(seen)  # never rolled back
    assert stored_size(server) == max(acknowledged) == 400


def test_state_is_kept_across_a_restart(witness_key, tmp_path):
    state = tmp_path / "state.sqlite"
    first = start(witness_key, state)
    try:
        assert first.add(submission(0, 3))[0] == 200
        assert first.add(submission(3, 10))[0] == 200
    finally:
        first.stop()
    second = start(witness_key, state)
    try:
        assert second.add(submission(0, 12))[:3] == (409, "text/x.tlog.size", b"10\n")
        assert second.add(submission(3, 12))[0] == 409
        forked = checkpoint(10, root_hash=b"\x07" * 32)
        assert second.add(submission(10, 10, hashes=[], note=forked))[0] == 409
        assert second.add(submission(10, 12))[0] == 200
    finally:
        second.stop()


class Subprocess:
    def __init__(self, key_path, state):
        command = [
            sys.executable,
            "-m",
            "ledger.witness_server",
            "serve",
            "--name",
            WITNESS,
            "--key",
            str(key_path),
            "--log-key",
            LOG_VKEY,
            "--state",
            str(state),
            "--listen",
            "127.0.0.1:0",
        ]
        self.process = subprocess.Popen(
            command, cwd=ROOT_DIR, stderr=subprocess.PIPE, text=True, env={**os.environ}
        )
        deadline = time.monotonic() + 30
        while True:
            line = self.process.stderr.readline()
            match = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
            if match:
                self.port = int(match.group(1))
                break
            assert line and time.monotonic() < deadline, "the witness did not start"
        # Keep draining stderr so the child never blocks on a full pipe.
        threading.Thread(target=self.process.stderr.read, daemon=True).start()

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)


def test_a_kill_9_during_writes_never_tears_the_state(witness_key, tmp_path):
    state = tmp_path / "state.sqlite"
    acknowledged = 0
    for delay in (0.2, 0.5, 0.05):
        witness = Subprocess(witness_key[0], state)
        progress = {"acknowledged": acknowledged, "in_flight": None, "errors": []}

        def writer(port=witness.port, progress=progress):
            size = progress["acknowledged"]
            while size < len(LEAVES):
                progress["in_flight"] = size + 1
                try:
                    status, _, body = request(
                        port, "POST", "/add-checkpoint", submission(size, size + 1)
                    )
                except OSError:
                    return
                if status != 200:
                    progress["errors"].append((status, body))
                    return
                size = progress["acknowledged"] = size + 1

        thread = threading.Thread(target=writer)
        thread.start()
        time.sleep(delay)
        witness.kill()
        thread.join(timeout=30)
        assert not progress["errors"]
        acknowledged = progress["acknowledged"]
        assert acknowledged < len(LEAVES), "the kill came after every write"

        with sqlite3.connect(state) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        witness = Subprocess(witness_key[0], state)
        try:
            status, _, body = request(witness.port, "GET", "/checkpoint")
            assert status == 200
            opened = notes.open_note(body, [LOG_VKEY, witness_key[1]])
            assert opened.signed_by == (ORIGIN, WITNESS)
            cosigned = notes.parse_checkpoint(opened.text)
            # Every acknowledged write is there; at most the one in flight was committed too.
            assert cosigned.size in (acknowledged, progress["in_flight"])
            assert cosigned.root == root(cosigned.size)
            acknowledged = cosigned.size
            answer = request(
                witness.port, "POST", "/add-checkpoint", submission(0, acknowledged + 1)
            )
            assert answer == (409, "text/x.tlog.size", b"%d\n" % acknowledged)
            answer = request(
                witness.port, "POST", "/add-checkpoint", submission(acknowledged, acknowledged + 1)
            )
            assert answer[0] == 200
            acknowledged += 1
        finally:
            witness.kill()


def test_a_body_without_length_or_too_large_is_refused_before_reading_it(server, caplog):
    with caplog.at_level(logging.WARNING, logger="ledger.witness_server"):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            # Announce a body too large and send none: the witness answers without reading it.
            connection.putrequest("POST", "/add-checkpoint")
            connection.putheader("Content-Length", str(witness_server.MAX_BODY_SIZE + 1))
            connection.endheaders()
            response = connection.getresponse()
            assert response.status == 413
            assert_one_line(response.read())
        finally:
            connection.close()
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            connection.putrequest("POST", "/add-checkpoint")
            connection.putheader("Transfer-Encoding", "chunked")
            connection.endheaders()
            response = connection.getresponse()
            assert response.status == 411
            assert_one_line(response.read())
        finally:
            connection.close()
    assert "413" in caplog.text and "411" in caplog.text
    assert stored_size(server) == 0
