"""The office's queue acting on several declarations at once: take them, or reassign them.

Each declaration is still one move through its service, with its own checks and ledger entry
(``services.make_moves``); the page then says, by number, which were moved and why others were not.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .. import lifecycle, selectors, services
from ..errors import NotPermitted
from .errors import messages_of

# The moves the queue offers on several declarations at once.
BULK_MOVES = ("take", "reassign")
MAX_SELECTED = 100


class NumbersField(forms.Field):
    """The declaration numbers ticked in the list (any text: the selector says which exist)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[str]:
        return list(dict.fromkeys(str(v).strip() for v in value or () if str(v).strip()))


class BulkMoveForm(forms.Form):
    move = forms.ChoiceField(
        choices=[(name, lifecycle.MOVES[name].label) for name in BULK_MOVES],
        error_messages={"required": gettext_lazy("Choose what to do with the selection.")},
    )
    declaration = NumbersField(required=False)
    officer = forms.CharField(required=False, max_length=150, strip=True)

    def clean_declaration(self) -> list[str]:
        numbers = self.cleaned_data["declaration"]
        if not numbers:
            raise forms.ValidationError(_("Select at least one declaration in the list first."))
        if len(numbers) > MAX_SELECTED:
            raise forms.ValidationError(
                _("Select at most %(limit)s declarations at once.") % {"limit": MAX_SELECTED}
            )
        return numbers

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("move") == "reassign" and not cleaned.get("officer"):
            self.add_error("officer", _("Choose the colleague to reassign the selection to."))
        return cleaned


@login_required
@require_POST
def bulk_move(request: HttpRequest) -> HttpResponse:
    """Take or reassign the selected declarations of the queue, each on its own."""
    back = _back_url(request)
    form = BulkMoveForm(request.POST)
    if not form.is_valid():
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, problem)
        return redirect(back)
    move_name = form.cleaned_data["move"]
    try:
        move = lifecycle.check_role(request.user, move_name)
    except NotPermitted as refusal:
        messages.error(request, str(refusal))
        return redirect(back)
    numbers = form.cleaned_data["declaration"]
    found = {
        declaration.number: declaration
        for declaration in selectors.declarations_for(request.user).filter(number__in=numbers)
    }
    for number in numbers:
        if number not in found:
            messages.error(
                request,
                _("%(number)s: there is no such declaration in your office's queue.")
                % {"number": number},
            )
    inputs = {"officer": form.cleaned_data["officer"]} if move_name == "reassign" else {}
    outcomes = services.make_moves(
        move_name,
        declarations=[found[number] for number in numbers if number in found],
        actor=request.user,
        **inputs,
    )
    made = [str(outcome.declaration) for outcome in outcomes if outcome.made]
    if made:
        messages.success(
            request,
            _("%(past)s: %(numbers)s.")
            % {"past": str(move.past).capitalize(), "numbers": ", ".join(made)},
        )
    for outcome in outcomes:
        if not outcome.made:
            messages.error(
                request,
                _("%(number)s was not %(past)s: %(why)s")
                % {
                    "number": outcome.declaration,
                    "past": move.past,
                    "why": " ".join(messages_of(outcome.error)),
                },
            )
    return redirect(back)


def _back_url(request: HttpRequest) -> str:
    """The queue as the officer left it (its filters), or the plain queue."""
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("declarations:list")
