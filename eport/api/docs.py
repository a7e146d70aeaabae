"""Swagger UI from local static files (drf-spectacular-sidecar), and problem+json 404s."""

from __future__ import annotations

import json

from csp.decorators import csp_update
from django.http import HttpResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularSwaggerSplitView

from .problems import PROBLEM_CONTENT_TYPE, problem_data


# Swagger UI shows the schema's icons as data: URLs; everything else is served from here.
@method_decorator(csp_update({"img-src": ["data:"]}), name="dispatch")
class SwaggerView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
    title = "eport API"

    def options(self, request, *args, **kwargs):
        """A page for people: OPTIONS names its methods (the Allow header) and nothing more."""
        return HttpResponse()


# It changes nothing, so a POST with a bearer token and no CSRF token gets the 404 it asked for,
# not the site's HTML "CSRF verification failed" page.
@csrf_exempt
def not_found(request, *args, **kwargs) -> HttpResponse:
    """Any path under /api/ that is not an endpoint."""
    data = problem_data(
        status_code=404,
        detail=_("There is no API endpoint at %(path)s; see /api/docs/.") % {"path": request.path},
        instance=request.get_full_path(),
    )
    return HttpResponse(json.dumps(data), status=404, content_type=PROBLEM_CONTENT_TYPE)
