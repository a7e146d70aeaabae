from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from . import banks, docs, views

app_name = "api"

v1 = [
    path("declarations/", views.DeclarationListView.as_view(), name="declarations"),
    path("declarations/<uuid:uuid>/", views.DeclarationDetailView.as_view(), name="declaration"),
    path("declarations/<uuid:uuid>/items/", views.ItemListView.as_view(), name="items"),
    path("declarations/<uuid:uuid>/documents/", views.DocumentListView.as_view(), name="documents"),
    path("declarations/<uuid:uuid>/timeline/", views.TimelineView.as_view(), name="timeline"),
    path("declarations/<uuid:uuid>/receipt/", views.ReceiptView.as_view(), name="receipt"),
    *[
        path(f"declarations/<uuid:uuid>/{segment}/", view.as_view(), name=segment)
        for segment, view in views.ACTION_VIEWS.items()
    ],
    path("documents/<uuid:uuid>/", views.DocumentDetailView.as_view(), name="document"),
    path("documents/<uuid:uuid>/file/", views.DocumentFileView.as_view(), name="document_file"),
    # Trade finance: presentations (traders), the bank's check, the financing registry.
    path(
        "declarations/<uuid:uuid>/presentations/",
        banks.DeclarationPresentationsView.as_view(),
        name="presentations",
    ),
    path("presentations/<uuid:uuid>/", banks.PresentationDetailView.as_view(), name="presentation"),
    path(
        "presentations/<uuid:uuid>/withdraw/",
        banks.PresentationWithdrawView.as_view(),
        name="presentation_withdraw",
    ),
    path("bank/declarations/", banks.PresentedListView.as_view(), name="bank_declarations"),
    path(
        "bank/declarations/<uuid:uuid>/",
        banks.PresentedDetailView.as_view(),
        name="bank_declaration",
    ),
    path(
        "bank/declarations/<uuid:uuid>/receipt/",
        banks.PresentedReceiptView.as_view(),
        name="bank_declaration_receipt",
    ),
    path("bank/check/", banks.CheckView.as_view(), name="bank_check"),
    path("financings/", banks.FinancingListView.as_view(), name="financings"),
    path("financings/<uuid:uuid>/", banks.FinancingDetailView.as_view(), name="financing"),
    path(
        "financings/<uuid:uuid>/receipt/",
        banks.FinancingReceiptView.as_view(),
        name="financing_receipt",
    ),
    *[
        path(f"financings/<uuid:uuid>/{name}/", view.as_view(), name=f"financing_{name}")
        for name, view in banks.FINANCING_MOVE_VIEWS.items()
    ],
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs.SwaggerView.as_view(url_name="api:schema"), name="docs"),
    # Anything else under /api/ is a problem+json 404, not the site's HTML page.
    re_path(r"^.*$", docs.not_found, name="not_found"),
]
