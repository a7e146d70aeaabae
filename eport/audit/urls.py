from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("audit/", views.workspace, name="workspace"),
    path("audit/ledger/", views.ledger_browser, name="ledger"),
    path("audit/ledger/<int:seq>/", views.entry_detail, name="entry"),
    path("audit/ledger/<int:seq>/receipt.json", views.entry_receipt, name="entry_receipt"),
    path("audit/checkpoints/", views.checkpoint_list, name="checkpoints"),
    path("audit/checkpoints/<int:size>/", views.checkpoint_detail, name="checkpoint"),
    path("audit/verification/", views.verification, name="verification"),
    path("audit/verification/start/", views.verification_start, name="verification_start"),
    path("audit/verification/<int:run_id>/", views.run_detail, name="run"),
    path("audit/verification/<int:run_id>/progress/", views.run_progress, name="run_progress"),
    path("audit/evidence/", views.evidence_form, name="evidence"),
    path("audit/evidence/download/", views.evidence_download, name="evidence_download"),
    path("receipts/<uuid:uuid>/", views.declaration_receipts_page, name="receipts"),
    path("receipts/<uuid:uuid>/receipt.json", views.declaration_receipt, name="receipt"),
    path(
        "receipts/<uuid:uuid>/entries/<int:seq>/receipt.json",
        views.declaration_receipt,
        name="entry_receipt_of_declaration",
    ),
    path("receipts/<uuid:uuid>/release-note.pdf", views.release_note_pdf, name="release_note"),
    path("verify/", views.verify, name="verify"),
]
