"""Repeat filings: a declaration copied as a new draft, goods lines imported from a file."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import goods_import, lifecycle, selectors, services
from ..errors import DeclarationError, NotPermitted
from ..fields import HEADER_VALUE_FIELDS, ITEM_FIELDS
from ..forms import GoodsImportForm
from .common import INCOMPLETE_FORM, detail_url
from .errors import messages_of, report


@login_required
@require_POST
def declaration_copy(request: HttpRequest, uuid) -> HttpResponse:
    """Copy a declaration of the trader's company as a new draft, and open it for editing."""
    declaration = selectors.get_declaration_for(request.user, uuid)
    try:
        copy = services.copy_declaration(declaration=declaration, actor=request.user)
    except NotPermitted as refusal:
        raise PermissionDenied(str(refusal)) from None
    except (ValidationError, DeclarationError) as error:
        messages.error(request, _("The declaration could not be copied:"))
        report(request, error)
        return redirect(detail_url(declaration))
    messages.success(
        request,
        _(
            "Copied %(original)s as the new draft %(lrn)s: check the LRN and what changed, "
            "then attach this shipment's documents."
        )
        % {"original": declaration, "lrn": copy.lrn},
    )
    return redirect("declarations:edit", uuid=copy.uuid)


@login_required
@require_http_methods(["GET", "POST"])
def goods_import_page(request: HttpRequest, uuid) -> HttpResponse:
    """Add goods lines to a draft from a CSV or .xlsx file: all of them, or none and every
    problem named by row and column."""
    declaration = selectors.get_declaration_for(request.user, uuid)
    if not lifecycle.can(declaration, request.user, "edit"):
        messages.error(request, _("Goods lines can be imported only into a draft of yours."))
        return redirect(detail_url(declaration))
    if request.method == "GET":
        form = GoodsImportForm(initial={"version": declaration.version})
        return _render(request, declaration, form)

    form = GoodsImportForm(request.POST, request.FILES)
    if not form.is_valid():
        if "version" in form.errors:
            messages.error(request, INCOMPLETE_FORM)
        return _render(request, declaration, form, status=400)
    # One byte past the limit is enough for the parser to refuse the file by its size.
    result = goods_import.read_goods_lines(
        form.cleaned_data["upload"].read(goods_import.MAX_BYTES + 1)
    )
    if not result.ok:
        return _render(request, declaration, form, problems=result.problems, status=400)
    items = result.items
    if form.cleaned_data["mode"] == GoodsImportForm.ADD:
        kept = declaration.items.order_by("line")
        items = [{name: getattr(item, name) for name in ITEM_FIELDS} for item in kept] + items
    header = {name: getattr(declaration, name) for name in HEADER_VALUE_FIELDS}
    header["office"] = declaration.office
    try:
        declaration = services.update_draft(
            declaration=declaration,
            actor=request.user,
            header=header,
            items=items,
            version=form.cleaned_data["version"],
        )
    except (ValidationError, DeclarationError) as error:
        return _render(request, declaration, form, problems=messages_of(error), status=400)
    messages.success(
        request,
        _("%(count)s goods lines imported; the draft now has %(total)s goods items.")
        % {"count": len(result.items), "total": len(items)},
    )
    return redirect(detail_url(declaration))


def _render(request, declaration, form, *, problems=(), status=200) -> HttpResponse:
    context = {
        "declaration": declaration,
        "form": form,
        "problems": list(problems),
        "columns": [
            {
                "name": name,
                "help": goods_import.COLUMN_HELP[name],
                "required": name in goods_import.REQUIRED_COLUMNS,
            }
            for name in goods_import.COLUMNS
        ],
        "max_rows": goods_import.MAX_ROWS,
        "max_mb": goods_import.MAX_BYTES // (1024 * 1024),
    }
    return render(request, "declarations/import.html", context, status=status)


TEMPLATES = {
    "csv": (goods_import.template_csv, "text/csv; charset=utf-8"),
    "xlsx": (
        goods_import.template_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}


@login_required
@require_GET
def goods_import_template(request: HttpRequest, extension: str) -> HttpResponse:
    """The goods lines template (header row and one example line) as CSV or .xlsx."""
    if extension not in TEMPLATES:
        raise Http404(_("No such template."))
    build, content_type = TEMPLATES[extension]
    response = HttpResponse(build(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="goods-lines.{extension}"'
    return response
