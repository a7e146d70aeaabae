"""Swagger UI from local static files (drf-spectacular-sidecar), the pages of the problem types,
and problem+json 404s."""

from __future__ import annotations

import json
import threading

from csp.decorators import csp_update
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.response import Response

from .problems import (
    PROBLEM_BASE,
    PROBLEM_CONTENT_TYPE,
    TYPE_DESCRIPTIONS,
    TYPE_STATUS,
    TYPES,
    problem_data,
)


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema, made once per language and version in each process, then kept.

    The schema is the code's and the settings': it changes only with them, and making it takes
    seconds of CPU, which a busy server made clients wait for (schemathesis gives up after 10 s).
    It is made one request at a time: drf-spectacular resolves its extensions' target classes on
    first use, and not safely from several threads (the first requests of a fresh process,
    arriving together, answered 500).
    """

    _generating = threading.Lock()
    _made: dict[tuple, dict] = {}

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (translation.get_language(), version)
        with self._generating:
            if key not in self._made:
                self._made[key] = super()._get_schema_response(request).data
        filename = self._get_filename(request, version)
        return Response(
            data=self._made[key],
            headers={"Content-Disposition": f'inline; filename="{filename}"'},
        )


@receiver(setting_changed)
def _forget_schemas(**kwargs) -> None:
    # Tests change settings the schema states (rates, limits): the next request makes it anew.
    SchemaView._made.clear()


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


def problem_types(request, kind: str | None = None) -> HttpResponse:
    """The page a problem's ``type`` URI names (RFC 9457 section 3.1.1): what it means and what
    to do; without a kind, every type."""
    if kind is not None and kind not in TYPES:
        return not_found(request)
    kinds = [kind] if kind else list(TYPES)
    problems = [
        {
            "uri": f"{PROBLEM_BASE}{name}",
            "title": TYPES[name],
            "status": TYPE_STATUS[name],
            "description": TYPE_DESCRIPTIONS[name],
        }
        for name in kinds
    ]
    return render(request, "api/problem_types.html", {"problems": problems, "single": kind})
