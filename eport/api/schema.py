"""OpenAPI generation: the schema states every rule the server enforces.

Request fields are checked for shape by their serializers and for meaning by the domain's
validation (which reports every problem at once, in the words the pages use). The rules that
validation applies to a single value (required, lengths, patterns, code lists) are attached to the
request fields with :func:`stated`, so the schema says them too, while the domain stays the one
place that enforces them. Every operation lists the problem responses it can return and the
headers that come with them.
"""

from __future__ import annotations

import re

from django.db import models
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from eport.core.text import REFUSED_CHARACTERS
from eport.reference import codes
from eport.reference.choices import DocumentType, TransportMode

from .idempotency import HEADER as IDEMPOTENCY_HEADER
from .idempotency import MAX_KEY_LENGTH, REPLAYED_HEADER
from .problems import PROBLEM_CONTENT_TYPE, ProblemSerializer

# Text: no invisible control characters; a required text also holds more than white space.
# Any other text field refuses NUL.
NO_NUL_PATTERN = "^[^\\u0000]*$"
TEXT_PATTERN = f"^[^{REFUSED_CHARACTERS}]*$"
FILLED_TEXT_PATTERN = (
    f"^[^{REFUSED_CHARACTERS}]*[^\\s{REFUSED_CHARACTERS}][^{REFUSED_CHARACTERS}]*$"
)

# The code lists, as the components every field that takes one shares (settings'
# ENUM_NAME_OVERRIDES name them).
COUNTRY_CODES = sorted(codes.COUNTRIES)
CURRENCY_CODES = sorted(codes.CURRENCIES)
UNIT_CODES = sorted(codes.UNITS)

# Enumerations whose codes are not names (UN Rec. 19 "1", UN/CEFACT 1001 "380"): generated
# clients name their members after these choices' names (x-enum-varnames), e.g. SEA, not VALUE_0.
NAMED_CHOICES: list[type[models.Choices]] = [TransportMode, DocumentType]


def stated(field, *, required: bool = False, **rules):
    """Attach to a request field the rules the domain enforces on its value, for the schema.

    ``required`` puts the field in the object's ``required`` list (and never ``nullable``): the
    domain refuses the request without it. ``rules`` are JSON Schema keywords (``pattern``,
    ``enum``, ``minLength``, ``example``, ...), or ``component``: the name of the schema
    component (an enumeration) the value is one of. The serializer still accepts the value as it is
    and the domain refuses it, with its own message, so nothing is checked twice.

    The rules live on a subclass of the field's class: a serializer copies its declared fields
    by building them again from their class and arguments, which would drop plain attributes.
    """
    cls = type(field)
    field.__class__ = type(
        cls.__name__, (cls,), {"stated_required": required, "stated_rules": rules}
    )
    return field


def text_rules(*, required: bool) -> dict:
    """The pattern of free text (and, when required, the minimum length) the domain enforces."""
    if required:
        return {"minLength": 1, "pattern": FILLED_TEXT_PATTERN}
    return {"pattern": TEXT_PATTERN}


ERROR_DESCRIPTIONS = {
    "400": "The request could not be read (malformed JSON, a bad Idempotency-Key header).",
    "401": "No credentials, or a token that is malformed, unknown, expired or revoked.",
    "403": "Your role may not do this (e.g. a trader assessing, an auditor changing anything).",
    "404": "No such object, or it belongs to another company or office.",
    "405": "This method is not allowed here; the Allow header lists those that are.",
    "406": "The Accept header asks for a media type this operation cannot answer with.",
    "409": (
        "The object's state does not allow this now, you acted on an old version, or a "
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
    "503": "The database is unavailable for a moment; retry after Retry-After seconds.",
}
READ_ERRORS = ("401", "403", "404", "405", "406", "422", "429", "500", "503")
WRITE_ERRORS = (
    "400",
    "401",
    "403",
    "404",
    "405",
    "406",
    "409",
    "413",
    "415",
    "422",
    "429",
    "500",
    "503",
)

RETRY_AFTER = {
    "schema": {"type": "integer", "minimum": 1},
    "description": (
        "Seconds to wait before sending the request again (on a 409, only when the conflict "
        "passes by itself: a request still running, a receipt not yet notarized)."
    ),
}
HEADERS = {
    "Location": {
        "schema": {"type": "string", "format": "uri-reference"},
        "description": "The path of the object just made.",
    },
    "WWW-Authenticate": {
        "schema": {"type": "string"},
        "description": "The scheme to authenticate with: Bearer.",
    },
    "Allow": {"schema": {"type": "string"}, "description": "The methods this path allows."},
    REPLAYED_HEADER: {
        "schema": {"type": "string", "enum": ["true"]},
        "description": (
            "Present when this is the stored response of an earlier request with the same "
            "Idempotency-Key, sent again instead of acting twice."
        ),
    },
    "Content-Disposition": {
        "schema": {"type": "string"},
        "description": "attachment, with the file's name (its extension included).",
    },
}

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name=IDEMPOTENCY_HEADER,
    location=OpenApiParameter.HEADER,
    required=False,
    type={
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_KEY_LENGTH,
        "pattern": "^[!-~]([ -~]*[!-~])?$",
    },
    description=(
        "A unique key per operation (e.g. a UUID), 1 to 255 printable ASCII characters. A retry "
        "with the same key and body returns the original response (with `Idempotent-Replayed: "
        "true`); the same key with a different body answers 422; a retry while the first request "
        "is still running answers 409. Keys are remembered for 24 hours by default; after that a "
        "key may name a new operation."
    ),
)


