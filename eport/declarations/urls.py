from django.urls import path

from . import views

app_name = "declarations"
urlpatterns = [
    path("", views.declaration_list, name="list"),
    path("new/", views.declaration_new, name="new"),
    path("<uuid:uuid>/", views.declaration_detail, name="detail"),
    path("<uuid:uuid>/edit/", views.declaration_edit, name="edit"),
    path("<uuid:uuid>/actions/<slug:move>/", views.declaration_action, name="action"),
    path("<uuid:uuid>/documents/", views.document_add, name="document_add"),
    path("documents/<uuid:uuid>/", views.document_download, name="document"),
    path("documents/<uuid:uuid>/remove/", views.document_remove, name="document_remove"),
]
