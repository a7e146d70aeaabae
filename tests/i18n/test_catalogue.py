"""The zh-Hans catalogue is complete, compiled and in step with the code.

`make messages` extracts every marked string into locale/zh_Hans/LC_MESSAGES/django.po and
compiles django.mo; both are committed. These tests fail on a string left untranslated or fuzzy, a
placeholder lost in translation, a compiled file older than its catalogue, and a marked string the
catalogue does not hold yet.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"
PO, MO = FOLDER / "django.po", FOLDER / "django.mo"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|\{\w*\}")


@pytest.fixture(scope="module")
def catalogue():
    return polib.pofile(str(PO))


def key(entry) -> tuple:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural or None)


def test_every_string_is_translated_and_none_is_fuzzy(catalogue):
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:10]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:10]}"
    assert len(catalogue) > 500


def test_every_translation_keeps_its_placeholders(catalogue):
    lost = []
    for entry in catalogue.translated_entries():
        wanted = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        lost.extend(
            (entry.msgid, text)
            for text in translations
            if sorted(PLACEHOLDER.findall(text)) != wanted
        )
    assert not lost, lost[:10]


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs GNU gettext's msgfmt")
def test_the_catalogue_passes_msgfmt_and_the_compiled_file_is_current(tmp_path):
    compiled = tmp_path / "django.mo"
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(compiled), str(PO)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert compiled.read_bytes() == MO.read_bytes(), "django.mo is stale: run `make messages`"


def test_the_catalogue_holds_every_marked_string(tmp_path, catalogue):
    # makemessages over a copy of the sources, so the committed catalogue is left as it is
    for name in ("eport", "ledger", "templates", "manage.py"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    (tmp_path / "locale").mkdir()
    # as `make messages` does: the ledger app speaks to machines and operators only
    command = [sys.executable, "manage.py", "makemessages", "--locale", "zh_Hans"]
    result = subprocess.run(
        [*command, "--no-location", "--ignore", "ledger/*"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_DEBUG": "1", "EPORT_VAR_DIR": str(tmp_path / "var")},
    )
    assert result.returncode == 0, result.stderr
    extracted = polib.pofile(str(tmp_path / "locale/zh_Hans/LC_MESSAGES/django.po"))
    missing = {key(entry) for entry in extracted} - {key(entry) for entry in catalogue}
    assert not missing, f"not in the catalogue (run `make messages`): {sorted(missing)[:10]}"
