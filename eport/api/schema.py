"""OpenAPI generation: every operation lists the problem responses it can return."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter

from .problems import PROBLEM_CONTENT_TYPE, ProblemSerializer

ERROR_DESCRIPTIONS = {
    "400": "The request could not be read (malformed JSON, a bad Idempotency-Key header).",
    "401": "No credentials, or a token that is malformed, unknown, expired or revoked.",
    "403": "Your role may not do this (e.g. a trader assessing, an auditor changing anything).",
    "404": "No such object, or it belongs to another company or office.",
    "409": (
        "The declaration's state does not allow this now, you acted on an old version, or a "
        "request with the same Idempotency-Key is still running (retry after Retry-After)."
    ),
    "413": "The request body is too large.",
    "415": "Unsupported content type.",
    "422": (
        "Validation failed: `errors` maps each field to its messages; or the Idempotency-Key "
        "was already used for a different request."
    ),
    "429": "Too many requests for this token; retry after the Retry-After header's seconds.",
    "500": "An unexpected error; it has been logged.",
}
READ_ERRORS = ("401", "403", "404", "422", "429", "500")
WRITE_ERRORS = ("400", "401", "403", "404", "409", "413", "415", "422", "429", "500")

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name="Idempotency-Key",
    location=OpenApiParameter.HEADER,
    required=False,
    type=str,
    description=(
        "A unique key per operation (e.g. a UUID). A retry with the same key and body returns "
        "the original response (with `Idempotent-Replayed: true`); the same key with a different "
        "body answers 422; a retry while the first request is still running answers 409. "
        "Keys are remembered for 24 hours by default; after that a key may name a new operation."
    ),
)


class ProblemAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = READ_ERRORS if self.method == "GET" else WRITE_ERRORS
        for code in codes:
            if code in responses:
                continue
            response = self._get_response_for_code(
                ProblemSerializer, code, [PROBLEM_CONTENT_TYPE], direction
            )
            response["description"] = ERROR_DESCRIPTIONS[code]
            responses[code] = response
        return responses

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        handler = getattr(self.view, self.method.lower(), None)
        if self.method == "POST" and getattr(handler, "idempotent", False):
            parameters.append(IDEMPOTENCY_PARAMETER)
        return parameters
