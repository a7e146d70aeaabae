from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("eport.accounts.urls")),
    path("declarations/", include("eport.declarations.urls")),
    path("ledger/", include("ledger.urls")),
    path("api/", include("eport.api.urls")),
    path("account/tokens/", include("eport.api.token_urls")),
    path("", include("eport.audit.urls")),
    path("", include("eport.banks.urls")),
    path("", include("eport.payments.urls")),
    path("", include("eport.web.urls")),
]
