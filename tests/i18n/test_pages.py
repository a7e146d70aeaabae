"""The main journeys' pages, read in Chinese, hold no English sentence from our own catalogue.

Each page is fetched as its reader would with a zh-CN browser; the text a person sees (tags,
scripts and code removed) must not contain any English phrase the catalogue translates. A phrase
left in English means a string was used unmarked, or marked in one place and not another.
"""

import html
import re
from pathlib import Path

import polib
import pytest
from django.test import Client
from django.urls import reverse

from eport.banks import services as banks
from ledger import notary
from tests.banks import factories as bf
from tests.banks.conftest import world  # noqa: F401
from tests.declarations import factories as f
from tests.ledger.notary_support import ledger_keys  # noqa: F401

PO = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]")
HIDDEN = re.compile(r"<(script|style|pre|code|textarea)\b.*?</\1>", re.S | re.I)
TAG = re.compile(r"<[^>]*>", re.S)


def english_phrases() -> set[str]:
    """Every English fragment of three words or more that the catalogue translates."""
    phrases = set()
    for entry in polib.pofile(str(PO)).translated_entries():
        translation = entry.msgstr or next(iter(entry.msgstr_plural.values()), "")
        for source in filter(None, (entry.msgid, entry.msgid_plural)):
            for fragment in PLACEHOLDER.split(source):
                fragment = " ".join(fragment.split()).strip(" .,:;")
                if len(fragment.split()) >= 3 and fragment not in translation:
                    phrases.add(fragment)
    return phrases


def visible_text(response) -> str:
    text = TAG.sub(" ", HIDDEN.sub(" ", response.content.decode()))
    return " ".join(html.unescape(text).split())


@pytest.fixture
def pages(world, ledger_keys):  # noqa: F811
    """The pages each role reads most, with a released declaration presented to a bank."""
    released = bf.released(world.trader, world.officer)
    banks.present_declaration(declaration=released, actor=world.trader, bank=world.icbc)
    queried = f.submitted(world.trader, "yellow", lrn="LRN-Q")
    notary.notarize_pending(cosign="inline")
    detail = reverse("declarations:detail", args=[released.uuid])
    return {
        None: [reverse("accounts:login"), reverse("audit:verify")],
        world.trader: [
            reverse("declarations:list"),
            reverse("declarations:new"),
            detail,
            reverse("declarations:detail", args=[queried.uuid]),
            reverse("payments:overview"),
            reverse("payments:bill", args=[released.tax_bill.uuid]),
            reverse("api_tokens:list"),
        ],
        world.officer: [
            reverse("declarations:list"),
            reverse("declarations:detail", args=[queried.uuid]),
            reverse("payments:overview"),
        ],
        world.auditor: [
            reverse("audit:workspace"),
            reverse("audit:ledger"),
            reverse("audit:checkpoints"),
            reverse("audit:entry", args=[1]),
            reverse("audit:verification"),
            reverse("audit:evidence"),
            reverse("audit:receipts", args=[released.uuid]),
        ],
        world.bank: [reverse("banks:workspace"), reverse("payments:bank"), reverse("banks:check")],
    }


def test_pages_in_chinese_show_no_english_phrase_of_ours(pages):
    phrases = english_phrases()
    assert len(phrases) > 100
    left = {}
    for reader, urls in pages.items():
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
        if reader is not None:
            client.force_login(reader)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert response["Content-Language"] == "zh-hans"
            text = visible_text(response)
            found = sorted(phrase for phrase in phrases if phrase in text)
            if found:
                left[url] = found[:8]
    assert not left, left
