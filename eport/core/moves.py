"""What every move registry's inputs are made of (declarations, licences, banks, payments).

A registry declares each move's inputs once; the pages build their fields and the API its request
serializers from them, so one kind of input reads the same wherever it is asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise

__all__ = ["LINE", "TEXT", "Input"]

# What kind of input a move takes (a registry may add kinds of its own).
TEXT = "text"  # free text, several lines
LINE = "line"  # free text, one line (a reference)


@dataclass(frozen=True)
class Input:
    """One input of a move: the service's keyword argument, the API field, the page's field."""

    name: str
    label: Promise | str = ""
    kind: str = TEXT
    required: bool = False
    max_length: int = 2000
    help: Promise | str = ""
