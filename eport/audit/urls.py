from django.urls import path

from .views import receipts, verify, workspace

app_name = "audit"
urlpatterns = [
    path("audit/", workspace.workspace, name="workspace"),
    path("audit/ledger/", workspace.ledger_browser, name="ledger"),
    path("audit/ledger/<int:seq>/", workspace.entry_detail, name="entry"),
    path("audit/ledger/<int:seq>/receipt.json", workspace.entry_receipt, name="entry_receipt"),
    path("audit/checkpoints/", workspace.checkpoint_list, name="checkpoints"),
    path("audit/checkpoints/<int:size>/", workspace.checkpoint_detail, name="checkpoint"),
    path("audit/verification/", workspace.verification, name="verification"),
    path("audit/verification/start/", workspace.verification_start, name="verification_start"),
    path("audit/verification/<int:run_id>/", workspace.run_detail, name="run"),
    path("audit/verification/<int:run_id>/progress/", workspace.run_progress, name="run_progress"),
    path("audit/evidence/", workspace.evidence_form, name="evidence"),
    path("audit/evidence/download/", workspace.evidence_download, name="evidence_download"),
    path("receipts/<uuid:uuid>/", receipts.declaration_receipts_page, name="receipts"),
    path("receipts/<uuid:uuid>/receipt.json", receipts.declaration_receipt, name="receipt"),
    path(
        "receipts/<uuid:uuid>/entries/<int:seq>/receipt.json",
        receipts.declaration_receipt,
        name="entry_receipt_of_declaration",
    ),
    path("receipts/<uuid:uuid>/release-note.pdf", receipts.release_note_pdf, name="release_note"),
    path("verify/", verify.verify, name="verify"),
]
