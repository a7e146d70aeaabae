"""Request guards that hold for every page and API endpoint."""

from django.core.exceptions import SuspiciousOperation


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
