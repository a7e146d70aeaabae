"""Evidence packages: one zip with entries, inclusion proofs, checkpoints, keys and instructions.

Everything in the package verifies offline against the verifier keys it carries, and the same keys
can (and should) be fetched independently from ``/ledger/keys`` or from the witnesses themselves.
The zip is deterministic: its files are in a fixed order with the checkpoint's time as their date.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from eport.core.receipt_checks import receipt_problem
from eport.declarations.models import Declaration
from eport.declarations.selectors import declaration_ledger
from eport.declarations.snapshot import snapshot
from ledger import conf, keys, notarized, proofs
from ledger.models import Entry
from ledger.receipts import ReceiptUnavailable, build_receipt, checkpoint_for, receipt_bytes

MAX_ENTRIES = 10_000
LEDGER_DIR = Path(__file__).resolve().parent.parent.parent / "ledger"
VERIFIER_FILES = ("__init__.py", "merkle.py", "notes.py", "verify_receipt.py")
GO_VERIFIER = LEDGER_DIR / "contrib" / "verify_receipt.go"


class EvidenceError(ValueError):
    """An export that cannot be made; the message says why."""


@dataclass
class Package:
    filename: str
    content: bytes
    entries: int


def _entries_for_range(from_seq: int, to_seq: int) -> list[Entry]:
    if from_seq < 0 or to_seq < from_seq:
        raise EvidenceError(_("the range must start at 0 or more and not end before it starts"))
    if to_seq - from_seq + 1 > MAX_ENTRIES:
        raise EvidenceError(
            _(
                "at most %(max)s entries fit in one package; split the range "
                "%(first)s–%(last)s into smaller ones"
            )
            % {"max": f"{MAX_ENTRIES:,}", "first": from_seq, "last": to_seq}
        )
    return list(Entry.objects.filter(seq__gte=from_seq, seq__lte=to_seq).order_by("seq"))


def declaration_package(declaration: Declaration) -> Package:
    """Evidence for one declaration: all its entries, each with a receipt, and its snapshot."""
    ledger = declaration_ledger(declaration)
    entries = ledger.entries
    if not entries:
        raise EvidenceError(
            _("declaration %(declaration)s has no ledger entries") % {"declaration": declaration}
        )
    if len(entries) > MAX_ENTRIES:
        raise EvidenceError(
            _("declaration %(declaration)s has more than %(max)s entries")
            % {"declaration": declaration, "max": f"{MAX_ENTRIES:,}"}
        )
    current = snapshot(declaration)
    name = declaration.number or str(declaration.uuid)
    description = f"declaration {name} ({declaration.ledger_subject}), {len(entries)} entries"
    extra = {
        "declaration.json": (json.dumps(current, indent=2, ensure_ascii=False) + "\n").encode(),
    }
    return _package(f"evidence-declaration-{name}", description, entries, ledger.subject_for, extra)


def range_package(from_seq: int, to_seq: int) -> Package:
    """Evidence for the entries ``from_seq``..``to_seq`` (inclusive)."""
    entries = _entries_for_range(from_seq, to_seq)
    if not entries:
        raise EvidenceError(
            _("there are no entries between %(first)s and %(last)s")
            % {"first": from_seq, "last": to_seq}
        )
    description = f"ledger entries {entries[0].seq}–{entries[-1].seq}"
    return _package(f"evidence-entries-{entries[0].seq}-{entries[-1].seq}", description, entries)


def _package(
    name: str,
    description: str,
    entries: list[Entry],
    subject_for: Callable[[Entry], dict | None] = lambda entry: None,
    extra: dict[str, bytes] | None = None,
) -> Package:
    try:
        checkpoint = checkpoint_for()
    except ReceiptUnavailable as error:
        raise EvidenceError(receipt_problem(error)) from None
    if entries[-1].seq >= checkpoint.size:
        raise EvidenceError(
            _(
                "entry %(seq)s is not in a notarized checkpoint yet (the latest covers "
                "entries 0–%(last)s); export again after the next checkpoint"
            )
            % {"seq": entries[-1].seq, "last": checkpoint.size - 1}
        )
    files: dict[str, bytes] = {}
    files["entries.jsonl"] = b"".join(bytes(entry.canonical) + b"\n" for entry in entries)
    with_subject = None
    for entry in entries:
        subject = subject_for(entry)
        receipt = build_receipt(entry.seq, checkpoint=checkpoint, subject=subject)
        if subject is not None:
            with_subject = entry.seq
        files[f"receipts/{entry.seq}.json"] = receipt_bytes(receipt)
    files["checkpoint.txt"] = notarized.signed_note(checkpoint).encode("utf-8")
    # The first notarized checkpoint that committed to the newest entry here, and a consistency
    # proof from it to the latest: the entries were notarized then and not rewritten since.
    first = (
        notarized.notarized_checkpoints().filter(size__gt=entries[-1].seq).order_by("size").first()
    )
    consistency = None
    if first is not None and first.size != checkpoint.size:
        files[f"checkpoints/{first.size}.txt"] = notarized.signed_note(first).encode("utf-8")
        consistency = {
            "old_size": first.size,
            "new_size": checkpoint.size,
            "hashes": [
                _b64(item) for item in proofs.consistency_proof(first.size, checkpoint.size)
            ],
        }
        files["consistency.json"] = (json.dumps(consistency, indent=2) + "\n").encode()
    files[f"checkpoints/{checkpoint.size}.txt"] = files["checkpoint.txt"]
    files["keys.txt"] = ("\n".join(keys.verifier_keys()) + "\n").encode("utf-8")
    if extra:
        files.update(extra)
    for filename in VERIFIER_FILES:
        files[f"verifier/ledger/{filename}"] = _verifier_source(filename)
    if GO_VERIFIER.exists():
        files["verifier/verify_receipt.go"] = GO_VERIFIER.read_bytes()
    files["verify.sh"] = VERIFY_SCRIPT.encode()
    files["README.txt"] = readme(
        description=description,
        origin=conf.origin(),
        checkpoint_size=checkpoint.size,
        entries=len(entries),
        with_subject=with_subject,
        quorum=notarized.quorum(),
    ).encode("utf-8")
    manifest = {
        "format": "eport-evidence/v1",
        "contents": description,
        "ledger": conf.origin(),
        "checkpoint_size": checkpoint.size,
        "entries": [entry.seq for entry in entries],
        "files": {path: hashlib.sha256(data).hexdigest() for path, data in sorted(files.items())},
    }
    files["manifest.json"] = (json.dumps(manifest, indent=2) + "\n").encode()

    moment = checkpoint.created.utctimetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(f"{name}/{path}", date_time=moment)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o755 if path.endswith(".sh") else 0o644) << 16
            archive.writestr(info, files[path])
    return Package(f"{name}.zip", buffer.getvalue(), len(entries))


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _verifier_source(filename: str) -> bytes:
    if filename == "__init__.py":
        # The package's own __init__ imports Django-side modules; the verifier needs none.
        return b'"""The standalone parts of the eport ledger: enough to verify receipts."""\n'
    return (LEDGER_DIR / filename).read_bytes()


VERIFY_SCRIPT = """#!/bin/sh
# Check every receipt in this package against keys.txt; stops at the first invalid one.
# Needs Python 3.11+ with: pip install cryptography rfc8785
set -e
cd "$(dirname "$0")"
for receipt in receipts/*.json; do
  echo "== $receipt"
  PYTHONPATH=verifier python3 -m ledger.verify_receipt "$receipt" --keys keys.txt "$@"
done
echo "all receipts are valid"
"""


def readme(
    *,
    description: str,
    origin: str,
    checkpoint_size: int,
    entries: int,
    with_subject: int | None,
    quorum: int,
) -> str:
    """The package's README: what it holds and how to verify it without trusting eport."""
    subject_line = (
        f"receipts/{with_subject}.json also carries the declaration's snapshot\n"
        "(declaration.json), whose RFC 8785 SHA-256 the verifier checks against the entry's\n"
        "data.state.\n"
        if with_subject is not None
        else "No receipt carries a subject snapshot: the live state is none of these entries'.\n"
    )
    return README_TEMPLATE.format(
        description=description,
        origin=origin,
        size=checkpoint_size,
        entries=entries,
        subject_line=subject_line,
        quorum=quorum,
    )


README_TEMPLATE = """Evidence from the eport ledger {origin}
{description}

What is here
  entries.jsonl        the {entries} entries, one per line, each its exact RFC 8785 bytes
  receipts/<seq>.json  one receipt per entry (format eport-receipt/v1): the entry, its RFC 6962
                       inclusion proof, and the signed checkpoint of size {size}
  checkpoint.txt       that checkpoint: a C2SP signed note by the ledger key and the witnesses
  checkpoints/         the checkpoints named here by size; when two are present,
  consistency.json     proves the older one (the first to commit to these entries) is a prefix
                       of the newer one (RFC 9162 consistency proof)
  keys.txt             the verifier keys (ledger + witnesses) as served at /ledger/keys
  verifier/            a standalone verifier (Python, needs only cryptography and rfc8785) and
                       a Go program using golang.org/x/mod/sumdb/note and sumdb/tlog
  manifest.json        the SHA-256 of every file
{subject_line}
Do not trust keys.txt alone: compare it with the keys each witness (customs, the commerce
commission, your own bank) publishes. A receipt is valid when the checkpoint carries a valid
signature of the ledger key and of at least {quorum} trusted witnesses, and the entry's leaf hash
SHA-256(0x00 || entry bytes) leads to the checkpoint's root through the inclusion proof.

1. With the bundled Python verifier
     pip install cryptography rfc8785
     PYTHONPATH=verifier python3 -m ledger.verify_receipt receipts/<seq>.json --keys keys.txt
   or ./verify.sh for every receipt. Exit status 0 valid, 1 invalid; every check is printed.

2. With Go's own packages (a verifier not written by eport)
     cd verifier && go mod init check && go get golang.org/x/mod@latest
     go run verify_receipt.go -keys ../keys.txt ../receipts/<seq>.json
   note.Open checks the signatures, tlog.RecordHash(entry) is the RFC 6962 leaf hash and
   tlog.CheckRecord checks the inclusion proof against the signed root.

3. By hand, from the spec
   entry hash = SHA-256(entry bytes); each entry's "prev" is the previous entry's hash, so
   entries.jsonl can also be checked as a chain wherever its seqs are consecutive.
"""
