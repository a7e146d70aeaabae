"""Responses every area of the site gives the same way: a download, and "not available"."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def unavailable(request: HttpRequest, message: str, back: str = "", status: int = 409):
    """The page saying why something cannot be had (409: not yet), with a way back."""
    context = {"message": message, "back": back}
    return render(request, "unavailable.html", context, status=status)


def download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    """A response the browser saves as ``filename``."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
