"""Run by the backup test against a restored database (DATABASE_URL) and its copy of the media
files (MEDIA_ROOT): reconciliation, and every document's file against its recorded SHA-256 and
size. Prints one JSON object; exits 1 when anything does not match."""

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
django.setup()

from eport.audit.reconcile import reconcile_declarations  # noqa: E402
from eport.declarations.documents import CheckedFile, intact  # noqa: E402
from eport.declarations.models import Document  # noqa: E402

findings = []
report = reconcile_declarations(on_finding=findings.append)
documents = list(Document.objects.order_by("pk"))
broken_files = [
    document.file.name
    for document in documents
    if not intact(
        document.file.name,
        CheckedFile(content_type=document.content_type, sha256=document.sha256, size=document.size),
    )
]
print(
    json.dumps(
        {
            "declarations": report.checked,
            "payments": report.payments_checked,
            "settled": report.settlements_checked,
            "findings": [[finding.kind, finding.subject] for finding in findings],
            "documents": len(documents),
            "broken_files": broken_files,
        }
    )
)
sys.exit(0 if report.ok and not broken_files else 1)
