"""JSON parsing that keeps decimals exact: ``1250.10`` arrives as a Decimal, never a float."""

import json
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class DecimalJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
            return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
        except (ValueError, UnicodeDecodeError) as error:
            raise ParseError(
                _("The body is not valid JSON: %(error)s") % {"error": error}
            ) from None


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")
