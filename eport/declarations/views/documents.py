"""Documents of a declaration: adding and removing them (the "attach" move), and downloading."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import selectors, services
from ..documents import download_name
from ..errors import DeclarationError
from ..forms import DocumentForm
from .common import detail_url
from .errors import messages_of, report


@login_required
@require_POST
def document_add(request: HttpRequest, uuid) -> HttpResponse:
    declaration = selectors.get_declaration_for(request.user, uuid)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        for field, problems in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for problem in problems:
                messages.error(
                    request,
                    _("%(label)s: %(message)s") % {"label": label, "message": problem}
                    if label
                    else problem,
                )
        return redirect(detail_url(declaration) + "#documents")
    try:
        document = services.add_document(
            declaration=declaration,
            actor=request.user,
            type=form.cleaned_data["type"],
            reference=form.cleaned_data["reference"],
            issued_on=form.cleaned_data["issued_on"],
            upload=form.cleaned_data["upload"],
        )
    except (ValidationError, DeclarationError) as error:
        report(request, error)
    else:
        messages.success(
            request,
            _("%(type)s %(reference)s added.")
            % {"type": document.get_type_display(), "reference": document.reference},
        )
    return redirect(detail_url(declaration) + "#documents")


@login_required
@require_POST
def document_remove(request: HttpRequest, uuid) -> HttpResponse:
    document = selectors.get_document_for(request.user, uuid)
    declaration = document.declaration
    try:
        services.remove_document(document=document, actor=request.user)
    except (ValidationError, DeclarationError) as error:
        messages.error(request, " ".join(messages_of(error)))
    else:
        messages.success(
            request,
            _("%(type)s %(reference)s removed.")
            % {"type": document.get_type_display(), "reference": document.reference},
        )
    return redirect(detail_url(declaration) + "#documents")


@login_required
@require_GET
def document_download(request: HttpRequest, uuid) -> HttpResponse:
    """The stored file, only to those who may see its declaration; never rendered inline."""
    return file_response(selectors.get_document_for(request.user, uuid))


def file_response(document) -> FileResponse:
    """The document's stored file as an attachment named by its type and reference, with the
    extension of its (checked) content type; a 404 when the file is missing."""
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, ValueError) as missing:
        raise Http404(_("The file of this document is missing.")) from missing
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(document),
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
