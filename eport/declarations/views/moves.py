"""Making a move from the declaration page: the registry says which moves are buttons, what
each one asks for and which service makes it (``lifecycle.MOVES``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import lifecycle, selectors, services
from ..errors import DeclarationError
from ..forms import ActionForm
from .common import INCOMPLETE_FORM, detail_url
from .errors import report


@login_required
@require_POST
def declaration_action(request: HttpRequest, uuid, move: str) -> HttpResponse:
    """Make one move on a declaration, at the version the person saw."""
    declaration = selectors.get_declaration_for(request.user, uuid)
    registered = lifecycle.MOVES.get(move)
    if registered is None or not registered.offered or registered.own_page:
        raise Http404(_("No such action."))
    form = ActionForm(request.POST, move=registered)
    if not form.is_valid():
        for field, problems in form.errors.items():
            for problem in problems:
                messages.error(request, INCOMPLETE_FORM if field == "version" else problem)
        return redirect(detail_url(declaration))
    try:
        declaration = services.make_move(
            move,
            declaration=declaration,
            actor=request.user,
            version=form.cleaned_data["version"],
            **form.inputs(),
        )
    except (ValidationError, DeclarationError) as error:
        report(request, error)
    else:
        messages.success(
            request,
            _("Declaration %(declaration)s %(past)s.")
            % {"declaration": declaration, "past": registered.past},
        )
    return redirect(detail_url(declaration))
