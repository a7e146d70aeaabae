from django.urls import path

from .views import batch, declaration, financing, trader, workspace

app_name = "banks"
urlpatterns = [
    path("bank/", workspace.workspace, name="workspace"),
    path("bank/check/", batch.batch_check, name="check"),
    path("bank/declarations/<uuid:uuid>/", declaration.presented_declaration, name="declaration"),
    path(
        "bank/declarations/<uuid:uuid>/financings/",
        declaration.register_financing,
        name="register_financing",
    ),
    path(
        "bank/declarations/<uuid:uuid>/receipt.json",
        declaration.presented_declaration_receipt,
        name="declaration_receipt",
    ),
    path("bank/financings/<uuid:uuid>/", financing.financing_detail, name="financing"),
    path(
        "bank/financings/<uuid:uuid>/receipt.json",
        financing.registration_receipt,
        name="financing_receipt",
    ),
    path(
        "bank/financings/<uuid:uuid>/<slug:move>/", financing.financing_move, name="financing_move"
    ),
    path(
        "finance/declarations/<uuid:uuid>/", trader.declaration_finance, name="declaration_finance"
    ),
    path("finance/declarations/<uuid:uuid>/present/", trader.present, name="present"),
    path("finance/presentations/<uuid:uuid>/withdraw/", trader.withdraw, name="withdraw"),
]
