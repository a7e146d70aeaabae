"""A document shown inside the declaration page (``officework.PREVIEW_KINDS``)."""

from __future__ import annotations

from csp.decorators import csp_replace
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from .. import selectors
from .documents import file_response
from .officework import PREVIEW_KINDS


@login_required
@require_GET
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": ["'self'"]})
def document_preview(request: HttpRequest, uuid) -> HttpResponse:
    """The stored file inline, with the content type checked at upload and never sniffed, to
    those who may see its declaration; framed only by eport's own pages."""
    document = selectors.get_document_for(request.user, uuid)
    if document.content_type not in PREVIEW_KINDS:
        raise Http404(_("This document cannot be previewed; download it instead."))
    return file_response(document, inline=True)
