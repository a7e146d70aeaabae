"""Documents of a declaration: adding and removing them (the "attach" move), and downloading."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import lifecycle, selectors, services
from ..documents import download_name
from ..errors import DeclarationError
from ..forms import DocumentForm
from .common import detail_url
from .detail import detail_page
from .errors import messages_of, report


@login_required
@require_POST
def document_add(request: HttpRequest, uuid) -> HttpResponse:
    """Attach a document; a refusal shows the form again with each problem next to its field
    and everything typed kept (the file must be chosen again: a browser cannot keep it)."""
    declaration = selectors.get_declaration_for(request.user, uuid)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = services.add_document(
                declaration=declaration,
                actor=request.user,
                type=form.cleaned_data["type"],
                reference=form.cleaned_data["reference"],
                issued_on=form.cleaned_data["issued_on"],
                upload=form.cleaned_data["upload"],
            )
        except DeclarationError as error:
            report(request, error)
            return redirect(detail_url(declaration) + "#documents")
        except ValidationError as error:
            _attach_problems(error, form)
        else:
            messages.success(
                request,
                _("%(type)s %(reference)s added.")
                % {"type": document.get_type_display(), "reference": document.reference},
            )
            return redirect(detail_url(declaration) + "#documents")
    try:
        lifecycle.check_move(declaration, request.user, "attach")
    except DeclarationError as error:
        # Nothing to correct on a page that offers no upload: the reason is the message.
        report(request, error)
        return redirect(detail_url(declaration) + "#documents")
    # Said where the upload is read out (its help text), not as one more problem.
    form["upload"].help_text = _(
        "Choose the file again: a browser cannot keep it after a refusal. %(limit)s"
    ) % {"limit": form.fields["upload"].help_text}
    # The first field with a problem takes the focus, so the page opens at the upload form
    # (autofocus, not a #fragment: a browser skips autofocus on a page opened at a fragment).
    first = next((name for name in form.fields if name in form.errors), None)
    if first is not None:
        form.fields[first].widget.attrs["autofocus"] = True
    return detail_page(request, declaration, document_form=form, status=400)


# The service names the file "file"; the form calls it "upload".
_FORM_FIELDS = {"file": "upload"}


def _attach_problems(error: ValidationError, form: DocumentForm) -> None:
    """Each of the service's problems next to its field; any other above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, problems in error.message_dict.items():
        for problem in problems:
            field = _FORM_FIELDS.get(key, key)
            form.add_error(field if field in form.fields else None, problem)


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


def file_response(document, *, inline: bool = False) -> FileResponse:
    """The document's stored file as an attachment (or ``inline``, for a preview) named by its
    type and reference, with its (checked) content type, never sniffed; a 404 when the file is
    missing."""
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, ValueError) as missing:
        raise Http404(_("The file of this document is missing.")) from missing
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=download_name(document),
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
