"""The receipt verifier as a distribution of its own (ledger/verifier): built from the tree into a
wheel, installed in a fresh virtual environment with nothing but its two dependencies, and run
outside the source tree on a receipt downloaded from eport, the way a bank runs it."""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse

from tests.audit.conftest import released  # noqa: F401
from tests.declarations.conftest import media_root, world  # noqa: F401
from tests.ledger.notary_support import ledger_keys  # noqa: F401

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DISTRIBUTION = PROJECT_ROOT / "ledger" / "verifier"
VERIFIER_MODULES = {"__init__.py", "merkle.py", "notes.py", "verify_receipt.py"}

# Installing the wheel fetches cryptography and rfc8785 from the package index.
pytestmark = pytest.mark.package_index


def run(command, *, cwd):
    """Run a command away from the source tree, with no path that could lead back into it."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    env["PYTHONIOENCODING"] = "utf-8"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )


def succeeded(result):
    assert result.returncode == 0, f"{result.args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel `make verifier` builds, built here into a temporary folder."""
    folder = tmp_path_factory.mktemp("dist")
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", folder, DISTRIBUTION]
    succeeded(run(build, cwd=folder))
    (built,) = folder.glob("eport_receipt_verifier-1.0.0-*.whl")
    return built


@pytest.fixture(scope="module")
def verifier(tmp_path_factory, wheel):
    """A fresh virtual environment with the wheel installed; its bin folder."""
    environment = tmp_path_factory.mktemp("verifier") / "venv"
    succeeded(run([sys.executable, "-m", "venv", environment], cwd=environment.parent))
    bin_folder = environment / "bin"
    succeeded(run([bin_folder / "python", "-m", "pip", "install", wheel], cwd=environment.parent))
    return bin_folder


@pytest.fixture
def elsewhere(tmp_path_factory):
    """A working directory outside the source tree."""
    return tmp_path_factory.mktemp("bank")


@pytest.fixture
def downloaded(released, client, world, elsewhere):  # noqa: F811
    """The released declaration's receipt as its trader downloads it, and the ledger's keys."""
    client.force_login(world.trader)
    receipt = client.get(reverse("audit:receipt", args=[released.uuid]))
    assert receipt.status_code == 200
    keys = client.get(reverse("ledger:keys"))
    assert keys.status_code == 200
    receipt_path, keys_path = elsewhere / "receipt.json", elsewhere / "keys.txt"
    receipt_path.write_bytes(receipt.content)
    keys_path.write_bytes(keys.content)
    return receipt_path, keys_path


def commands(verifier):
    return {
        "python -m": [verifier / "python", "-m", "ledger.verify_receipt"],
        "console script": [verifier / "eport-verify-receipt"],
    }


def test_the_wheel_ships_only_the_verifier_modules_from_the_tree(wheel):
    with zipfile.ZipFile(wheel) as archive:
        shipped = {
            name.removeprefix("ledger/"): archive.read(name)
            for name in archive.namelist()
            if not name.startswith("eport_receipt_verifier-1.0.0.dist-info/")
        }
        metadata = archive.read("eport_receipt_verifier-1.0.0.dist-info/METADATA").decode()

    assert set(shipped) == VERIFIER_MODULES
    for module, content in shipped.items():
        assert content == (PROJECT_ROOT / "ledger" / module).read_bytes(), module
    requirements = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    assert requirements == ["Requires-Dist: cryptography>=44", "Requires-Dist: rfc8785==0.1.4"]


@pytest.mark.django_db
def test_both_installed_commands_accept_a_receipt_downloaded_from_eport(
    verifier, downloaded, elsewhere
):
    receipt_path, keys_path = downloaded

    for name, command in commands(verifier).items():
        result = run([*command, receipt_path, "--keys", keys_path], cwd=elsewhere)

        assert result.returncode == 0, f"{name}\n{result.stdout}\n{result.stderr}"
        for check in ("ledger signature", "witnesses", "inclusion", "entry", "subject"):
            assert f"✓ {check}:" in result.stdout, name
        assert result.stdout.rstrip().endswith("VALID: the entry is in the notarized ledger")


@pytest.mark.django_db
def test_both_installed_commands_reject_a_tampered_receipt(verifier, downloaded, elsewhere):
    receipt_path, keys_path = downloaded
    receipt = json.loads(receipt_path.read_text(encoding="utf-8"))
    receipt["subject"]["number"] = receipt["subject"]["number"][:-1] + (
        "1" if receipt["subject"]["number"][-1] != "1" else "2"
    )
    tampered = elsewhere / "tampered.json"
    tampered.write_text(json.dumps(receipt, ensure_ascii=False), encoding="utf-8")

    for name, command in commands(verifier).items():
        result = run([*command, tampered, "--keys", keys_path], cwd=elsewhere)

        assert result.returncode == 1, f"{name}\n{result.stdout}\n{result.stderr}"
        assert "✗ subject:" in result.stdout, name
        assert "INVALID: failed subject" in result.stdout, name


def test_the_installed_verifier_needs_nothing_but_its_two_dependencies(verifier, elsewhere):
    django = run([verifier / "python", "-c", "import django"], cwd=elsewhere)
    assert django.returncode == 1
    assert "No module named 'django'" in django.stderr

    where = succeeded(
        run(
            [verifier / "python", "-c", "import ledger.verify_receipt as v; print(v.__file__)"],
            cwd=elsewhere,
        )
    )
    assert Path(where.stdout.strip()).is_relative_to(verifier.parent)


def test_the_installed_console_script_explains_its_arguments(verifier, elsewhere):
    usage = succeeded(run([verifier / "eport-verify-receipt", "--help"], cwd=elsewhere))

    assert usage.stdout.startswith("usage: eport-verify-receipt ")
    assert "--keys KEYSFILE" in usage.stdout and "--quorum N" in usage.stdout
    assert "Exit status: 0 if the receipt is valid" in usage.stdout
