"""RFC 9457 problem details for every error the API returns.

Status codes: 400 unreadable request (malformed JSON, bad Idempotency-Key), 401 no or bad
credentials, 403 the role may not do this, 404 not found (including another company's objects),
405/406/415 method or media type, 409 the object's state (a declaration's, a licence's) does not
allow the move (or it changed since the caller read it, or the same Idempotency-Key is still being
processed), 413 too large, 422 validation failed (``errors`` maps each field to its messages,
with the domain's keys: ``invoice_total``, ``items.1.hs_code``, ``items.1.licence_number``,
``documents``, ``__all__``) or an Idempotency-Key reused with a different request, 429 too many
requests (with Retry-After), 500 unexpected (logged), 503 the database is down or restarting (with
Retry-After: send the request again after that pause).
"""

from __future__ import annotations

import logging
import sys
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from rest_framework import exceptions, serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from eport.declarations.errors import DeclarationError, NotPermitted, StaleError
from eport.licensing.errors import LicenceError, LicenceNotPermitted, StaleLicence
from eport.web.responses import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS

logger = logging.getLogger("eport.api")

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "/api/problems/"

# The problem types this API defines (type → title); HTTP errors without more to say use
# "about:blank" with the status phrase as the title, as RFC 9457 section 4.2.1 suggests. Titles
# and details follow the request's language (Accept-Language); the type URIs, the field names in
# ``errors`` and the status codes are stable identifiers and never translated.
TYPES = {
    "validation": gettext_lazy("Your request has problems; see errors for each field."),
    # Declarations, financings, bills and licences alike: the detail names which.
    "conflict": gettext_lazy("The object's state does not allow this."),
    "stale": gettext_lazy("The object changed since you read it."),
    "idempotency-key-reused": gettext_lazy(
        "This Idempotency-Key was used for a different request."
    ),
    "idempotency-key-in-use": gettext_lazy(
        "A request with this Idempotency-Key is still being processed."
    ),
    "malformed-request": gettext_lazy("The request could not be read."),
    "receipt-unavailable": gettext_lazy("No receipt can be made for this entry yet."),
}

# What each problem type means and what to do, as its page at its type URI explains it, and the
# status it comes with.
TYPE_STATUS = {
    "validation": 422,
    "conflict": 409,
    "stale": 409,
    "idempotency-key-reused": 422,
    "idempotency-key-in-use": 409,
    "malformed-request": 400,
    "receipt-unavailable": 409,
}
TYPE_DESCRIPTIONS = {
    "validation": gettext_lazy(
        "The request was read, but some of its values break the rules. The errors member maps "
        "each field (goods items as items.<index>.<field>, the whole request as __all__) to its "
        "messages, all of them at once: correct them and send the request again."
    ),
    "conflict": gettext_lazy(
        "The object's state does not allow this now (e.g. releasing a declaration before its "
        "duties are paid or its goods have passed inspection, approving a licence already "
        "refused). Read the object again: its status and actions say what may be done."
    ),
    "stale": gettext_lazy(
        "The object changed since you read it: the version you sent is no longer the current "
        "one. Read it again, check the change, and send the request with the new version."
    ),
    "idempotency-key-reused": gettext_lazy(
        "This Idempotency-Key was already used for a request with a different body or path. "
        "Use a new key for each new operation; send the same key only to retry the same request."
    ),
    "idempotency-key-in-use": gettext_lazy(
        "A request with this Idempotency-Key is still being processed. Wait the Retry-After "
        "header's seconds and send it again: you will get its response."
    ),
    "malformed-request": gettext_lazy(
        "The request could not be read: its JSON is malformed or nested too deeply, it holds a "
        "character no text may hold, or a header such as Idempotency-Key is not well formed."
    ),
    "receipt-unavailable": gettext_lazy(
        "The ledger entry is not yet covered by a notarized checkpoint, so no receipt can prove "
        "it yet. Checkpoints are made every few seconds: retry after the Retry-After header's "
        "seconds."
    ),
}