class ProblemAutoSchema(AutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction != "request" or schema is None:
            return schema
        rules = getattr(field, "stated_rules", None)
        if rules is None:
            if isinstance(field, serializers.CharField) and not {"pattern", "format"} & set(schema):
                # Every text field refuses NUL (DRF's own rule): a pattern says so.
                schema["pattern"] = NO_NUL_PATTERN
            return schema
        if "component" in rules:
            # A list the responses name already: the same named type for filters and fields.
            reference = {"$ref": f"#/components/schemas/{rules['component']}"}
            if field.help_text:  # a query parameter's description (lifted out of the schema)
                reference["description"] = str(field.help_text)
            return reference
        schema = {**schema, **rules}
        if field.stated_required:
            schema.pop("nullable", None)
            if "enum" in schema:
                schema["enum"] = [value for value in schema["enum"] if value not in ("", None)]
        return schema

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        if "oneOf" not in schema or not isinstance(
            field, serializers.CharField | serializers.ChoiceField
        ):
            return
        # drf-spectacular offers a blank string beside a pattern when the field allows blank; our
        # patterns admit blank themselves where the server does (and a required field may not be).
        inner, _blank = schema["oneOf"]
        stated_field = getattr(field, "stated_rules", None) is not None
        if stated_field or re.search(inner.get("pattern", "^$"), ""):
            del schema["oneOf"]
            schema.update(inner)

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        if direction == "request" and getattr(field, "stated_required", False):
            meta.pop("nullable", None)
        return meta

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction != "request":
            return schema
        stated_required = [
            name
            for name, field in serializer.fields.items()
            if getattr(field, "stated_required", False)
        ]
        if stated_required:
            required = schema.get("required", [])
            schema["required"] = [
                name for name in serializer.fields if name in required or name in stated_required
            ]
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes_ = READ_ERRORS if self.method == "GET" else WRITE_ERRORS
        for code in codes_:
            if code in responses:
                continue
            response = self._get_response_for_code(
                ProblemSerializer, code, [PROBLEM_CONTENT_TYPE], direction
            )
            response["description"] = ERROR_DESCRIPTIONS[code]
            responses[code] = response
        return responses

    def _get_response_headers_for_code(self, status_code, direction="response"):
        headers = dict(super()._get_response_headers_for_code(status_code, direction))
        code = str(status_code)
        if code == "201":
            headers["Location"] = HEADERS["Location"]
        if code.startswith("2") and self._idempotent():
            headers[REPLAYED_HEADER] = HEADERS[REPLAYED_HEADER]
        if code == "401":
            headers["WWW-Authenticate"] = HEADERS["WWW-Authenticate"]
        if code == "405":
            headers["Allow"] = HEADERS["Allow"]
        if code in ("409", "429", "503"):
            headers["Retry-After"] = RETRY_AFTER
        if code == "200" and getattr(self.view, "downloads_file", False):
            headers["Content-Disposition"] = HEADERS["Content-Disposition"]
        return headers

    def _idempotent(self) -> bool:
        handler = getattr(self.view, self.method.lower(), None)
        return getattr(handler, "idempotent", False)

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method == "POST" and self._idempotent():
            parameters.append(IDEMPOTENCY_PARAMETER)
        return parameters


def name_enum_members(result, generator, request, public):
    """Postprocessing hook: give enumerations of numeric codes member names (x-enum-varnames)."""
    names_by_values = {
        frozenset(choices.values): dict(zip(choices.values, choices.names, strict=True))
        for choices in NAMED_CHOICES
    }
    for component in result.get("components", {}).get("schemas", {}).values():
        values = component.get("enum")
        if not values:
            continue
        names = names_by_values.get(frozenset(value for value in values if value is not None))
        if names:
            component["x-enum-varnames"] = [names[value] for value in values if value is not None]
    return result


def unwrap_parameter_references(result, generator, request, public):
    """Postprocessing hook: a parameter typed by a named enumeration is that enumeration.

    A filter's description belongs to the parameter, so drf-spectacular wraps the enumeration's
    reference in a one-item ``allOf`` to keep the two apart; the parameter needs only the reference.
    """
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                if set(schema) == {"allOf"} and len(schema["allOf"]) == 1:
                    parameter["schema"] = schema["allOf"][0]
    return result
