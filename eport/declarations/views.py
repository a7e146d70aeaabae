"""Declaration pages. Each view parses input with a form, finds the declaration through the
selectors (so another company's declaration is a 404), calls one service, and renders or
redirects. Domain refusals come back as messages on the page, never as a server error."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.timesince import TIME_STRINGS, timesince
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from eport.reference import codes
from eport.web.templatetags.eport import lane_badge, status_badge

from . import selectors, services
from .errors import DeclarationError
from .fields import HEADER_FIELDS
from .forms import (
    ITEMS_PREFIX,
    PROCEDURE_CODES,
    ActionForm,
    AmendForm,
    DeclarationForm,
    DocumentForm,
    GoodsItemFormSet,
    ListFilterForm,
    header_initial,
    items_initial,
)
from .models import Declaration

PAGE_SIZE = 25
Status = Declaration.Status

# Moves that are links to a page of their own rather than a button with a small form.
PAGE_MOVES = {"edit", "amend", "attach"}


# The list ----------------------------------------------------------------------------------


@login_required
@require_GET
def declaration_list(request: HttpRequest) -> HttpResponse:
    """Trader: the company's dashboard. Officer: the office's queue. Auditor: everything."""
    user = request.user
    filters = ListFilterForm(request.GET)
    filters.is_valid()  # invalid filters are dropped, never an error page
    wanted = {name: value for name, value in filters.cleaned_data.items() if value}
    query = wanted.get("q", "")
    status = wanted.get("status")

    if user.is_officer:
        company = wanted.get("company", "").strip()
        by_usci = len(company) == 18 and company.isalnum()
        declarations = selectors.officer_queue(
            user,
            lane=wanted.get("lane"),
            status=status,
            age_days=wanted.get("age"),
            company=company if by_usci else None,
        )
        if company and not by_usci:
            declarations = declarations.filter(company__name__icontains=company)
        if query:
            matching = selectors.search_declarations(user, query)
            declarations = declarations.filter(pk__in=matching.values("pk"))
    elif query:
        declarations = selectors.search_declarations(user, query, status=status)
    else:
        declarations = selectors.declarations_for(user)
        if status:
            declarations = declarations.filter(status=status)
    if not user.is_officer:
        declarations = _narrow(declarations, wanted)
        # Traders see what moved last; auditors, who look across every company, see the newest
        # filings first, which the primary key index serves without sorting 100,000 rows.
        ordering = ("-updated_at", "-pk") if user.is_trader else ("-pk",)
        declarations = declarations.order_by(*ordering)

    page_number = wanted.get("page") or 1
    offset = (page_number - 1) * PAGE_SIZE
    # One row more than a page tells whether there is a next page without counting them all.
    rows = list(
        declarations.select_related("company", "office", "assigned_officer")[
            offset : offset + PAGE_SIZE + 1
        ]
    )
    context = {
        "filters": filters,
        "declarations": rows[:PAGE_SIZE],
        "rows": _list_rows(rows[:PAGE_SIZE], user),
        "is_trader": user.is_trader,
        "is_officer": user.is_officer,
        "status_select": _select_html(filters, "status"),
        "lane_select": _select_html(filters, "lane"),
        "age_select": _select_html(filters, "age"),
        "page_number": page_number,
        "has_next": len(rows) > PAGE_SIZE,
        "has_previous": page_number > 1,
        "first_row": offset + 1,
        "last_row": offset + min(len(rows), PAGE_SIZE),
        "filtered": bool(set(wanted) - {"page"}),
    }
    if user.is_trader:
        counts = dict(
            selectors.declarations_for(user)
            .order_by()
            .values_list("status")
            # COUNT(*), not COUNT(id): the (company, status, ...) index alone answers it.
            .annotate(n=Count("*"))
            .values_list("status", "n")
        )
        context["status_counts"] = [
            {"status": value, "label": label, "count": counts.get(value, 0)}
            for value, label in Status.choices
        ]
        context["total_count"] = sum(counts.values())
    if user.is_officer:
        context["waiting_count"] = selectors.officer_queue(user, status=Status.SUBMITTED).count()
    return render(request, "declarations/list.html", context)


# The list renders 25 rows per request; what each row shows is worked out here in one pass,
# because the template language's per-row lookups, {% url %}, get_FOO_display and timesince
# filters were most of the page's CPU time. The HTML is the same as the template would make.
FLOW_LABELS = dict(Declaration.Flow.choices)
STATUS_LABELS = dict(Status.choices)
_STATUS_BADGES: dict = {}
_LANE_BADGES: dict = {}
_SELECTS: dict = {}
_ZERO_UUID = "00000000-0000-0000-0000-000000000000"


class _PluralCache:
    """A ``timesince`` unit string that remembers each number's wording per language."""

    def __init__(self, lazy):
        self.lazy = lazy
        self.done: dict = {}

    def __mod__(self, values: dict) -> str:
        key = (get_language(), values["num"])
        if key not in self.done:
            self.done[key] = str(self.lazy % values)
        return self.done[key]


