"""A witness an alliance member runs with only its own key (spec section 8, C2SP tlog-witness).

Standalone: the standard library, ``cryptography`` and the pure ``ledger.notes`` and
``ledger.merkle``; no Django. ::

    python -m ledger.witness_server keygen --name NAME --key FILE
    python -m ledger.witness_server serve --name NAME --key FILE --log-key VKEY [--log-key ...]
        --state FILE --listen HOST:PORT

``serve`` runs on ``http.server.ThreadingHTTPServer``; ``make_app(...)`` returns the same witness
as a WSGI application for any WSGI server.

``POST /add-checkpoint`` follows C2SP tlog-witness: 404 for an unknown origin, 403 when no trusted
log signature verifies, 400 for a malformed body or ``old`` above the checkpoint size, 409
(``text/x.tlog.size``, the latest cosigned size) when ``old`` is not that size or when the sizes are
equal but the roots differ, 422 when the consistency proof does not verify, else 200 with the
``cosignature/v1`` line. The state is one SQLite row per origin; the compare-and-set of the old size
and the write of the new checkpoint are one ``BEGIN IMMEDIATE`` transaction, committed with
``synchronous=FULL`` before the answer. ``GET /`` and ``GET /checkpoint`` answer the latest
checkpoint cosigned per origin, for monitoring.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import logging
import os
import re
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ledger import merkle, notes

logger = logging.getLogger("ledger.witness_server")

MAX_PROOF_LINES = 63  # C2SP tlog-witness
MAX_BODY_SIZE = 64 * 1024  # a checkpoint, 63 hashes and 100 signatures fit many times over
SIZE_CONTENT_TYPE = "text/x.tlog.size"
TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,18}")  # ASCII, no leading zeros, fits in int64 below

_SCHEMA = """
CREATE TABLE IF NOT EXISTS checkpoints (
    origin TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    root BLOB NOT NULL,
    note TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = TEXT_CONTENT_TYPE
    headers: tuple[tuple[str, str], ...] = ()


class BadRequest(ValueError):
    """A malformed add-checkpoint body; the message is the one-line reason."""


@dataclass(frozen=True)
class Submission:
    old_size: int
    proof: list[bytes]
    note: str


def _reason(status: int, text: str) -> Response:
    return Response(status, (" ".join(text.split()) + "\n").encode("utf-8"))


def _refused_request(status: int, why: str) -> Response:
    """An add-checkpoint request refused before its body is read, logged like every refusal."""
    logger.warning("refused a request: %d %s", status, why)
    return _reason(status, why)


def parse_submission(data: bytes) -> Submission:
    """Split an add-checkpoint body into the old size, the proof hashes and the signed note."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("body is not valid UTF-8") from None
    first, newline, rest = text.partition("\n")
    if not newline:
        raise BadRequest("body has no old size line ending in a newline")
    if not first.startswith("old ") or not _DECIMAL.fullmatch(first[4:]):
        raise BadRequest("first line must be 'old <size>' in decimal without leading zeros")
    old_size = int(first[4:])
    if old_size > 2**63 - 1:
        raise BadRequest("old size is too large")
    proof: list[bytes] = []
    while True:
        line, newline, rest = rest.partition("\n")
        if not newline:
            raise BadRequest("no empty line between the proof and the checkpoint")
        if not line:
            break
        if len(proof) == MAX_PROOF_LINES:
            raise BadRequest(f"more than {MAX_PROOF_LINES} consistency proof lines")
        proof.append(_decode_hash(line, len(proof) + 1))
    if not rest:
        raise BadRequest("no checkpoint after the empty line")
    return Submission(old_size, proof, rest)


def _decode_hash(line: str, number: int) -> bytes:
    try:
        raw = base64.b64decode(line.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        raise BadRequest(f"proof line {number} is not base64") from None
    if len(raw) != merkle.HASH_SIZE or base64.b64encode(raw).decode("ascii") != line:
        raise BadRequest(f"proof line {number} is not the canonical base64 of a 32-byte hash")
    return raw


def _log_verifiers(log_keys: Iterable[str | notes.Verifier]) -> dict[str, list[notes.Verifier]]:
    by_origin: dict[str, list[notes.Verifier]] = {}
    for key in log_keys:
        verifier = key if isinstance(key, notes.Verifier) else notes.Verifier.from_string(key)
        if verifier.cosigner:
            raise ValueError(f"log key {verifier.name} is a cosignature key, not a log's 0x01 key")
        by_origin.setdefault(verifier.name, []).append(verifier)
    if not by_origin:
        raise ValueError("a witness needs at least one log key")
    return by_origin


def _write_ahead_log(connection: sqlite3.Connection, wait: float = 30.0) -> None:
    """Put the state in WAL mode (once per file: the mode is stored in it). SQLite answers
    "database is locked" at once, without its busy handler, while another process opening the
    same new file holds it: retry for up to ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        try:
            if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class Witness:
    """The witness's logic over its SQLite state, independent of any HTTP server."""

    def __init__(
        self,
        signer: notes.Signer,
        log_keys: Iterable[str | notes.Verifier],
        state_path: str | os.PathLike[str],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not signer.cosigner:
            raise ValueError("the witness key must be a cosignature/v1 (0x04) key")
        self.signer = signer
        self.logs = _log_verifiers(log_keys)
        self.state_path = os.fspath(state_path)
        self.clock = clock
        with closing(self._connect()) as connection:
            _write_ahead_log(connection)
            connection.execute(_SCHEMA)

    # --- State --------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        # Autocommit mode: transactions are the explicit BEGIN IMMEDIATE ... COMMIT below.
        connection = sqlite3.connect(self.state_path, timeout=30, isolation_level=None)
        connection.execute("PRAGMA synchronous=FULL")  # a COMMIT is on disk before we answer
        connection.execute("PRAGMA busy_timeout=30000")
        return connection

    def latest(self) -> list[tuple[str, int, bytes, str]]:
        """Each origin's latest cosigned (origin, size, root, note), by origin."""
        with closing(self._connect()) as connection:
            rows = connection.execute(
                "SELECT origin, size, root, note FROM checkpoints ORDER BY origin"
            ).fetchall()
        return [(origin, size, bytes(root), note) for origin, size, root, note in rows]

    # --- add-checkpoint -----------------------------------------------------------------------

    def add_checkpoint(self, data: bytes) -> Response:
        try:
            submission = parse_submission(data)
            body, _signatures = notes.parse_note(submission.note)
            checkpoint = notes.parse_checkpoint(body)
        except (BadRequest, notes.NoteError) as exc:
            return self._refuse(400, None, str(exc))
        origin = checkpoint.origin
        verifiers = self.logs.get(origin)
        if verifiers is None:
            return self._refuse(404, origin, "unknown origin")
        try:
            notes.open_note(submission.note, verifiers)
        except notes.NoteError as exc:
            return self._refuse(403, origin, f"no trusted log signature verifies: {exc}")
        if submission.old_size > checkpoint.size:
            return self._refuse(
                400, origin, f"old size {submission.old_size} exceeds size {checkpoint.size}"
            )
        timestamp = int(self.clock())
        line = self.signer.sign(body, timestamp)
        cosigned = notes.add_signature_lines(submission.note, [line])
        with closing(self._connect()) as connection:
            # One transaction holds the write lock from reading the stored size to writing the
            # new checkpoint, so two concurrent calls can never roll the size back.
            connection.execute("BEGIN IMMEDIATE")
            try:
                refusal = self._compare_and_set(connection, submission, checkpoint, cosigned)
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            if refusal is not None:
                connection.execute("ROLLBACK")
                return refusal
            connection.execute("COMMIT")
        logger.info("cosigned %s at size %d", origin, checkpoint.size)
        return Response(200, line.encode("utf-8"))

    def _compare_and_set(
        self,
        connection: sqlite3.Connection,
        submission: Submission,
        checkpoint: notes.Checkpoint,
        cosigned: str,
    ) -> Response | None:
        origin, size, root = checkpoint
        row = connection.execute(
            "SELECT size, root FROM checkpoints WHERE origin = ?", (origin,)
        ).fetchone()
        stored_size, stored_root = (row[0], bytes(row[1])) if row else (0, b"")
        if submission.old_size != stored_size:
            return self._conflict(
                origin,
                stored_size,
                f"old size {submission.old_size} is not the latest cosigned size {stored_size}",
            )
        if size == stored_size:
            if root != stored_root:
                return self._conflict(
                    origin, stored_size, f"size {size} already cosigned with a different root"
                )
            if submission.proof:
                return self._refuse(422, origin, "a proof between equal sizes must be empty")
            return None  # the same checkpoint again: cosign, state unchanged
        if not stored_size:
            if submission.proof:
                return self._refuse(422, origin, "a consistency proof from size 0 must be empty")
        else:
            try:
                merkle.check_consistency(stored_size, size, stored_root, root, submission.proof)
            except merkle.ProofError as exc:
                return self._refuse(
                    422, origin, f"consistency proof {stored_size} to {size} fails: {exc}"
                )
        connection.execute(
            "INSERT INTO checkpoints (origin, size, root, note) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root, "
            "note = excluded.note",
            (origin, size, root, cosigned),
        )
        return None

    def _conflict(self, origin: str, stored_size: int, why: str) -> Response:
        logger.warning("refused %s: 409 %s", origin, why)
        return Response(409, b"%d\n" % stored_size, SIZE_CONTENT_TYPE)

    def _refuse(self, status: int, origin: str | None, why: str) -> Response:
        logger.warning("refused %s: %d %s", origin or "(unparsed checkpoint)", status, why)
        return _reason(status, why)

    # --- HTTP, independent of the server ------------------------------------------------------

    def handle(self, method: str, path: str, body: bytes | None) -> Response:
        path = path.split("?", 1)[0]
        if path == "/add-checkpoint":
            if method != "POST":
                return Response(405, b"use POST\n", headers=(("Allow", "POST"),))
            return self.add_checkpoint(body or b"")
        if path in ("/", "/checkpoint"):
            if method not in ("GET", "HEAD"):
                return Response(405, b"use GET\n", headers=(("Allow", "GET, HEAD"),))
            notes_text = "\n".join(note for _origin, _size, _root, note in self.latest())
            return Response(200, notes_text.encode("utf-8"))
        return Response(404, b"not found\n")


# --- Keys -----------------------------------------------------------------------------------------


def keygen(name: str, key_path: str | os.PathLike[str]) -> str:
    """Write a new cosignature/v1 signer key to key_path (mode 0600, never overwriting);
    return its verifier key."""
    skey, vkey = notes.generate_signer(name, notes.ALGORITHM_COSIGNATURE_V1)
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, (skey + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return vkey


def load_signer(name: str, key_path: str | os.PathLike[str]) -> notes.Signer:
    with open(key_path, encoding="ascii") as handle:
        signer = notes.Signer.from_string(handle.read().strip())
    if not signer.cosigner:
        raise ValueError("the witness key must be a cosignature/v1 (0x04) key")
    if signer.name != name:
        raise ValueError(f"the key file holds the key of {signer.name!r}, not {name!r}")
    if os.stat(key_path).st_mode & 0o077:
        logger.warning("key file %s is readable by others than its owner", key_path)
    return signer


# --- Servers --------------------------------------------------------------------------------------

_REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    411: "Length Required",
    413: "Content Too Large",
    422: "Unprocessable Content",
    500: "Internal Server Error",
}


def make_app(
    name: str,
    key_path: str | os.PathLike[str],
    log_keys: Iterable[str],
    state_path: str | os.PathLike[str],
) -> Callable:
    """Return the witness as a WSGI application."""
    return wsgi_app(Witness(load_signer(name, key_path), log_keys, state_path))


def wsgi_app(witness: Witness) -> Callable:
    def application(environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET")
        response = _wsgi_response(witness, environ, method)
        headers = [
            ("Content-Type", response.content_type),
            ("Content-Length", str(len(response.body))),
            *response.headers,
        ]
        start_response(f"{response.status} {_REASONS.get(response.status, '')}", headers)
        return [b"" if method == "HEAD" else response.body]

    return application


def _wsgi_response(witness: Witness, environ: dict, method: str) -> Response:
    body = None
    if method == "POST":
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            return _refused_request(411, "a Content-Length is required")
        if length < 0:
            return _refused_request(411, "a Content-Length is required")
        if length > MAX_BODY_SIZE:
            return _refused_request(413, f"body larger than {MAX_BODY_SIZE} bytes")
        body = environ["wsgi.input"].read(length)
    return _safe_handle(witness, method, environ.get("PATH_INFO") or "/", body)


def _safe_handle(witness: Witness, method: str, path: str, body: bytes | None) -> Response:
    try:
        return witness.handle(method, path, body)
    except Exception:
        logger.exception("internal error on %s %s", method, path)
        return _reason(500, "internal error")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as C2SP tlog-witness recommends
    witness: Witness

    def _answer(self, response: Response, head: bool = False) -> None:
        self.send_response(response.status, _REASONS.get(response.status))
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for header, value in response.headers:
            self.send_header(header, value)
        self.end_headers()
        if not head:
            self.wfile.write(response.body)

    def do_GET(self) -> None:
        self._answer(_safe_handle(self.witness, "GET", self.path, None))

    def do_HEAD(self) -> None:
        self._answer(_safe_handle(self.witness, "HEAD", self.path, None), head=True)

    def do_POST(self) -> None:
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            self._answer(_refused_request(411, "send a Content-Length, not chunks"))
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            self._answer(_refused_request(411, "a Content-Length is required"))
            return
        if length > MAX_BODY_SIZE:
            self.close_connection = True
            self._answer(_refused_request(413, f"body larger than {MAX_BODY_SIZE} bytes"))
            return
        body = self.rfile.read(length)
        self._answer(_safe_handle(self.witness, "POST", self.path, body))

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s " + format, self.address_string(), *args)


def make_server(witness: Witness, host: str, port: int) -> ThreadingHTTPServer:
    """Return a threading HTTP server for the witness, bound but not yet serving."""
    handler = type("WitnessHandler", (_Handler,), {"witness": witness})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def _parse_listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise argparse.ArgumentTypeError("--listen must be HOST:PORT")
    return host.strip("[]") or "127.0.0.1", int(port)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ledger.witness_server", description="A C2SP tlog-witness for the ledger."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("keygen", help="write a new witness signer key, print its verifier")
    gen.add_argument("--name", required=True)
    gen.add_argument("--key", required=True, help="the signer key file to create (mode 0600)")
    serve = commands.add_parser("serve", help="serve add-checkpoint over HTTP")
    serve.add_argument("--name", required=True)
    serve.add_argument("--key", required=True)
    serve.add_argument("--log-key", action="append", required=True, dest="log_keys")
    serve.add_argument("--state", required=True, help="the SQLite state file")
    serve.add_argument("--listen", required=True, type=_parse_listen, help="HOST:PORT")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s"
    )
    if args.command == "keygen":
        try:
            print(keygen(args.name, args.key))
        except FileExistsError:
            print(f"error: {args.key} exists; refusing to overwrite a key", file=sys.stderr)
            return 1
        except (OSError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        return 0
    try:
        witness = Witness(load_signer(args.name, args.key), args.log_keys, args.state)
        server = make_server(witness, *args.listen)
    except (OSError, ValueError, sqlite3.Error) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    host, port = server.server_address[:2]
    logger.info("witness %s listening on %s:%d", witness.signer.verifier_key, host, port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
