"""Uploaded documents: the content decides the type, the digest names the file.

A file is accepted only when its first bytes are those of a PDF, PNG or JPEG; the name and the
browser's content type are ignored, so an executable or a web page renamed ``.pdf`` is refused.
Files are stored under MEDIA_ROOT (never under static/) as ``documents/<aa>/<sha256>``.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ALLOWED = {
    "application/pdf": "PDF",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
}
ALLOWED_TEXT = gettext_lazy("PDF, PNG or JPEG")
EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}

# (magic bytes, content type, name people know it by); the first three are the accepted types.
SIGNATURES: tuple[tuple[bytes, str, Any], ...] = (
    (b"%PDF-", "application/pdf", "PDF"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG"),
    (b"\xff\xd8\xff", "image/jpeg", "JPEG"),
    (b"MZ", "application/x-msdownload", gettext_lazy("a Windows executable")),
    (b"\x7fELF", "application/x-executable", gettext_lazy("an executable program")),
    (b"PK\x03\x04", "application/zip", gettext_lazy("a ZIP archive (or an Office document)")),
    (b"GIF8", "image/gif", gettext_lazy("a GIF image")),
    (b"\xd0\xcf\x11\xe0", "application/x-ole-storage", gettext_lazy("an old Office document")),
)
SNIFF_BYTES = 512


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    sha256: str
    size: int


def detect(head: bytes) -> tuple[str | None, Any]:
    """(content type if accepted else None, a human name of what the bytes are)."""
    for magic, content_type, name in SIGNATURES:
        if head.startswith(magic):
            return (content_type if content_type in ALLOWED else None), name
    stripped = head.lstrip().lower()
    if stripped.startswith((b"<!doctype html", b"<html", b"<script", b"<?xml", b"<svg")):
        return None, gettext_lazy("a web page or XML/SVG file")
    return None, gettext_lazy("of an unknown type")


def _megabytes(size: int) -> str:
    # Rounded up to 0.1 MB, so a file just over the limit never reads as equal to it.
    tenths = -(-size * 10 // (1024 * 1024))
    return f"{tenths / 10:.1f}".removesuffix(".0")


def check_upload(upload, *, max_bytes: int) -> CheckedFile:
    """Sniff, measure and hash an upload; raise ValidationError({"file": ...}) when refused."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(
            {
                "file": _("The file is %(size)s MB; the limit is %(limit)s MB.")
                % {"size": _megabytes(size), "limit": _megabytes(max_bytes)}
            }
        )
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    if not head:
        raise ValidationError({"file": _("The file is empty; choose the scanned document again.")})
    content_type, name = detect(head)
    if content_type is None:
        raise ValidationError(
            {
                "file": _(
                    "This file's content is %(kind)s, not %(allowed)s. Upload the document "
                    "as %(allowed)s; renaming a file does not change its type."
                )
                % {"kind": name, "allowed": ALLOWED_TEXT}
            }
        )
    digest = hashlib.sha256(head)
    total = len(head)
    while chunk := upload.read(1024 * 1024):
        digest.update(chunk)
        total += len(chunk)
        if total > max_bytes:
            raise ValidationError(
                {
                    "file": _("The file is over %(limit)s MB, the limit.")
                    % {"limit": _megabytes(max_bytes)}
                }
            )
    upload.seek(0)
    return CheckedFile(content_type=content_type, sha256=digest.hexdigest(), size=total)


def storage_name(sha256: str) -> str:
    return f"documents/{sha256[:2]}/{sha256}"


def intact(name: str, checked: CheckedFile) -> bool:
    """Whether the stored file ``name`` holds exactly the checked content: its size and SHA-256."""
    try:
        if default_storage.size(name) != checked.size:
            return False
        digest = hashlib.sha256()
        with default_storage.open(name, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError:  # missing or unreadable
        return False
    return digest.hexdigest() == checked.sha256


def store(upload, checked: CheckedFile) -> str:
    """Save the content under its digest (once: equal content is stored once); return the name.

    An existing file is trusted only when its size and hash are the content's: a file left empty
    or torn by a failed write (a full disk) is written again. The content goes to a temporary file
    beside its place, is flushed to disk, and is renamed into place in one step, so the name never
    holds a partial file.
    """
    name = storage_name(checked.sha256)
    if intact(name, checked):
        return name
    path = Path(default_storage.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    upload.seek(0)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, default_storage.file_permissions_mode or 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself is durable
    finally:
        os.close(folder)
    return name


def download_name(document) -> str:
    """The name a downloaded document's file gets: its type, its reference (or the start of its
    hash when it has none) and the extension of its content type, e.g. ``380-INV-7.pdf``."""
    stem = document.reference or document.sha256[:12]
    return f"{document.type}-{stem}{EXTENSIONS.get(document.content_type, '')}"