_TIME_STRINGS = {name: _PluralCache(lazy) for name, lazy in TIME_STRINGS.items()}


def _badge(cache: dict, make, *args):
    if args not in cache:
        cache[args] = make(*args)
    return cache[args]


def _list_rows(declarations, user) -> list[dict]:
    """What each list row shows, as the template's filters and tags would have written it."""
    detail_url = reverse("declarations:detail", kwargs={"uuid": _ZERO_UUID})
    now = timezone.now()
    rows = []
    for declaration in declarations:
        row = {
            "url": detail_url.replace(_ZERO_UUID, str(declaration.uuid)),
            "number": declaration.number or "draft",
            "lrn": declaration.lrn,
            "flow": FLOW_LABELS.get(declaration.flow, declaration.flow),
            "status": _badge(
                _STATUS_BADGES,
                status_badge,
                declaration.status,
                STATUS_LABELS.get(declaration.status, declaration.status),
            ),
            "lane": _badge(_LANE_BADGES, lane_badge, declaration.lane),
        }
        if not user.is_trader:
            row["company"] = declaration.company.name
        if user.is_officer:
            submitted = declaration.submitted_at
            row["submitted_title"] = (
                timezone.localtime(submitted).strftime("%Y-%m-%d %H:%M") if submitted else ""
            )
            row["waiting"] = (
                timesince(submitted, now, time_strings=_TIME_STRINGS) if submitted else ""
            )
            if declaration.assigned_officer_id == user.pk:
                row["officer"] = "You"
            elif declaration.assigned_officer_id:
                officer = declaration.assigned_officer
                row["officer"] = officer.get_full_name() or officer.username
            else:
                row["officer"] = None
        else:
            updated = timezone.localtime(declaration.updated_at)
            row["transport_document"] = declaration.transport_document or "—"
            row["updated_title"] = updated.strftime("%Y-%m-%d %H:%M")
            row["updated"] = dateformat.format(updated, "j M Y H:i")
        rows.append(row)
    return rows


def _select_html(filters: ListFilterForm, name: str) -> str:
    """A filter's select as the form renders it, remembered for each valid choice."""
    bound = filters[name]
    value = bound.value()
    key = (name, value, get_language())
    if not isinstance(value, str | None) or value not in {
        str(choice) for choice, _ in filters.fields[name].choices
    } | {None}:
        return str(bound)
    if key not in _SELECTS:
        _SELECTS[key] = str(bound)
    return _SELECTS[key]


def _narrow(declarations, wanted: dict):
    """The auditor's filters (officers get the same ones from ``officer_queue``)."""
    if wanted.get("lane"):
        declarations = declarations.filter(lane=wanted["lane"])
    if wanted.get("age"):
        declarations = declarations.filter(
            submitted_at__lte=timezone.now() - timedelta(days=wanted["age"])
        )
    if wanted.get("company"):
        company = wanted["company"]
        declarations = declarations.filter(company__name__icontains=company) | declarations.filter(
            company__usci=company.upper()
        )
    return declarations


