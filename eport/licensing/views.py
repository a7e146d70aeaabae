"""The licence pages: a trader's licences and application form, a licensing agency's queue, and
one licence with its balance, write-offs, timeline and the moves allowed now
(``lifecycle.MOVES``). Another company's licence does not exist here (404)."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from eport.reference import codes
from eport.web.timeline import timeline_rows

from . import lifecycle, selectors, services
from .errors import LicenceError, LicenceNotPermitted
from .forms import ApplyForm, LicenceFilterForm, MoveForm
from .models import Licence

PAGE_SIZE = 25


def _may_list(user) -> bool:
    """Whose work involves licences: the applicants, the agency deciding them, customs checking
    them at clearance, and audit."""
    return user.is_trader or user.is_licensing_officer or user.is_officer or user.is_auditor


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "403.html", {"message": message}, status=403)


def _detail_url(licence: Licence) -> str:
    return reverse("licensing:detail", args=[licence.uuid])


def licence_readers(view):
    """Signed-in people whose work involves licences; anyone else is told so with a 403."""

    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not _may_list(request.user):
            return _forbidden(
                request,
                _("Licences are for traders, the licensing agency, customs officers and auditors."),
            )
        return view(request, *args, **kwargs)

    return wrapped


@require_GET
@licence_readers
def licence_list(request: HttpRequest) -> HttpResponse:
    """Trader: the company's licences, queries to answer first. Licensing officer: the agency's
    licences, applications to decide first. Customs officer: approved licences. Auditor: all."""
    user = request.user
    filters = LicenceFilterForm(request.GET)
    status = filters.chosen_status()
    if status:
        licences, waiting = selectors.licence_queue(user, status=status), []
    else:
        licences, waiting = selectors.licences_for(user), list(selectors.licence_queue(user))
    page = Paginator(licences, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filters": filters,
        "page": page,
        "licences": page.object_list,
        "waiting": waiting,
        "can_apply": _may_apply(user),
        "filtered": bool(status),
    }
    return render(request, "licensing/list.html", context)


def _may_apply(user) -> bool:
    try:
        lifecycle.check_applicant(user)
    except LicenceNotPermitted:
        return False
    return True


@require_http_methods(["GET", "POST"])
@login_required
def licence_apply(request: HttpRequest) -> HttpResponse:
    """A trader applies for a licence; every problem is shown beside its field."""
    user = request.user
    try:
        lifecycle.check_applicant(user)
    except LicenceNotPermitted as refusal:
        return _forbidden(request, str(refusal))
    form = ApplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            licence = services.apply_for_licence(actor=user, **form.application())
        except ValidationError as error:
            form.attach(error)
        except LicenceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Your application was sent to %(agency)s; it is decided there.")
                % {"agency": licence.agency.name},
            )
            return redirect(_detail_url(licence))
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "countries": codes.COUNTRIES,
        "currencies": codes.CURRENCIES,
        "units": codes.UNITS,
    }
    return render(request, "licensing/apply.html", context, status=status)


@require_GET
@login_required
def licence_detail(request: HttpRequest, uuid) -> HttpResponse:
    """Everything about one licence, the moves allowed now, and its ledger timeline."""
    user = request.user
    licence = selectors.get_licence_for(user, uuid)
    moves = lifecycle.allowed_moves(licence, user)
    context = {
        "licence": licence,
        "usages": list(selectors.usages_for(licence)),
        "timeline": timeline_rows(list(selectors.licence_timeline(licence))),
        "moves": [
            {
                "move": move,
                "form": MoveForm(
                    move=move,
                    initial={"version": licence.version},
                    auto_id=f"move-{move.name}-%s",
                ),
            }
            for move in moves
        ],
    }
    return render(request, "licensing/detail.html", context)


@require_POST
@login_required
def licence_move(request: HttpRequest, uuid, move: str) -> HttpResponse:
    """Make one move on a licence, at the version the person saw; refusals become messages."""
    licence = selectors.get_licence_for(request.user, uuid)
    registered = lifecycle.MOVES.get(move)
    if registered is None:
        raise Http404(_("No such action."))
    back = _detail_url(licence)
    form = MoveForm(request.POST, move=registered)
    if not form.is_valid():
        for field, problems in form.errors.items():
            for problem in problems:
                messages.error(
                    request,
                    _("The form was incomplete; reload the page and try again.")
                    if field == "version"
                    else problem,
                )
        return redirect(back)
    try:
        licence = services.make_licence_move(
            move,
            licence=licence,
            actor=request.user,
            version=form.cleaned_data["version"],
            **form.inputs(),
        )
    except ValidationError as error:
        for problem in _messages_of(error, registered):
            messages.error(request, problem)
    except LicenceError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Licence %(licence)s %(past)s.") % {"licence": licence, "past": registered.past},
        )
    return redirect(back)


def _messages_of(error: ValidationError, move: lifecycle.Move) -> list[str]:
    """Every problem of a move's refusal as a sentence, naming the input it is about."""
    if not hasattr(error, "error_dict"):
        return list(error.messages)
    labels = {move_input.name: move_input.label for move_input in move.inputs}
    lines = []
    for key, problems in error.message_dict.items():
        for problem in problems:
            label = labels.get(key)
            lines.append(
                _("%(label)s: %(message)s") % {"label": label, "message": problem}
                if label
                else problem
            )
    return lines
