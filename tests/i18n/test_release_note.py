"""The release note PDF is written in its reader's language, Chinese in a CJK font."""

import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import translation

from tests.audit.conftest import released  # noqa: F401
from tests.declarations.conftest import media_root, world  # noqa: F401
from tests.ledger.notary_support import ledger_keys  # noqa: F401

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext")


def text_of(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "note.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return " ".join(result.stdout.split())


def test_a_chinese_reader_gets_a_chinese_release_note_the_same_bytes_each_time(
    client,
    world,  # noqa: F811
    released,  # noqa: F811
    tmp_path,
):
    client.force_login(world.trader)
    url = reverse("audit:release_note", args=[released.uuid])

    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-CN").content
    again = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-CN").content
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content

    assert chinese == again
    assert chinese != english
    with translation.override("zh-hans"):
        title, total = translation.gettext("Customs release note"), translation.gettext("Duty")
    assert title != "Customs release note"
    text = text_of(chinese, tmp_path)
    assert title in text and total in text
    assert "Customs release note" not in text
    assert "Customs release note" in text_of(english, tmp_path)
