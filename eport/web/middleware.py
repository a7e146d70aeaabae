"""Request guards and the language of every page and API answer."""

from django.core.exceptions import SuspiciousOperation
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_cache_control


class RefuseNulCharactersMiddleware:
    """Answer 400 to a query string with a NUL character.

    No parameter of eport's can contain one, and PostgreSQL refuses strings that do, so letting
    one through would turn a typing accident or a probe into a server error. The REST API is left
    to its own parsers, which refuse NUL with a problem+json answer as the API promises.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith("/api/") and any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            raise SuspiciousOperation("The address contains a NUL character; remove it.")
        return self.get_response(request)


def supported_language(code: str | None) -> str | None:
    """The configured language ``code`` stands for (``zh-CN`` is ``zh-hans``), or None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


class LanguageMiddleware(LocaleMiddleware):
    """Choose the language: the signed-in person's saved choice, else the language cookie the
    switch sets, else the browser's ``Accept-Language``, else ``LANGUAGE_CODE``.

    URLs are the same in every language. Responses say which language they are in
    (``Content-Language``) and that they vary with ``Accept-Language``, as Django's does.
    """

    def process_request(self, request):
        user = getattr(request, "user", None)
        saved = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        language = supported_language(saved) or translation.get_language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class PrivatePagesMiddleware:
    """What a signed-in person is shown is theirs: ``Cache-Control: private, no-store`` on every
    answer to them that does not set its own caching, so no shared cache or back button keeps it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response