# New and edit ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def declaration_new(request: HttpRequest) -> HttpResponse:
    """A new draft; "Save and submit" also submits it when it is complete."""
    if not request.user.is_trader:
        raise PermissionDenied("Only traders file declarations.")
    if request.method == "GET":
        form = DeclarationForm(initial={"flow": Declaration.Flow.IMPORT, "procedure_code": "4000"})
        formset = GoodsItemFormSet(prefix=ITEMS_PREFIX)
        return _render_form(request, form, formset)

    form = DeclarationForm(request.POST)
    formset = GoodsItemFormSet(request.POST, prefix=ITEMS_PREFIX)
    if "add_item" in request.POST:
        return _render_form(request, form, _with_extra_item(formset, request.POST))
    if not _parse(form, formset):
        return _render_form(request, form, formset, invalid=True)
    item_forms = formset.kept_forms()
    try:
        declaration = services.create_draft(
            actor=request.user, header=form.header(), items=[f.item() for f in item_forms]
        )
    except ValidationError as error:
        _attach_errors(error, form, item_forms)
        return _render_form(request, form, formset, invalid=True)
    except DeclarationError as error:
        messages.error(request, str(error))
        return _render_form(request, form, formset)
    return _after_save(request, declaration, submit="submit" in request.POST)


@login_required
@require_http_methods(["GET", "POST"])
def declaration_edit(request: HttpRequest, uuid) -> HttpResponse:
    """Edit a draft, or amend a queried declaration and send it back to the officer."""
    declaration = selectors.get_declaration_for(request.user, uuid)
    moves = {move.name for move in services.allowed_moves(declaration, request.user)}
    amending = "amend" in moves
    if not amending and "edit" not in moves:
        messages.error(request, _why_not_editable(declaration, request.user))
        return redirect(_detail_url(declaration))

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
    parsed = _parse(form, formset)
    if amend_form is not None and not amend_form.is_valid():
        parsed = False
    if not parsed or version is None:
        if version is None:
            messages.error(request, "The form was incomplete; reload the page and try again.")
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
        _attach_errors(error, form, item_forms)
        return _render_form(request, form, formset, invalid=True, **context)
    except DeclarationError as error:
        messages.error(request, str(error))
        return _render_form(request, form, formset, **context)
    if amending:
        messages.success(request, "Your amendment was sent back to customs for review.")
        return redirect(_detail_url(declaration))
    return _after_save(request, declaration, submit="submit" in request.POST)


def _after_save(request: HttpRequest, declaration: Declaration, *, submit: bool) -> HttpResponse:
    if not submit:
        messages.success(request, f"Draft {declaration.lrn} saved.")
        return redirect(_detail_url(declaration))
    try:
        declaration = services.submit_declaration(
            declaration=declaration, actor=request.user, version=declaration.version
        )
    except ValidationError as error:
        messages.warning(
            request, "The draft was saved, but it cannot be submitted yet. Please fix:"
        )
        for message in _messages_of(error):
            messages.error(request, message)
        return redirect(_detail_url(declaration))
    except DeclarationError as error:
        messages.error(request, f"The draft was saved, but not submitted: {error}")
        return redirect(_detail_url(declaration))
    messages.success(request, f"Declaration {declaration.number} submitted.")
    return redirect(_detail_url(declaration))


def _parse(form: DeclarationForm, formset) -> bool:
    form_ok = form.is_valid()
    formset_ok = formset.is_valid()
    return form_ok and formset_ok


def _with_extra_item(formset, data):
    """The same formset with one more blank item: the no-JavaScript "Add another item"."""
    data = data.copy()
    total_key = f"{ITEMS_PREFIX}-TOTAL_FORMS"
    try:
        total = int(data.get(total_key, "1"))
    except ValueError:
        total = 1
    data[total_key] = str(min(total + 1, 999))
    return GoodsItemFormSet(data, prefix=ITEMS_PREFIX)


