"""Domain refusals in words on the page: the one place errors become messages and form errors."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from .. import fields
from ..errors import DeclarationError
from ..fields import HEADER_FIELDS


def messages_of(error: ValidationError | DeclarationError) -> list[str]:
    """Every problem of a domain error as a sentence, each naming its field."""
    if isinstance(error, DeclarationError):
        return [str(error)]
    if not hasattr(error, "error_dict"):
        return list(error.messages)
    lines = []
    for key, problems in error.message_dict.items():
        if key in ("__all__", "documents"):
            lines.extend(problems)
        else:
            where = field_words(key)
            lines.extend(
                _("%(label)s: %(message)s") % {"label": where, "message": problem}
                for problem in problems
            )
    return lines


def report(request: HttpRequest, error: ValidationError | DeclarationError) -> None:
    """Show every problem of a domain error as a message on the next page."""
    for message in messages_of(error):
        messages.error(request, message)


def field_words(key: str) -> str:
    """A domain error key in words: ``items.1.hs_code`` → "Item 2, HS code"."""
    if key.startswith("items."):
        parts = key.split(".")
        if len(parts) >= 2 and parts[1].isdigit():
            number = int(parts[1]) + 1
            if len(parts) > 2:
                return _("Item %(number)d, %(field)s") % {
                    "number": number,
                    "field": fields.field_words(parts[2]),
                }
            return _("Item %(number)d") % {"number": number}
    if key in fields.FIELD_WORDS:
        words = fields.field_words(key)
        return words[:1].upper() + words[1:]
    return key.replace("_", " ").capitalize()


def attach_errors(error: ValidationError, form, item_forms) -> None:
    """Put each of the domain's problems next to its field; the rest go to the summary."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, problems in error.message_dict.items():
        for problem in problems:
            _attach_one(key, problem, form, item_forms)


def _attach_one(key: str, problem: str, form, item_forms) -> None:
    if key.startswith("items."):
        parts = key.split(".")
        try:
            index = int(parts[1])
        except (IndexError, ValueError):
            index = -1
        field = parts[2] if len(parts) > 2 else None
        if 0 <= index < len(item_forms):
            target = item_forms[index]
            target.add_error(field if field in target.fields else None, problem)
            return
        form.add_error(
            None,
            _("Goods item %(number)d: %(problem)s") % {"number": index + 1, "problem": problem},
        )
        return
    if key in HEADER_FIELDS and key in form.fields:
        form.add_error(key, problem)
        return
    if key == "documents":
        form.add_error(None, _("Documents: %(problem)s") % {"problem": problem})
        return
    form.add_error(None, problem)
