from django.urls import path

from .views import (
    bulk,
    detail,
    documents,
    export,
    form,
    inspection,
    listing,
    moves,
    officework,
    preview,
    repeat,
)

app_name = "declarations"
urlpatterns = [
    path("", listing.declaration_list, name="list"),
    path("export.csv", export.declaration_export, name="export"),
    path("new/", form.declaration_new, name="new"),
    path("<uuid:uuid>/", detail.declaration_detail, name="detail"),
    path("<uuid:uuid>/edit/", form.declaration_edit, name="edit"),
    path("<uuid:uuid>/actions/<slug:move>/", moves.declaration_action, name="action"),
    path("<uuid:uuid>/copy/", repeat.declaration_copy, name="copy"),
    path("<uuid:uuid>/import/", repeat.goods_import_page, name="goods_import"),
    path(
        "goods-lines-template.<str:extension>",
        repeat.goods_import_template,
        name="goods_import_template",
    ),
    path("<uuid:uuid>/documents/", documents.document_add, name="document_add"),
    path("documents/<uuid:uuid>/", documents.document_download, name="document"),
    path("documents/<uuid:uuid>/preview/", preview.document_preview, name="document_preview"),
    path("bulk/", bulk.bulk_move, name="bulk"),
    path("post-clearance/", officework.post_clearance_list, name="post_clearance_list"),
    path("inspection/", inspection.inspection_queue, name="inspection_queue"),
    path("<uuid:uuid>/notes/", officework.note_add, name="note_add"),
    path("<uuid:uuid>/post-clearance/", officework.post_clearance_pick, name="post_clearance"),
    path("documents/<uuid:uuid>/remove/", documents.document_remove, name="document_remove"),
]
