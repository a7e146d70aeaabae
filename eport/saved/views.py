"""The saved parties and goods lines pages: list, add, change, forget, and save from a filing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from eport.declarations import selectors as declarations
from eport.declarations.errors import NotPermitted
from eport.reference import codes

from . import access, selectors, services
from .forms import GoodsLineForm, PartyForm
from .models import SavedParty


def _trader(request: HttpRequest) -> None:
    try:
        access.check_may_keep(request.user)
    except NotPermitted as refusal:
        raise PermissionDenied(str(refusal)) from None


def _attach(error: ValidationError, form) -> None:
    for field, problems in error.message_dict.items():
        for problem in problems:
            form.add_error(None if field not in form.fields else field, problem)


@login_required
@require_GET
def saved_index(request: HttpRequest) -> HttpResponse:
    """The company's saved parties, by role, and its saved goods lines."""
    _trader(request)
    parties = list(selectors.parties_for(request.user))
    context = {
        "roles": [
            {"label": label, "parties": [p for p in parties if p.role == role], "role": role}
            for role, label in SavedParty.Role.choices
        ],
        "lines": list(selectors.goods_lines_for(request.user)),
    }
    return render(request, "saved/index.html", context)


def _form_page(request, form, *, title, status=200):
    context = {
        "form": form,
        "title": title,
        "countries": codes.COUNTRIES,
        "units": codes.UNITS,
    }
    return render(request, "saved/form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def party_edit(request: HttpRequest, uuid=None) -> HttpResponse:
    """Add a saved party, or change one (its role stays)."""
    _trader(request)
    party = selectors.get_party_for(request.user, uuid) if uuid else None
    title = _("Change saved party") if party else _("Save a party")
    if request.method == "GET":
        initial = (
            {f: getattr(party, f) for f in ("role", "name", "country", "party_id")}
            if party
            else {"role": request.GET.get("role", SavedParty.Role.CONSIGNOR)}
        )
        return _form_page(request, _party_form(initial=initial, party=party), title=title)
    form = _party_form(data=request.POST, party=party)
    if form.is_valid():
        values = {f: form.cleaned_data[f] for f in ("name", "country", "party_id")}
        try:
            if party is None:
                services.save_party(actor=request.user, role=form.cleaned_data["role"], **values)
            else:
                services.update_party(party=party, actor=request.user, **values)
        except ValidationError as error:
            _attach(error, form)
        else:
            messages.success(request, _("Party %(name)s saved.") % {"name": values["name"]})
            return redirect("saved:index")
    return _form_page(request, form, title=title, status=400)


def _party_form(*, party=None, **kwargs) -> PartyForm:
    form = PartyForm(**kwargs)
    if party is not None:
        form.fields["role"].disabled = True
        form.fields["role"].initial = party.role
    return form


@login_required
@require_POST
def party_delete(request: HttpRequest, uuid) -> HttpResponse:
    _trader(request)
    party = selectors.get_party_for(request.user, uuid)
    services.delete_party(party=party, actor=request.user)
    messages.success(request, _("Saved party %(name)s removed.") % {"name": party.name})
    return redirect("saved:index")


@login_required
@require_http_methods(["GET", "POST"])
def goods_line_edit(request: HttpRequest, uuid=None) -> HttpResponse:
    """Add a saved goods line, or change one."""
    _trader(request)
    line = selectors.get_goods_line_for(request.user, uuid) if uuid else None
    title = _("Change saved goods line") if line else _("Save a goods line")
    fields = ("hs_code", "description", "origin_country", "unit")
    if request.method == "GET":
        initial = {f: getattr(line, f) for f in fields} if line else None
        return _form_page(request, GoodsLineForm(initial=initial), title=title)
    form = GoodsLineForm(request.POST)
    if form.is_valid():
        values = {f: form.cleaned_data[f] for f in fields}
        try:
            if line is None:
                services.save_goods_line(actor=request.user, **values)
            else:
                services.update_goods_line(line=line, actor=request.user, **values)
        except ValidationError as error:
            _attach(error, form)
        else:
            messages.success(request, _("Goods line saved."))
            return redirect("saved:index")
    return _form_page(request, form, title=title, status=400)


@login_required
@require_POST
def goods_line_delete(request: HttpRequest, uuid) -> HttpResponse:
    _trader(request)
    line = selectors.get_goods_line_for(request.user, uuid)
    services.delete_goods_line(line=line, actor=request.user)
    messages.success(request, _("Saved goods line %(line)s removed.") % {"line": line})
    return redirect("saved:index")


@login_required
@require_POST
def save_from_declaration(request: HttpRequest, uuid) -> HttpResponse:
    """Save a declaration's consignor, consignee or goods lines for later filings."""
    _trader(request)
    declaration = declarations.get_declaration_for(request.user, uuid)
    what = request.POST.get("what", "")
    saved, known = [], []
    try:
        with transaction.atomic():
            _save_from(request.user, declaration, what, saved, known)
    except ValidationError as error:
        saved, known = [], []
        messages.error(request, _("Nothing was saved:"))
        for problem in error.messages:
            messages.error(request, problem)
    if saved:
        messages.success(request, _("Saved for later: %(names)s.") % {"names": "; ".join(saved)})
    if known:
        messages.info(request, _("Already saved: %(names)s.") % {"names": "; ".join(known)})
    return redirect("declarations:detail", uuid=declaration.uuid)


def _save_from(user, declaration, what: str, saved: list, known: list) -> None:
    """Save the declaration's party or goods lines not saved yet, naming each in its list."""
    if what in SavedParty.Role.values:
        party = {
            "role": what,
            "name": getattr(declaration, f"{what}_name"),
            "country": getattr(declaration, f"{what}_country"),
            "party_id": getattr(declaration, f"{what}_id"),
        }
        if selectors.parties_for(user).filter(**party).exists():
            known.append(party["name"])
        else:
            saved.append(services.save_party(actor=user, **party).name)
    elif what == "lines":
        for item in declaration.items.order_by("line"):
            line = {
                "hs_code": item.hs_code,
                "description": item.description,
                "origin_country": item.origin_country,
                "unit": item.unit,
            }
            if selectors.goods_lines_for(user).filter(**line).exists():
                known.append(item.description)
            else:
                saved.append(services.save_goods_line(actor=user, **line).description)
