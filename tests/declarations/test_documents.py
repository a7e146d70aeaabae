"""Uploads: the content decides the type, the size is limited, the digest is ledgered."""

import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from eport.declarations import services
from eport.declarations.errors import TransitionError
from ledger.models import Entry

from . import factories as f


def upload_errors(world, content, name="scan.pdf"):
    declaration = f.draft(world.trader)
    with pytest.raises(ValidationError) as error:
        f.attach(declaration, world.trader, "380", content=content, name=name)
    assert not declaration.documents.exists()
    return error.value.message_dict


def test_a_pdf_is_stored_under_its_digest_and_ledgered_without_its_name(world):
    declaration = f.draft(world.trader)
    document = f.attach(declaration, world.trader, "380", content=f.PDF, name="secret-name.pdf")
    digest = hashlib.sha256(f.PDF).hexdigest()
    assert (document.sha256, document.content_type, document.size) == (
        digest,
        "application/pdf",
        len(f.PDF),
    )
    path = Path(settings.MEDIA_ROOT) / "documents" / digest[:2] / digest
    assert path.read_bytes() == f.PDF
    entry = Entry.objects.filter(action="declaration.document_added").get()
    assert entry.data["sha256"] == digest
    assert (entry.data["type"], entry.data["reference"]) == ("380", "REF-380")
    assert b"secret-name" not in bytes(entry.canonical)


def test_a_png_named_pdf_is_accepted_as_png(world):
    declaration = f.draft(world.trader)
    document = f.attach(declaration, world.trader, "705", content=f.PNG, name="bl.pdf")
    assert document.content_type == "image/png"


def test_a_jpeg_is_accepted(world):
    declaration = f.draft(world.trader)
    assert f.attach(declaration, world.trader, "271", content=f.JPEG).content_type == "image/jpeg"


@pytest.mark.parametrize(
    ("content", "detected"),
    [(f.EXE, "a Windows executable"), (f.HTML, "a web page"), (b"hello", "of an unknown type")],
)
def test_other_content_renamed_pdf_is_refused(world, content, detected):
    errors = upload_errors(world, content)
    assert errors["file"][0].startswith(f"This file's content is {detected}")
    assert "not PDF, PNG or JPEG" in errors["file"][0]


def test_an_oversized_file_is_refused_with_the_limit_in_mb(world, settings):
    settings.EPORT_MAX_UPLOAD_BYTES = 1024 * 1024
    errors = upload_errors(world, f.PDF + b"0" * (1024 * 1024))
    assert errors["file"] == ["The file is 1.1 MB; the limit is 1 MB."]


def test_documents_can_be_removed_from_a_draft_but_not_after_submission(world):
    declaration = f.draft(world.trader)
    extra = f.attach(declaration, world.trader, "271")
    services.remove_document(document=extra, actor=world.trader)
    assert not declaration.documents.exists()
    entry = Entry.objects.filter(subject=declaration.ledger_subject).order_by("-seq").first()
    assert entry.action == "declaration.document_removed"

    submitted = f.submitted(world.trader, "yellow", lrn="S")
    invoice = submitted.documents.get(type="380")
    with pytest.raises(TransitionError, match="cannot be given new documents"):
        services.remove_document(document=invoice, actor=world.trader)
    with pytest.raises(TransitionError):
        f.attach(submitted, world.trader, "861")


def test_another_company_cannot_attach(world):
    declaration = f.draft(world.trader)
    with pytest.raises(TransitionError, match="another company"):
        f.attach(declaration, world.trader2, "380")


@pytest.mark.parametrize(
    "left_behind",
    [b"", f.PDF[:10], b"X" * len(f.PDF)],
    ids=["empty", "torn", "same size, other bytes"],
)
def test_a_file_left_broken_by_a_failed_write_is_written_again(world, left_behind):
    # a failed upload (a full disk) left something under the content's name
    digest = hashlib.sha256(f.PDF).hexdigest()
    path = Path(settings.MEDIA_ROOT) / "documents" / digest[:2] / digest
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(left_behind)

    document = f.attach(f.draft(world.trader), world.trader, "380", content=f.PDF)

    assert document.sha256 == digest
    assert path.read_bytes() == f.PDF
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".upload-")]


def test_an_intact_stored_file_is_reused_not_rewritten(world):
    first = f.attach(f.draft(world.trader), world.trader, "380", content=f.PDF)
    digest = first.sha256
    path = Path(settings.MEDIA_ROOT) / "documents" / digest[:2] / digest
    written = path.stat().st_mtime_ns

    f.attach(f.draft(world.trader, lrn="LRN-2"), world.trader, "380", content=f.PDF)

    assert path.stat().st_mtime_ns == written


def test_a_reference_with_a_bidirectional_override_is_refused(world):
    declaration = f.draft(world.trader)
    with pytest.raises(ValidationError) as error:
        services.add_document(
            declaration=declaration,
            actor=world.trader,
            type="380",
            reference="INV-1\u202e2-VNI",
            issued_on=None,
            upload=f.SimpleUploadedFile("scan.pdf", f.PDF),
        )
    assert "invisible control character (U+202E)" in error.value.message_dict["reference"][0]
    assert not declaration.documents.exists()
