"""The layers of README's map, checked by import-linter's contracts in pyproject.toml.

A failure prints the contract that broke and the import chain that broke it.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter not installed")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_import_contract_is_kept():
    result = lint_imports(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def copy_of_the_project(tmp_path: Path) -> Path:
    for name in ("eport", "ledger"):
        shutil.copytree(
            ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_an_upward_import_from_the_ledger_breaks_the_build_and_names_the_rule(tmp_path):
    project = copy_of_the_project(tmp_path)
    merkle = project / "ledger" / "merkle.py"
    merkle.write_text(merkle.read_text() + "\nfrom eport.declarations import models  # noqa\n")

    result = lint_imports(project)

    assert result.returncode != 0
    assert "ledger imports nothing from eport" in result.stdout
    assert "ledger.merkle -> eport.declarations.models" in result.stdout


def test_reference_data_importing_the_declarations_app_breaks_the_layers(tmp_path):
    project = copy_of_the_project(tmp_path)
    choices = project / "eport" / "reference" / "choices.py"
    choices.write_text(choices.read_text() + "\nfrom eport.declarations import models  # noqa\n")

    result = lint_imports(project)

    assert result.returncode != 0
    assert "eport's arrows point down" in result.stdout
    assert "eport.reference.choices -> eport.declarations.models" in result.stdout


def test_a_function_local_import_that_closes_a_circle_breaks_the_build(tmp_path):
    project = copy_of_the_project(tmp_path)
    notarized = project / "ledger" / "notarized.py"
    notarized.write_text(
        notarized.read_text() + "\n\ndef _dodge():\n    from . import notary  # noqa\n"
    )

    result = lint_imports(project)

    assert result.returncode != 0
    assert "no import circles" in result.stdout
    # the report names one edge of the circle to remove, whichever import-linter picks
    assert ".notarized -> .notary" in result.stdout or ".notary -> .notarized" in result.stdout