def _attach_errors(error: ValidationError, form, item_forms) -> None:
    """Put each of the domain's problems next to its field; the rest go to the summary."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, problems in error.message_dict.items():
        for problem in problems:
            _attach_one(key, problem, form, item_forms)


def _attach_one(key: str, problem: str, form, item_forms) -> None:
    if key.startswith("items."):
        parts = key.split(".")
        try:
            index = int(parts[1])
        except (IndexError, ValueError):
            index = -1
        field = parts[2] if len(parts) > 2 else None
        if 0 <= index < len(item_forms):
            target = item_forms[index]
            if field in target.fields:
                target.add_error(field, problem)
            else:
                target.add_error(None, problem)
            return
        form.add_error(None, f"Goods item {index + 1}: {problem}")
        return
    if key in HEADER_FIELDS and key in form.fields:
        form.add_error(key, problem)
        return
    if key == "documents":
        form.add_error(None, f"Documents: {problem}")
        return
    form.add_error(None, problem)


def _messages_of(error: ValidationError) -> list[str]:
    if not hasattr(error, "error_dict"):
        return list(error.messages)
    lines = []
    for key, problems in error.message_dict.items():
        where = "" if key in ("__all__", "documents") else _field_words(key) + ": "
        lines.extend(where + problem for problem in problems)
    return lines


def _field_words(key: str) -> str:
    if key.startswith("items."):
        parts = key.split(".")
        if len(parts) >= 2 and parts[1].isdigit():
            label = parts[2].replace("_", " ") if len(parts) > 2 else ""
            return f"Goods item {int(parts[1]) + 1} {label}".strip()
    return key.replace("_", " ").capitalize()


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
        {"anchor": "items", "label": "Goods items", "message": m} for m in formset.non_form_errors()
    )
    number = 0
    for item_form in formset.forms:
        if formset.can_delete and formset._should_delete_form(item_form):
            continue
        number += 1
        for name, errors in item_form.errors.items():
            for message in errors:
                if name == "__all__":
                    summary.append(
                        {
                            "anchor": f"item-{item_form.prefix}",
                            "label": f"Item {number}",
                            "message": message,
                        }
                    )
                    continue
                summary.append(
                    {
                        "anchor": item_form[name].auto_id,
                        "label": f"Item {number} {item_form[name].label.lower()}",
                        "message": message,
                    }
                )
    if amend_form is not None and amend_form.is_bound:
        for message in amend_form.errors.get("answer", []):
            summary.append(
                {"anchor": amend_form["answer"].auto_id, "label": "Answer", "message": message}
            )
    return summary


def _posted_version(request) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _why_not_editable(declaration: Declaration, user) -> str:
    if user.is_auditor:
        return "Auditors have read-only access and cannot change declarations."
    if not user.is_trader:
        return "Only the declaring company's traders can edit a declaration."
    return (
        f"This declaration is {declaration.get_status_display().lower()}; it can be edited only "
        "as a draft or when customs has raised a query."
    )


def _detail_url(declaration: Declaration) -> str:
    return reverse("declarations:detail", args=[declaration.uuid])


# Detail and actions ------------------------------------------------------------------------


@login_required
@require_GET
def declaration_detail(request: HttpRequest, uuid) -> HttpResponse:
    """Everything about one declaration, the actions allowed now, and its ledger timeline."""
    user = request.user
    declaration = selectors.get_declaration_for(user, uuid)
    moves = services.allowed_moves(declaration, user)
    move_names = {move.name for move in moves}
    entries = selectors.timeline(declaration)
    items = list(declaration.items.all())
    context = {
        "declaration": declaration,
        "items": items,
        "documents": list(declaration.documents.all()),
        "queries": list(declaration.queries.all()),
        "amendments": list(declaration.amendments.all()) if not user.is_trader else [],
        "inspections": list(declaration.inspections.all()),
        "actions": [move for move in moves if move.name not in PAGE_MOVES],
        "can_edit": "edit" in move_names,
        "can_amend": "amend" in move_names,
        "can_attach": "attach" in move_names,
        "document_form": DocumentForm() if "attach" in move_names else None,
        "timeline": _timeline_rows(entries),
        "assessed": declaration.customs_value is not None,
        "show_risk_reasons": not user.is_trader,
        "trader_instructions": (
            selectors.risk_reasons_for(user, declaration) if user.is_trader else []
        ),
    }
    return render(request, "declarations/detail.html", context)


def _timeline_rows(entries) -> list[dict]:
    people = _people({entry.actor for entry in entries})
    rows = []
    for entry in entries:
        data = entry.data
        rows.append(
            {
                "seq": entry.seq,
                "time": entry.time,
                "actor": people.get(entry.actor, entry.actor),
                "action": entry.action,
                "hash": bytes(entry.hash).hex(),
                "lane": data.get("lane", "") if entry.action.endswith("risk_assessed") else "",
                "reason": data.get("reason", "") if isinstance(data.get("reason"), str) else "",
            }
        )
    return rows


def _people(actors: set[str]) -> dict[str, str]:
    """Display names for ``user:<id>`` actors; system actors are worded by the template tag."""
    from eport.web.templatetags.eport import actor_words

    ids = [int(actor[5:]) for actor in actors if actor.startswith("user:") and actor[5:].isdigit()]
    users = get_user_model().objects.filter(pk__in=ids).only("first_name", "last_name", "username")
    names = {f"user:{u.pk}": u.get_full_name() or u.username for u in users}
    return {actor: names.get(actor) or actor_words(actor) for actor in actors}


# One service per move; the form's free text goes to the argument the move needs.
MOVE_SERVICES = {
    "submit": (services.submit_declaration, None),
    "cancel": (services.cancel_declaration, "reason"),
    "take": (services.take_declaration, None),
    "query": (services.raise_query, "question"),
    "inspect": (services.order_inspection, "instructions"),
    "record_findings": (services.record_inspection_findings, "findings"),
    "assess": (services.assess_declaration, "reason"),
    "pay": (services.record_payment, "reference"),
    "release": (services.release_declaration, "note"),
    "reject": (services.reject_declaration, "reason"),
}


@login_required
@require_POST
def declaration_action(request: HttpRequest, uuid, move: str) -> HttpResponse:
    """Make one move on a declaration, at the version the person saw."""
    from .lifecycle import MOVES

    declaration = selectors.get_declaration_for(request.user, uuid)
    if move not in MOVE_SERVICES:
        raise Http404("No such action.")
    form = ActionForm(request.POST, move=MOVES.get(move))
    if not form.is_valid():
        for field, problems in form.errors.items():
            for problem in problems:
                if field == "version":
                    problem = "The form was incomplete; reload the page and try again."
                messages.error(request, problem)
        return redirect(_detail_url(declaration))
    service, argument = MOVE_SERVICES[move]
    kwargs = {
        "declaration": declaration,
        "actor": request.user,
        "version": form.cleaned_data["version"],
    }
    if argument:
        kwargs[argument] = form.cleaned_data["text"]
    if move == "assess":
        kwargs["corrections"] = form.corrections()
    try:
        declaration = service(**kwargs)
    except ValidationError as error:
        for message in _messages_of(error):
            messages.error(request, message)
    except DeclarationError as error:
        messages.error(request, str(error))
    else:
        label = MOVES[move].past if move in MOVES else move
        messages.success(request, f"Declaration {declaration} {label}.")
    return redirect(_detail_url(declaration))


# Documents ---------------------------------------------------------------------------------


@login_required
@require_POST
def document_add(request: HttpRequest, uuid) -> HttpResponse:
    declaration = selectors.get_declaration_for(request.user, uuid)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        for field, problems in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for problem in problems:
                messages.error(request, f"{label}: {problem}" if label else problem)
        return redirect(_detail_url(declaration) + "#documents")
    try:
        document = services.add_document(
            declaration=declaration,
            actor=request.user,
            type=form.cleaned_data["type"],
            reference=form.cleaned_data["reference"],
            issued_on=form.cleaned_data["issued_on"],
            upload=form.cleaned_data["upload"],
        )
    except ValidationError as error:
        for message in _messages_of(error):
            messages.error(request, message)
    except DeclarationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{document.get_type_display()} {document.reference} added.")
    return redirect(_detail_url(declaration) + "#documents")


@login_required
@require_POST
def document_remove(request: HttpRequest, uuid) -> HttpResponse:
    document = selectors.get_document_for(request.user, uuid)
    declaration = document.declaration
    try:
        services.remove_document(document=document, actor=request.user)
    except (ValidationError, DeclarationError) as error:
        messages.error(
            request,
            " ".join(_messages_of(error)) if isinstance(error, ValidationError) else str(error),
        )
    else:
        messages.success(request, f"{document.get_type_display()} {document.reference} removed.")
    return redirect(_detail_url(declaration) + "#documents")


@login_required
@require_GET
def document_download(request: HttpRequest, uuid) -> HttpResponse:
    """The stored file, only to those who may see its declaration; never rendered inline."""
    document = selectors.get_document_for(request.user, uuid)
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, ValueError) as missing:
        raise Http404("The file of this document is missing.") from missing
    extension = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}.get(
        document.content_type, ""
    )
    filename = f"{document.type}-{document.reference}{extension}"
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=document.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
