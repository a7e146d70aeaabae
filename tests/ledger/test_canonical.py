"""RFC 8785 edge cases: the bytes a third party will recompute must be exactly ours."""

import json

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from ledger.canonical import CanonicalError, canonical_bytes, parse_canonical


def test_keys_are_ordered_by_utf16_code_units_not_code_points():
    # U+1F600 is the surrogate pair D83D DE00, which sorts before U+FB33 in UTF-16.
    value = {"\ufb33": 1, "\U0001f600": 2, "\u20ac": 3, "\r": 4, "1": 5, "\u0080": 6, "\u00f6": 7}
    raw = canonical_bytes(value)
    assert raw == (
        '{"\\r":4,"1":5,"\u0080":6,"\u00f6":7,"\u20ac":3,"\U0001f600":2,"\ufb33":1}'.encode()
    )
    assert parse_canonical(raw) == value


def test_control_characters_use_short_or_lowercase_escapes():
    raw = canonical_bytes({"s": '\b\f\n\r\t\x01\x1f"\\/\u2028'})
    assert raw == b'{"s":"\\b\\f\\n\\r\\t\\u0001\\u001f\\"\\\\/\xe2\x80\xa8"}'


def test_rfc8785_sample_is_reproduced():
    # RFC 8785 section 3.2.2's string and literal cases, without its floats which we refuse.
    value = {"literals": [None, True, False], "string": '\u20ac$\x0f\nA\'B"\\\\"/'}
    assert canonical_bytes(value) == (
        b'{"literals":[null,true,false],"string":"\xe2\x82\xac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )


@pytest.mark.parametrize("number", [2**53, -(2**53), 10**20])
def test_integers_beyond_the_safe_range_are_refused(number):
    with pytest.raises(CanonicalError, match="outside"):
        canonical_bytes({"amount": number})


def test_largest_safe_integers_are_accepted():
    assert canonical_bytes([2**53 - 1, -(2**53 - 1)]) == b"[9007199254740991,-9007199254740991]"


@pytest.mark.parametrize(
    "value, message",
    [
        ({"rate": 0.13}, "float"),
        ({"when": object()}, "not a JSON value"),
        ({1: "x"}, "not a string"),
        ({"text": "\ud800"}, "lone surrogate"),
        ({"\ud800": 1}, "lone surrogate"),
        ({"a": [{"b": "\udfff"}]}, "data.a\\[0\\].b: string contains a lone surrogate"),
        ({"a": [1, 2**53]}, "data.a\\[1\\]: integer 9007199254740992 is outside"),
        ({"a": (True, 1.5)}, "data.a\\[1\\]: 1.5 is a float"),
    ],
)
def test_values_without_one_encoding_are_refused_with_a_reason(value, message):
    with pytest.raises(CanonicalError, match=message):
        canonical_bytes(value)


@pytest.mark.parametrize(
    "raw, message",
    [
        (b'{"b":1,"a":2}', "not canonical"),
        (b'{"a": 1}', "not canonical"),
        (b'{"a":1.0}', "not an integer"),
        (b'{"a":9007199254740992}', "outside"),
        (b'{"a":NaN}', "not valid JSON"),
        (b'{"a":"\\u0041"}', "not canonical"),
        (b"\xff", "UTF-8"),
        (b'{"a":1', "not valid JSON"),
        (b'{"a":1,"a":1}', "not canonical"),
    ],
)
def test_non_canonical_bytes_are_named(raw, message):
    with pytest.raises(CanonicalError, match=message):
        parse_canonical(raw)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53 - 1), 2**53 - 1)
    | st.text(st.characters(exclude_categories=["Cs"])),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(st.characters(exclude_categories=["Cs"]), max_size=4), children, max_size=4
        )
    ),
    max_leaves=12,
)


@given(json_values)
def test_fast_verifier_agrees_with_the_reference_encoder(value):
    raw = rfc8785.dumps(value)
    assert canonical_bytes(value) == raw
    assert parse_canonical(raw) == json.loads(raw)


class Label(str):
    """A str subclass, as Django's SafeString is: accepted, encoded as its text."""


@pytest.mark.parametrize(
    "value",
    [
        {"label": Label("x"), "n": True, "list": (1, None)},
        {"nested": [{"a": [2**53 - 1, -(2**53 - 1)]}], "ok": False},
        ["plain", {"\u00e9": "\u4e2d\u6587"}, {"\U0001f600": 1, "\ufb33": 2}],
    ],
)
def test_the_common_case_and_the_checked_case_give_the_same_bytes(value):
    assert canonical_bytes(value) == rfc8785.dumps(value)
