"""JSON parsing that keeps decimals exact: ``1250.10`` arrives as a Decimal, never a float."""

import json
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# No request of the API nests more than a few levels; far deeper bodies only probe the server.
MAX_DEPTH = 32


class DecimalJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
            data = json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
        except RecursionError:
            data = None
            depth = MAX_DEPTH + 1
        except (ValueError, UnicodeDecodeError) as error:
            raise ParseError(
                _("The body is not valid JSON: %(error)s") % {"error": error}
            ) from None
        else:
            depth = _depth(data)
        if depth > MAX_DEPTH:
            raise ParseError(
                _("The body nests arrays and objects more than %(limit)s levels deep.")
                % {"limit": MAX_DEPTH}
            )
        return data


def _depth(value) -> int:
    """How deeply arrays and objects nest in ``value``, counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if not isinstance(item, dict | list):
            continue
        deepest = max(deepest, level)
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, level + 1) for child in children)
    return deepest


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")
