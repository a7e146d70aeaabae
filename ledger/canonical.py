"""RFC 8785 canonical JSON for ledger entries (spec section 1).

``canonical_bytes`` is the one way entry bytes are made: it refuses anything a third party could
encode differently (floats, integers outside the IEEE-754 safe range, non-string keys, lone
surrogates) before ``rfc8785`` encodes it. ``parse_canonical`` is the verifier's side: it parses
stored bytes and proves they are exactly the canonical encoding of what they contain.
"""

from __future__ import annotations

import json
import re
from typing import Any

import rfc8785

MAX_SAFE_INTEGER = 2**53 - 1


class CanonicalError(ValueError):
    """A value that has no single canonical encoding, or bytes that are not canonical."""


def check_value(value: Any, path: str = "data") -> None:
    """Raise CanonicalError naming the first value under ``path`` that is not canonical JSON."""
    if value is None or value is True or value is False or isinstance(value, str):
        if isinstance(value, str):
            _check_string(value, path)
        return
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise CanonicalError(
                f"{path}: integer {value} is outside ±(2**53 - 1); send it as a decimal string"
            )
        return
    if isinstance(value, float):
        raise CanonicalError(
            f"{path}: {value!r} is a float; use an integer or a decimal string such as "
            '"1250.00" so the bytes never depend on float formatting'
        )
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalError(f"{path}: key {key!r} is not a string")
            _check_string(key, f"{path} key {key!r}")
            check_value(item, f"{path}.{key}")
        return
    if isinstance(value, (list, tuple)):
        for position, item in enumerate(value):
            check_value(item, f"{path}[{position}]")
        return
    raise CanonicalError(
        f"{path}: {type(value).__name__} is not a JSON value; convert it to a string, "
        "integer, boolean, null, list or object first"
    )


def _check_string(text: str, path: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise CanonicalError(f"{path}: string contains a lone surrogate, not valid UTF-8") from None


# Four-byte UTF-8 sequences encode astral-plane characters, the one case where Python's key order
# (code points) and RFC 8785's (UTF-16 code units) can differ.
_ASTRAL = re.compile(rb"[\xf0-\xff]").search

# Built once: json.dumps and json.loads with options construct a new encoder or decoder per call.
# Values reaching them cannot be circular (check_value walks them, or they were just parsed).
_encode = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), sort_keys=True, check_circular=False
).encode


def _plain(value: Any) -> bool:
    """True if ``value`` is built only of exact JSON types with safe integers (strings unchecked).

    The common case, checked without building the paths check_value names in its messages;
    anything else (a subclass, a float, an unsafe integer) goes to check_value, which accepts it
    or says what is wrong. Lone surrogates are left to the UTF-8 encoding below.
    """
    kind = type(value)
    if kind is str or value is None or value is True or value is False:
        return True
    if kind is int:
        return -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or (type(item) is not str and not _plain(item)):
                return False
        return True
    if kind is list or kind is tuple:
        return all(_plain(item) for item in value)
    return False


def canonical_bytes(value: Any) -> bytes:
    """Return the RFC 8785 bytes of ``value`` after refusing anything without one encoding."""
    if not _plain(value):
        check_value(value)
    # Past these checks only null, booleans, safe integers, strings, lists and objects with
    # string keys remain; for those the standard library's encoder yields exactly the RFC 8785
    # bytes, unless a key outside the Basic Multilingual Plane changes the key order. Any
    # astral-plane character at all sends the value to the reference encoder.
    try:
        raw = _encode(value).encode("utf-8")
    except UnicodeEncodeError:
        check_value(value)  # names the string with the lone surrogate
        raise CanonicalError("data: a string is not valid UTF-8") from None
    if raw.isascii() or not _ASTRAL(raw):
        return raw
    return rfc8785.dumps(value)


def _refuse_float(text: str) -> Any:
    raise CanonicalError(f"number {text} is not an integer")


def _refuse_constant(text: str) -> Any:
    raise CanonicalError(f"{text} is not valid JSON")


def _safe_int(text: str) -> int:
    number = int(text)
    if not -MAX_SAFE_INTEGER <= number <= MAX_SAFE_INTEGER:
        raise CanonicalError(f"integer {text} is outside ±(2**53 - 1)")
    return number


_decode = json.JSONDecoder(
    parse_float=_refuse_float, parse_int=_safe_int, parse_constant=_refuse_constant
).decode


def parse_canonical(raw: bytes) -> Any:
    """Parse ``raw`` and return its value, or raise CanonicalError if it is not RFC 8785 bytes."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CanonicalError(f"not valid UTF-8 ({error.reason} at byte {error.start})") from None
    try:
        if text.startswith("\ufeff"):  # what json.loads refuses before decoding
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        value = _decode(text)
    except json.JSONDecodeError as error:
        raise CanonicalError(f"not valid JSON: {error}") from None
    # For integers, strings and keys within the Basic Multilingual Plane, the standard library's
    # encoder with these options yields exactly the RFC 8785 bytes and is several times faster
    # than rfc8785.dumps; anything else is settled by the reference encoder.
    if _encode(value).encode("utf-8") == raw and (raw.isascii() or not _ASTRAL(raw)):
        return value
    try:
        expected = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as error:
        raise CanonicalError(str(error)) from None
    if expected != raw:
        raise CanonicalError(f"bytes are not canonical; RFC 8785 gives {_excerpt(expected)}")
    return value


def _excerpt(raw: bytes, limit: int = 160) -> str:
    text = raw.decode("utf-8", errors="replace")
    return text if len(text) <= limit else text[:limit] + "…"
