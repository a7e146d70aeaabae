from django.urls import path

from .views import detail, documents, form, listing, moves

app_name = "declarations"
urlpatterns = [
    path("", listing.declaration_list, name="list"),
    path("new/", form.declaration_new, name="new"),
    path("<uuid:uuid>/", detail.declaration_detail, name="detail"),
    path("<uuid:uuid>/edit/", form.declaration_edit, name="edit"),
    path("<uuid:uuid>/actions/<slug:move>/", moves.declaration_action, name="action"),
    path("<uuid:uuid>/documents/", documents.document_add, name="document_add"),
    path("documents/<uuid:uuid>/", documents.document_download, name="document"),
    path("documents/<uuid:uuid>/remove/", documents.document_remove, name="document_remove"),
]