# The HTTP status phrases (Python's, in English) of the statuses the API answers with, so that
# an about:blank title can be translated too; any other status keeps Python's phrase.
STATUS_TITLES = {
    400: gettext_lazy("Bad Request"),
    401: gettext_lazy("Unauthorized"),
    403: gettext_lazy("Forbidden"),
    404: gettext_lazy("Not Found"),
    405: gettext_lazy("Method Not Allowed"),
    406: gettext_lazy("Not Acceptable"),
    409: gettext_lazy("Conflict"),
    413: gettext_lazy("Request Entity Too Large"),
    415: gettext_lazy("Unsupported Media Type"),
    422: gettext_lazy("Unprocessable Entity"),
    429: gettext_lazy("Too Many Requests"),
    500: gettext_lazy("Internal Server Error"),
    503: gettext_lazy("Service Unavailable"),
}


class ProblemJSONRenderer(JSONRenderer):
    media_type = PROBLEM_CONTENT_TYPE
    format = "problem+json"


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField(
        help_text=(
            "A URI reference naming the kind of problem: /api/problems/<kind>, whose page "
            "explains it (validation, conflict, stale, idempotency-key-reused, "
            "idempotency-key-in-use, malformed-request, receipt-unavailable), or about:blank "
            "when the status says it all."
        )
    )
    title = serializers.CharField(help_text="A short summary of the kind of problem.")
    status = serializers.IntegerField(help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="What went wrong this time, and what to do.")
    instance = serializers.CharField(help_text="The path of the request.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=(
            "Validation problems by field: header fields by name, goods items as "
            "'items.<0-based index>.<field>', mandatory documents as 'documents', "
            "whole-declaration problems as '__all__'."
        ),
    )


class ApiProblem(exceptions.APIException):
    """An error this API raises itself, with a problem type from TYPES."""

    def __init__(self, status_code: int, kind: str, detail: str, headers: dict | None = None):
        super().__init__(detail)
        self.status_code = status_code
        self.kind = kind
        self.headers = headers or {}


