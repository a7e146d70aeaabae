"""Account pages where a person creates and revokes the API tokens of their integrations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from . import tokens
from .forms import TokenForm


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """The person's tokens and a form for a new one; a new secret is shown on that response only."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = tokens.create_token(
                actor=request.user,
                name=form.cleaned_data["name"],
                lifetime_days=form.cleaned_data["lifetime_days"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            # Rendered, not redirected: the secret must never sit in a session or a URL.
            return render(request, "api/token_created.html", {"token": token, "secret": secret})
    return render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": tokens.tokens_of(request.user)},
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = tokens.token_for(request.user, pk)
    if token is None:
        raise Http404(_("No such token."))
    tokens.revoke_token(token=token, actor=request.user)
    messages.success(
        request,
        _("Token “%(name)s” revoked; requests with it are now refused.") % {"name": token.name},
    )
    return redirect("api_tokens:list")
