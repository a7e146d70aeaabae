"""Responses every area of the site gives the same way: a download, "not available", and
"briefly unavailable" while the database is down."""

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation

# What a lost or refused database connection raises (Django wraps the driver's errors in these).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
# Seconds a client is asked to wait before trying again while the database is unavailable.
RETRY_AFTER_SECONDS = 5


def unavailable(request: HttpRequest, message: str, back: str = "", status: int = 409):
    """The page saying why something cannot be had (409: not yet), with a way back."""
    context = {"message": message, "back": back}
    return render(request, "unavailable.html", context, status=status)


def download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    """A response the browser saves as ``filename``."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 page for a database that is down or restarting, made without touching it.

    No request context (its processors read the signed-in user) and the language from the
    request's cookie or Accept-Language only, since the person's saved choice is in the database.
    """
    with translation.override(translation.get_language_from_request(request)):
        content = render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS})
    response = HttpResponse(content, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