def problem(
    *,
    status_code: int,
    detail: str,
    instance: str = "",
    kind: str | None = None,
    errors: dict[str, list[str]] | None = None,
    headers: dict | None = None,
) -> Response:
    """A DRF Response holding problem details."""
    data = problem_data(
        status_code=status_code, detail=detail, instance=instance, kind=kind, errors=errors
    )
    return Response(data, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def problem_data(
    *,
    status_code: int,
    detail: str,
    instance: str = "",
    kind: str | None = None,
    errors: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """The problem details object of RFC 9457 section 3."""
    data: dict[str, Any] = {
        "type": f"{PROBLEM_BASE}{kind}" if kind else "about:blank",
        "title": str(TYPES[kind]) if kind else _phrase(status_code),
        "status": status_code,
        "detail": str(detail),
        "instance": instance,
    }
    if errors:
        data["errors"] = errors
    return data


def _phrase(status_code: int) -> str:
    if status_code in STATUS_TITLES:
        return str(STATUS_TITLES[status_code])
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return _("Error")


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error structure as ``{"items.1.hs_code": [...]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "__all__" if key in ("non_field_errors", "__all__") and not prefix else str(key)
            for field, messages in flatten_errors(value, f"{prefix}{name}.").items():
                flat.setdefault(field, []).extend(messages)
    elif (
        isinstance(detail, list) and detail and all(not isinstance(v, dict | list) for v in detail)
    ):
        flat[prefix.rstrip(".") or "__all__"] = [str(v) for v in detail]
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if value:
                for field, messages in flatten_errors(value, f"{prefix}{index}.").items():
                    flat.setdefault(field, []).extend(messages)
    elif detail:
        flat[prefix.rstrip(".") or "__all__"] = [str(detail)]
    return flat


def _validation_detail(errors: dict[str, list[str]]) -> str:
    count = sum(len(messages) for messages in errors.values())
    first = next(iter(errors.values()), [""])[0]
    if count == 1:
        return first
    return ngettext(
        "%(count)d problem; the first: %(first)s",
        "%(count)d problems; the first: %(first)s",
        count,
    ) % {"count": count, "first": first}


def exception_handler(exc: Exception, context: dict) -> Response:
    """Turn any exception raised in an API view into problem details (never HTML, never None)."""
    request = context.get("request")
    instance = request.get_full_path() if request is not None else ""
    if request is not None:
        # A problem is JSON whatever the view answers otherwise (the schema in YAML, the docs
        # page, a document's file), and whatever the Accept header asked for.
        request.accepted_renderer = ProblemJSONRenderer()
        request.accepted_media_type = PROBLEM_CONTENT_TYPE
    if isinstance(exc, DATABASE_UNAVAILABLE):
        logger.warning("Database unavailable in %s: %s", instance, exc)
        return problem(
            status_code=503,
            detail=_unavailable_detail(),
            instance=instance,
            headers=_unavailable_headers(),
        )
    if isinstance(exc, DjangoValidationError):
        errors = (
            {key: [str(m) for m in value] for key, value in exc.message_dict.items()}
            if hasattr(exc, "error_dict")
            else {"__all__": [str(m) for m in exc.messages]}
        )
        return problem(
            status_code=422,
            kind="validation",
            detail=_validation_detail(errors),
            errors=errors,
            instance=instance,
        )
    if isinstance(exc, serializers.ValidationError):
        errors = flatten_errors(exc.detail)
        return problem(
            status_code=422,
            kind="validation",
            detail=_validation_detail(errors),
            errors=errors,
            instance=instance,
        )
    if isinstance(exc, NotPermitted | LicenceNotPermitted):
        return problem(status_code=403, detail=str(exc), instance=instance)
    if isinstance(exc, StaleError | StaleLicence):
        return problem(status_code=409, kind="stale", detail=str(exc), instance=instance)
    if isinstance(exc, DeclarationError | LicenceError):
        return problem(status_code=409, kind="conflict", detail=str(exc), instance=instance)
    if isinstance(exc, ApiProblem):
        return problem(
            status_code=exc.status_code,
            kind=exc.kind,
            detail=str(exc.detail),
            instance=instance,
            headers=exc.headers,
        )
    if isinstance(exc, Http404):
        return problem(
            status_code=404,
            detail=str(exc) if exc.args else _("Not found."),
            instance=instance,
        )
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, RequestDataTooBig):
        return problem(
            status_code=413,
            detail=_("The request body is too large; upload files of at most the documented size."),
            instance=instance,
        )
    if isinstance(exc, SuspiciousOperation):
        return problem(
            status_code=400, detail=_("The request could not be read."), instance=instance
        )
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if isinstance(exc, exceptions.Throttled):
            wait = exc.wait if exc.wait is not None else 1
            headers["Retry-After"] = str(max(1, int(wait)))
            detail = _("Too many requests for this token; retry in %(seconds)s s.") % {
                "seconds": headers["Retry-After"]
            }
        elif isinstance(exc, exceptions.ParseError):
            return problem(
                status_code=400,
                kind="malformed-request",
                detail=str(exc.detail),
                instance=instance,
            )
        else:
            detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return problem(
            status_code=exc.status_code, detail=str(detail), instance=instance, headers=headers
        )
    logger.exception("Unexpected error in %s", instance)
    return problem(
        status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
        detail=_server_error_detail(),
        instance=instance,
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """The API's handler500: problem details; a 503 with Retry-After while the database is down.

    It answers errors raised outside the API's views (in middleware); Django has logged them.
    """
    instance = request.get_full_path()
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        data = problem_data(status_code=503, detail=_unavailable_detail(), instance=instance)
        headers = _unavailable_headers()
    else:
        data = problem_data(status_code=500, detail=_server_error_detail(), instance=instance)
        headers = {}
    return JsonResponse(
        data,
        status=data["status"],
        content_type=PROBLEM_CONTENT_TYPE,
        headers=headers,
        json_dumps_params={"ensure_ascii": False},
    )


def _unavailable_detail() -> str:
    return _(
        "The database cannot be reached just now, usually for a restart. "
        "Send the request again in %(seconds)s seconds."
    ) % {"seconds": RETRY_AFTER_SECONDS}


def _unavailable_headers() -> dict[str, str]:
    return {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}


def _server_error_detail() -> str:
    return _("Something went wrong on our side; it has been logged. Try again later.")
