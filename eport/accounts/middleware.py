"""Until a person who needs a second factor has given it, every page leads to that step."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import second_factor

# What an unverified session may still reach: the second factor's own pages, signing out and
# switching language (by URL name), and static files (by path).
OPEN_URL_NAMES = frozenset(
    {
        "accounts:second_factor_enrol",
        "accounts:second_factor_verify",
        "accounts:logout",
        "web:set_language",
    }
)
API_PREFIX = "/api/"


class SecondFactorMiddleware:
    """After OTPMiddleware: an unverified officer, auditor or bank user is sent to the step.

    API calls with a bearer token are the token's business (the API authenticates them itself and
    never asks for a second factor); an API call riding on an unverified session is refused with
    a 403 problem+json naming the missing second factor.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is None
            or not second_factor.second_factor_required(user)
            or user.is_verified()
            or self._open(request)
        ):
            return self.get_response(request)
        if request.path_info.startswith(API_PREFIX):
            if self._bearer(request):
                return self.get_response(request)
            return self._api_refusal(request)
        step = (
            "accounts:second_factor_verify"
            if second_factor.authenticator(user) is not None
            else "accounts:second_factor_enrol"
        )
        url = reverse(step)
        if request.method == "GET":
            url = f"{url}?{urlencode({'next': request.get_full_path()})}"
        return HttpResponseRedirect(url)

    @staticmethod
    def _open(request) -> bool:
        static_url = settings.STATIC_URL or ""
        if static_url and request.path_info.startswith("/" + static_url.lstrip("/")):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.view_name in OPEN_URL_NAMES

    @staticmethod
    def _bearer(request) -> bool:
        scheme, _space, _rest = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer"

    @staticmethod
    def _api_refusal(request) -> JsonResponse:
        return JsonResponse(
            {
                "type": "about:blank",
                "title": "Forbidden",
                "status": 403,
                "detail": _(
                    "This account must confirm its second factor before using the API from a "
                    "browser session: finish signing in with your authenticator code, or call "
                    "the API with a bearer token."
                ),
                "instance": request.path,
            },
            status=403,
            content_type="application/problem+json",
        )
