"""Free text as people and programs type it: what no name, number or reference may hold."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

# Bidirectional embeddings, overrides and isolates reorder what a reader sees ("Trojan source"):
# a reference that reads one way on the officer's screen and another in a bank's system.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# The characters control_character_problem refuses, as a regular-expression class body in the
# syntax JSON Schema patterns share with Python (the API's schema states the rule with it).
REFUSED_CHARACTERS = (
    r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069"
)


def control_character_problem(value: str) -> str | None:
    """Why ``value`` may not be saved as text, if it holds an invisible control character.

    Escape, bell, backspace and the other control codes print as nothing, or as commands, on a
    screen, a bank's system or a printed note; bidirectional overrides reorder what is read. Line
    breaks and tabs are text.
    """
    for character in value:
        if (
            unicodedata.category(character) == "Cc" and character not in "\t\n\r"
        ) or character in BIDI_CONTROLS:
            return _(
                "This text contains an invisible control character (U+%(code)04X); remove it."
            ) % {"code": ord(character)}
    return None


def checked_text(value: Any, name: str, *, max_length: int, missing: str = "") -> str:
    """A move's free-text input, stripped; ValidationError on ``name`` when it is empty and
    ``missing`` says what to write, longer than ``max_length``, or holds a control character."""
    text = str(value or "").strip()
    if not text:
        if missing:
            raise ValidationError({name: [missing]})
        return text
    if len(text) > max_length:
        raise ValidationError(
            {name: [_("Keep it to %(limit)s characters or fewer.") % {"limit": max_length}]}
        )
    if problem := control_character_problem(text):
        raise ValidationError({name: [problem]})
    return text


def listed(items) -> str:
    """Items joined as the active language lists them: "a, b" in English, "a、b" in Chinese."""
    return pgettext("list separator", ", ").join(str(item) for item in items)
