"""Classic malformed inputs, as raw JSON fragments and as form values, and a few builders."""

from __future__ import annotations

import json

from hypothesis import strategies as st

HUGE = "9" * 400
OVERLONG = "x" * 100_000

# Raw JSON values: wrong types, huge and special numbers, "-0", exponents, odd text.
JSON_VALUES = [
    "null",
    "true",
    "false",
    "0",
    "-0",
    "-0.0",
    "-1",
    "1.5",
    "1e3",
    "1E-7",
    "1e999",
    "-1e999",
    "NaN",
    "Infinity",
    "-Infinity",
    "9007199254740993",
    HUGE,
    '"0"',
    '"-0"',
    '"-0.00"',
    '"1e3"',
    '"1e999"',
    '"NaN"',
    '"Infinity"',
    '"sNaN"',
    '"1,000.00"',
    '" 12 "',
    '"0x1F"',
    '"١٢٣"',  # Arabic-Indic digits
    '"１２３"',  # full-width digits
    '""',
    '"   "',
    '"\\u0000"',
    '"a\\u0000b"',
    '"\\ud800"',  # a lone surrogate
    '"\\u202eevil"',
    '"\\t\\r\\n\\u0007"',
    '"😀中文"',
    '"<script>alert(1)</script>"',
    '"../../../etc/passwd"',
    '"2026-02-30"',
    '"9999-12-31T99:99"',
    json.dumps(OVERLONG),
    "[]",
    "[1, 2]",
    "{}",
    '{"a": {"b": 1}}',
]

# Form values (text fields can only carry text): the same ideas as strings.
FORM_VALUES = [
    "",
    " ",
    "0",
    "-0",
    "-0.00",
    "-1",
    "1e3",
    "1E-7",
    "1e999",
    "NaN",
    "Infinity",
    "-Infinity",
    "sNaN",
    HUGE,
    "1,000.00",
    "0x1F",
    "١٢٣",
    "１２３",
    "a\x00b",
    "\x00",
    "\x07\x1b[31m",
    "\u202eevil",
    "😀中文",
    "<script>alert(1)</script>",
    "../../../etc/passwd",
    "2026-02-30",
    OVERLONG,
]

# Numbers in paths and query strings.
NUMBER_TEXTS = [
    "",
    "-1",
    "-0",
    "0",
    "00",
    "+1",
    "1.0",
    "1e3",
    "0x10",
    "NaN",
    "inf",
    "9223372036854775807",
    "9223372036854775808",
    HUGE,
    "١",
    "１",
    " 1",
    "1%00",
    "%00",
    "%ff",
    "%c0%af",
    "..%2f..%2fetc",
    "abc",
    "😀",
]


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def wide(count: int) -> str:
    return "{" + ",".join(f'"k{n}": {n}' for n in range(count)) + "}"


MARKER = "__census_marker__"


def spliced(body, raw: str) -> bytes:
    """``body`` as JSON, with the value ``MARKER`` (anywhere in it) replaced by ``raw``."""
    text = json.dumps(body, ensure_ascii=False)
    return text.replace(json.dumps(MARKER), raw).encode("utf-8")


def with_value(body: dict, key: str, raw: str) -> bytes:
    """``body`` as JSON with ``key``'s value replaced by the raw fragment ``raw``."""
    return spliced({**body, key: MARKER}, raw)


def without(body: dict, key: str) -> bytes:
    return json.dumps({k: v for k, v in body.items() if k != key}).encode()


# Structural malformations of a JSON body (raw bytes), with what they are.
def structural_bodies(valid: dict) -> list[tuple[str, bytes]]:
    text = json.dumps(valid)
    first = next(iter(valid))
    return [
        ("empty body", b""),
        ("whitespace body", b"  \n"),
        ("a JSON string", b'"hello"'),
        ("a JSON array", b"[]"),
        ("a JSON number", b"42"),
        ("null", b"null"),
        ("truncated JSON", text[: len(text) // 2].encode()),
        ("trailing garbage", text.encode() + b"}}"),
        ("two documents", text.encode() + text.encode()),
        ("single quotes", text.replace('"', "'").encode()),
        ("a trailing comma", text[:-1].encode() + b",}"),
        ("invalid UTF-8", text.encode()[:-1] + b', "x": "\xff\xfe"}'),
        ("UTF-8 BOM", b"\xef\xbb\xbf" + text.encode()),
        ("UTF-16", text.encode("utf-16")),
        ("a NUL byte", text.encode()[:-1] + b', "\x00": 1}'),
        ("duplicate key", text.encode()[:-1] + f', "{first}": null}}'.encode()),
        ("NaN constant", text.encode()[:-1] + b', "x": NaN}'),
        ("deep nesting 10000", deep(10_000).encode()),
        ("deep nesting in a field", text.encode()[:-1] + b', "x": ' + deep(5_000).encode() + b"}"),
        ("wide object 50000 keys", wide(50_000).encode()),
        ("a number of 10000 digits", b'{"version": ' + b"9" * 10_000 + b"}"),
    ]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
form_texts = st.text(max_size=60) | st.sampled_from(FORM_VALUES)
