"""Every user-facing text in our templates is marked for translation.

The templates are read with Django's own lexer: text outside ``{% translate %}`` and
``{% blocktranslate %}`` (tags and comments stripped), and the values of the attributes people read
(``title``, ``alt``, ``placeholder``, ``aria-label``), must hold no English word. Names, codes and
symbols that read the same in every language are allowed.
"""

import re
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
# Read the same in both languages: the product, codes, units, formats and protocol names.
ALLOWED = {
    "eport",
    "HS",
    "CNY",
    "USD",
    "BIC",
    "USCI",
    "API",
    "JSON",
    "PDF",
    "QR",
    "SHA",
    "ID",
    "URL",
    "UTC",
    "CSV",
    "ZIP",
    "HTTP",
    "HTTPS",
    "Go",
    "RFC",
    "C2SP",
    "Ed25519",
    "Bearer",
    "curl",
    "OpenAPI",
    "Swagger",
    "ReDoc",
    "CNAPS",
    "Asia",
    "Shanghai",
    "ISO",
    "UN",
    "WCO",
    "nbsp",
}
READ_ATTRIBUTES = re.compile(r'\b(?:title|alt|placeholder|aria-label)="([^"\x00]*)"')
TAG = re.compile(r"<[^>]*>", re.S)
COMMENT = re.compile(r"<!--.*?-->", re.S)
ENTITY = re.compile(r"&[#\w]+;")
# Scripts, styles and code (commands, file names, JSON) are not prose.
SCRIPT = re.compile(r"<(script|style|pre|code|kbd|samp)\b.*?</\1>", re.S | re.I)
# Dotted identifiers (an action such as declaration.released, a file such as keys.txt).
IDENTIFIER = re.compile(r"[\w-]+(?:\.[\w-]+)+")


def unmarked_words(source: str) -> list[str]:
    # The template as a page would read, each tag and variable a NUL: tags of HTML split by
    # template tags are whole again, and marked or commented text is gone.
    parts = []
    inside = 0
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents else ""
            if name in ("blocktranslate", "blocktrans", "comment"):
                inside += 1
            elif name in ("endblocktranslate", "endblocktrans", "endcomment"):
                inside -= 1
            parts.append("\x00")
        elif token.token_type == TokenType.TEXT and not inside:
            parts.append(token.contents)
        else:
            parts.append("\x00")
    text = SCRIPT.sub(" ", COMMENT.sub(" ", "".join(parts)))
    words = []
    for value in READ_ATTRIBUTES.findall(text):
        words.extend(WORD.findall(IDENTIFIER.sub(" ", value)))
    text = IDENTIFIER.sub(" ", ENTITY.sub(" ", TAG.sub(" ", text)))
    words.extend(WORD.findall(text))
    return [word for word in words if word not in ALLOWED]


TEMPLATE_FILES = sorted(
    path for path in TEMPLATES.rglob("*.html") if path.relative_to(TEMPLATES).parts[0] != "admin"
)


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_every_text_a_person_reads_is_marked(path):
    words = unmarked_words(path.read_text(encoding="utf-8"))
    assert not words, f"unmarked English in {path.relative_to(TEMPLATES)}: {words[:20]}"


def test_the_check_finds_unmarked_text_and_passes_marked_text():
    assert unmarked_words('<p title="Open it">Release goods</p>') == [
        "Open",
        "it",
        "Release",
        "goods",
    ]
    marked = (
        '{% load i18n %}<p title="{% translate "Open it" %}">{% translate "Release" %}</p>'
        "{% blocktranslate %}Goods {{ n }}{% endblocktranslate %}<!-- a note --> CNY 1,000"
        '<input placeholder="declaration.released"><pre>python -m ledger.verify_receipt</pre>'
    )
    assert unmarked_words(marked) == []
