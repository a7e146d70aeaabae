"""Filing a declaration: a new draft, editing it, and amending it to answer a query."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from eport.reference import codes

from .. import lifecycle, selectors, services
from ..errors import DeclarationError, NotPermitted
from ..forms import (
    FILL,
    ITEMS_PREFIX,
    PROCEDURE_CODES,
    AmendForm,
    DeclarationForm,
    GoodsItemFormSet,
    header_initial,
    items_initial,
    with_chosen_values,
)
from ..models import Declaration
from .common import INCOMPLETE_FORM, detail_url
from .errors import attach_errors, report


@login_required
@require_http_methods(["GET", "POST"])
def declaration_new(request: HttpRequest) -> HttpResponse:
    """A new draft; "Save and submit" also submits it when it is complete."""
    try:
        lifecycle.check_role(request.user, "edit")
    except NotPermitted as refusal:
        raise PermissionDenied(str(refusal)) from None
    if request.method == "GET":
        form = DeclarationForm(initial={"flow": Declaration.Flow.IMPORT, "procedure_code": "4000"})
        formset = GoodsItemFormSet(prefix=ITEMS_PREFIX)
        return _render_form(request, form, formset)

    form = DeclarationForm(request.POST)
    formset = GoodsItemFormSet(request.POST, prefix=ITEMS_PREFIX)
    if "add_item" in request.POST:
        return _render_form(request, form, _with_extra_item(formset, request.POST))
    if FILL in request.POST:
        return _render_filled(request)
    if not _parse(form, formset):
        return _render_form(request, form, formset, invalid=True)
    item_forms = formset.kept_forms()
    try:
        declaration = services.create_draft(
            actor=request.user, header=form.header(), items=[f.item() for f in item_forms]
        )
    except ValidationError as error:
        attach_errors(error, form, item_forms)
        return _render_form(request, form, formset, invalid=True)
    except DeclarationError as error:
        report(request, error)
        return _render_form(request, form, formset)
    return _after_save(request, declaration, submit="submit" in request.POST)


@login_required
@require_http_methods(["GET", "POST"])
def declaration_edit(request: HttpRequest, uuid) -> HttpResponse:
    """Edit a draft, or amend a queried declaration and send it back to the officer."""
    declaration = selectors.get_declaration_for(request.user, uuid)
    amending = lifecycle.can(declaration, request.user, "amend")
    if not amending and not lifecycle.can(declaration, request.user, "edit"):
        messages.error(request, _why_not_editable(declaration, request.user))
        return redirect(detail_url(declaration))

    if request.method == "GET":
        form = DeclarationForm(initial=header_initial(declaration))
        formset = GoodsItemFormSet(initial=items_initial(declaration), prefix=ITEMS_PREFIX)
        amend_form = AmendForm() if amending else None
        return _render_form(request, form, formset, declaration=declaration, amend_form=amend_form)

    form = DeclarationForm(request.POST)
    formset = GoodsItemFormSet(request.POST, prefix=ITEMS_PREFIX)
    amend_form = AmendForm(request.POST) if amending else None
    version = _posted_version(request)
    context = {"declaration": declaration, "amend_form": amend_form, "version": version}
    if "add_item" in request.POST:
        return _render_form(request, form, _with_extra_item(formset, request.POST), **context)
    if FILL in request.POST:
        return _render_filled(request, **context)
    parsed = _parse(form, formset)
    if amend_form is not None and not amend_form.is_valid():
        parsed = False
    if not parsed or version is None:
        if version is None:
            messages.error(request, INCOMPLETE_FORM)
        return _render_form(request, form, formset, invalid=True, **context)
    item_forms = formset.kept_forms()
    items = [f.item() for f in item_forms]
    try:
        if amending:
            declaration = services.amend_declaration(
                declaration=declaration,
                actor=request.user,
                header=form.header(),
                items=items,
                answer=amend_form.cleaned_data["answer"],
                version=version,
            )
        else:
            declaration = services.update_draft(
                declaration=declaration,
                actor=request.user,
                header=form.header(),
                items=items,
                version=version,
            )
    except ValidationError as error:
        attach_errors(error, form, item_forms)
        return _render_form(request, form, formset, invalid=True, **context)
    except DeclarationError as error:
        report(request, error)
        return _render_form(request, form, formset, **context)
    if amending:
        messages.success(request, _("Your amendment was sent back to customs for review."))
        return redirect(detail_url(declaration))
    return _after_save(request, declaration, submit="submit" in request.POST)


def _after_save(request: HttpRequest, declaration: Declaration, *, submit: bool) -> HttpResponse:
    if not submit:
        messages.success(request, _("Draft %(lrn)s saved.") % {"lrn": declaration.lrn})
        return redirect(detail_url(declaration))
    try:
        declaration = services.submit_declaration(
            declaration=declaration, actor=request.user, version=declaration.version
        )
    except ValidationError as error:
        messages.warning(
            request, _("The draft was saved, but it cannot be submitted yet. Please fix:")
        )
        report(request, error)
        return redirect(detail_url(declaration))
    except DeclarationError as error:
        messages.error(
            request, _("The draft was saved, but not submitted: %(why)s") % {"why": error}
        )
        return redirect(detail_url(declaration))
    messages.success(
        request, _("Declaration %(number)s submitted.") % {"number": declaration.number}
    )
    return redirect(detail_url(declaration))


def _parse(form: DeclarationForm, formset) -> bool:
    form_ok = form.is_valid()
    formset_ok = formset.is_valid()
    return form_ok and formset_ok


def _render_filled(request, **context):
    """The form again with a saved party's or goods line's values filled in, nothing saved."""
    data = with_chosen_values(request.POST)
    amend_form = context.pop("amend_form", None)
    return _render_form(
        request,
        DeclarationForm(data),
        GoodsItemFormSet(data, prefix=ITEMS_PREFIX),
        amend_form=AmendForm(data) if amend_form is not None else None,
        **context,
    )


def _with_extra_item(formset, data):
    """The same formset with one more blank item: the no-JavaScript "Add another item"."""
    data = data.copy()
    total_key = f"{ITEMS_PREFIX}-TOTAL_FORMS"
    try:
        total = int(data.get(total_key, "1"))
    except ValueError:
        total = 1
    data[total_key] = str(min(total + 1, 999))
    formset = GoodsItemFormSet(data, prefix=ITEMS_PREFIX)
    # The page opens on the new item's first field, as the script does after adding one.
    formset.forms[-1].fields["hs_code"].widget.attrs["autofocus"] = True
    return formset


def _render_form(
    request,
    form,
    formset,
    *,
    declaration=None,
    amend_form=None,
    version=None,
    invalid=False,
):
    errors = _error_summary(form, formset, amend_form) if invalid or form.is_bound else []
    context = {
        "form": form,
        "formset": formset,
        "declaration": declaration,
        "amend_form": amend_form,
        "version": declaration.version if declaration is not None else version,
        "error_summary": errors,
        "countries": codes.COUNTRIES,
        "currencies": codes.CURRENCIES,
        "units": codes.UNITS,
        "procedures": PROCEDURE_CODES,
    }
    status = 400 if errors else 200
    return render(request, "declarations/form.html", context, status=status)


def _error_summary(form, formset, amend_form) -> list[dict]:
    """Every problem on the page, each linking to its field."""
    if not form.is_bound:
        return []
    summary = [{"anchor": "", "label": "", "message": m} for m in form.non_field_errors()]
    for name, errors in form.errors.items():
        if name == "__all__":
            continue
        for message in errors:
            summary.append(
                {"anchor": form[name].auto_id, "label": form[name].label, "message": message}
            )
    summary.extend(
        {"anchor": "items", "label": _("Goods items"), "message": m}
        for m in formset.non_form_errors()
    )
    number = 0
    for item_form in formset.forms:
        if formset.removes(item_form):
            continue
        number += 1
        for name, errors in item_form.errors.items():
            for message in errors:
                if name == "__all__":
                    summary.append(
                        {
                            "anchor": f"item-{item_form.prefix}",
                            "label": _("Item %(number)d") % {"number": number},
                            "message": message,
                        }
                    )
                    continue
                summary.append(
                    {
                        "anchor": item_form[name].auto_id,
                        "label": _("Item %(number)d, %(field)s")
                        % {"number": number, "field": item_form[name].label},
                        "message": message,
                    }
                )
    if amend_form is not None and amend_form.is_bound:
        for message in amend_form.errors.get("answer", []):
            summary.append(
                {
                    "anchor": amend_form["answer"].auto_id,
                    "label": _("Answer"),
                    "message": message,
                }
            )
    return summary


def _posted_version(request) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _why_not_editable(declaration: Declaration, user) -> str:
    try:
        lifecycle.check_role(user, "edit")
    except NotPermitted as refusal:
        return str(refusal)
    return _(
        "This declaration is %(status)s; it can be edited only as a draft or when customs has "
        "raised a query."
    ) % {"status": declaration.get_status_display().lower()}
