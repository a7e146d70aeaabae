from django.contrib import admin
from django.urls import include, path

from eport.api import problems
from eport.web import views as web_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("eport.accounts.urls")),
    path("declarations/", include("eport.declarations.urls")),
    path("licences/", include("eport.licensing.urls")),
    path("saved/", include("eport.saved.urls")),
    path("ledger/", include("ledger.urls")),
    path("notifications/", include("eport.notifications.urls")),
    path("api/", include("eport.api.urls")),
    path("account/tokens/", include("eport.api.token_urls")),
    path("", include("eport.audit.urls")),
    path("", include("eport.banks.urls")),
    path("", include("eport.payments.urls")),
    path("", include("eport.ops.urls")),
    path("", include("eport.web.urls")),
]


def server_error(request):
    """Errors outside a view's own handling: problem details for the API, a page elsewhere."""
    if request.path.startswith("/api/"):
        return problems.server_error(request)
    return web_views.server_error(request)


handler500 = server_error
