"""What no name, number or reference may hold."""

import pytest

from eport.core.text import control_character_problem


@pytest.mark.parametrize(
    "text",
    ["ACME Ltd", "上海 精密 贸易", "line one\nline two\ttabbed\r\n", "O'Brien & Söhne", "😀"],
)
def test_text_people_write_passes(text):
    assert control_character_problem(text) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("LRN\x07", "U+0007"),
        ("\x1b[31mred", "U+001B"),
        ("back\x08space", "U+0008"),
        ("\x85next line", "U+0085"),
        ("invoice\u202efdp.exe", "U+202E"),
        ("\u2066isolated\u2069", "U+2066"),
    ],
)
def test_a_control_character_is_named_by_its_code_point(text, code):
    assert f"invisible control character ({code})" in control_character_problem(text)
