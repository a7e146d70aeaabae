"""Pages that belong to no single domain app: the home redirect, the HS hint, server errors."""

import sys

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from eport.accounts.services import save_language
from eport.reference.codes import HS_DESCRIPTION_NOTE
from eport.reference.models import HsCode

from .responses import DATABASE_UNAVAILABLE, service_unavailable

LEVEL_NAMES = {
    2: gettext_lazy("%(code)s is not an HS 2022 chapter."),
    4: gettext_lazy("%(code)s is not an HS 2022 heading."),
    6: gettext_lazy("%(code)s is not an HS 2022 subheading."),
}


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Send each person to where their work is; anonymous visitors to the sign-in page."""
    if not request.user.is_authenticated:
        return redirect(f"{settings.LOGIN_URL}?next=/")
    if request.user.is_bank:
        return redirect("banks:workspace")
    if request.user.is_licensing_officer:
        return redirect("licensing:list")
    if request.user.is_inspector:
        return redirect("declarations:inspection_queue")
    return redirect("declarations:list")


@require_GET
@cache_control(max_age=3600, private=True)  # private: the messages are in the reader's language
def hs_lookup(request: HttpRequest, code: str) -> JsonResponse:
    """Describe an HS code's subheading (first 6 digits), heading and chapter, for a form hint."""
    if not code.isdigit() or not 2 <= len(code) <= 10:
        return JsonResponse({"error": _("An HS code is 2 to 10 digits.")}, status=400)
    digits = code[:6]
    prefixes = [digits[:n] for n in (2, 4, 6) if len(digits) >= n]
    found = dict(HsCode.objects.filter(code__in=prefixes).values_list("code", "description"))
    longest = prefixes[-1]
    if longest not in found:
        return JsonResponse(
            {
                "code": longest,
                "error": LEVEL_NAMES[len(longest)] % {"code": longest},
            },
            status=404,
        )
    return JsonResponse(
        {
            "code": longest,
            "description": found[longest],
            # to a reader of another language: the description itself stays the WCO's English
            "note": "" if get_language().startswith("en") else str(HS_DESCRIPTION_NOTE),
            "chapter": found.get(digits[:2], ""),
            "heading": found.get(digits[:4], "") if len(digits) >= 4 else "",
        }
    )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the language (a plain form POST, no script needed) and go back to the page.

    Django's view sets the language cookie and checks ``next`` is a safe address on this site; a
    signed-in person's choice is also saved, so it follows them to every browser.
    """
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        save_language(request.user, language)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database down or restarting is a 503 "try again shortly", anything else 500.

    It runs for exceptions raised anywhere, the middleware reading the session and the user
    included; Django has already logged the exception (once, with its traceback).
    """
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        return service_unavailable(request)
    return defaults.server_error(request)
