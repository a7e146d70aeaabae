"""Backup and restore as README's guide says: a pg_dump of the database and a copy of the media
files, restored into a new database, pass verify_ledger and reconciliation there, and a change
made to the restored copy behind the application's back is found."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from eport.audit.reconcile import reconcile_declarations
from eport.declarations.models import Document
from ledger import notary
from ledger.models import Checkpoint, Entry
from tests.audit.conftest import release
from tests.declarations import factories as f
from tests.ledger.notary_support import WITNESSES

ROOT_DIR = Path(__file__).resolve().parents[2]
CHECK = Path(__file__).with_name("check_restored.py")


def pg_bindir() -> Path:
    """The PostgreSQL programs' folder, found as scripts/services.sh finds it."""
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    folders = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda path: int(path.split("/")[-2])
    )
    return Path(folders[-1] if folders else "/usr/lib/postgresql/15/bin")


def pg(program: str, *arguments: str, **run) -> subprocess.CompletedProcess:
    """Run a PostgreSQL client program against the test server, as the postgres user when root."""
    config = connection.settings_dict
    command = [
        str(pg_bindir() / program),
        "--host",
        config["HOST"],
        "--port",
        str(config["PORT"]),
        "--username",
        config["USER"],
        *arguments,
    ]
    if os.getuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, check=True, cwd="/", **run)


def database_url(name: str) -> str:
    config = connection.settings_dict
    return f"postgres://{config['USER']}@{config['HOST']}:{config['PORT']}/{name}"


def manage(*arguments: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=ROOT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def check_restored(env: dict[str, str]) -> tuple[int, dict]:
    result = manage(str(CHECK), env=env)
    assert result.stdout.strip(), result.stderr
    return result.returncode, json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def filings(transactional_db, postgresql, world, ledger_keys):
    """Committed filings with documents, a released one among them, all notarized and cosigned."""
    released = release(f.submitted(world.trader, lane="green", lrn="LRN-GREEN"), world.officer)
    yellow = f.submitted(world.trader, lane="yellow", lrn="LRN-YELLOW")
    draft = f.draft(world.trader2, lrn="LRN-DRAFT")
    f.attach(draft, world.trader2, "380", content=f.PDF + b"draft invoice", name="invoice.pdf")
    notary.notarize_pending(cosign="inline")
    checkpoint = Checkpoint.objects.order_by("-size").first()
    assert checkpoint.size == Entry.objects.count()
    assert checkpoint.cosignatures.count() == len(WITNESSES)
    assert Document.objects.count() >= 3
    return {"released": f.fresh(released), "yellow": yellow, "draft": draft}


@pytest.fixture
def restored(filings, tmp_path, ledger_keys):
    """The guide's steps: dump, copy the media after the dump, create a new database, restore."""
    dump = tmp_path / "eport.dump"
    with dump.open("wb") as out:
        pg("pg_dump", "--format=custom", "--no-owner", connection.settings_dict["NAME"], stdout=out)
    # The restored eport runs with the test settings, as this process does (their MEDIA_ROOT is
    # EPORT_VAR_DIR/test-media): the factories make companies and users without ledger entries.
    var = tmp_path / "var"
    media = var / "test-media"
    shutil.copytree(settings.MEDIA_ROOT, media)

    name = f"{connection.settings_dict['NAME']}_restored_{os.getpid()}"
    pg("createdb", "--template=template0", "--encoding=UTF8", name)
    try:
        with dump.open("rb") as source:
            pg("pg_restore", "--no-owner", "--exit-on-error", "--dbname", name, stdin=source)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": database_url(name),
            "EPORT_VAR_DIR": str(var),
            "EPORT_KEYS_DIR": str(ledger_keys),
            "EPORT_WITNESSES": ",".join(WITNESSES),
            "EPORT_WITNESS_QUORUM": "2",
            "PYTHONPATH": str(ROOT_DIR),
        }
        yield {"name": name, "url": database_url(name), "media": media, "env": env}
    finally:
        pg("dropdb", "--if-exists", "--force", name)


def sql(url: str, statement: str, params=()) -> None:
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(statement, params)
    conn.close()


def test_a_restored_dump_passes_verify_ledger_and_reconciliation(filings, restored):
    env = restored["env"]

    migrated = manage("manage.py", "migrate", "--noinput", env=env)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr

    verified = manage("manage.py", "verify_ledger", env=env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    lines = verified.stdout.splitlines()
    entries = Entry.objects.count()
    assert lines[0].startswith(f"ledger intact: {entries} entries (seq 0–{entries - 1}), head ")
    assert len(lines) == 2 and str(Checkpoint.objects.count()) in lines[1]

    reconciled = manage("manage.py", "reconcile", env=env)
    assert reconciled.returncode == 0, reconciled.stdout + reconciled.stderr

    status, found = check_restored(env)
    assert status == 0, found
    assert found["findings"] == [] and found["broken_files"] == []
    assert found["declarations"] == 3
    assert found["settled"] == 1
    assert found["documents"] == Document.objects.count()


def test_a_row_changed_in_the_restored_copy_is_found_by_reconciliation(filings, restored):
    released = filings["released"]
    sql(
        restored["url"],
        "UPDATE declarations_declaration SET invoice_total = %s WHERE uuid = %s",
        ["999999.00", str(released.uuid)],
    )

    status, found = check_restored(restored["env"])
    reconciled = manage("manage.py", "reconcile", env=restored["env"])

    assert status == 1
    assert found["findings"] == [["state", released.ledger_subject]]
    assert reconciled.returncode == 1, reconciled.stdout + reconciled.stderr
    assert f"state {released.ledger_subject}" in reconciled.stderr
    # The copy the test changed is the restored one: the original still reconciles.
    assert reconcile_declarations().ok


def test_a_document_file_changed_in_the_restored_media_is_found(filings, restored):
    document = Document.objects.filter(declaration=filings["draft"]).get()
    (restored["media"] / document.file.name).write_bytes(f.PDF + b"forged")

    status, found = check_restored(restored["env"])

    assert status == 1
    assert found["broken_files"] == [document.file.name]
    # Nothing else is reported: any finding is about that document's declaration.
    assert {subject for _, subject in found["findings"]} <= {filings["draft"].ledger_subject}


def test_an_entry_rewritten_in_the_restored_copy_fails_verify_ledger(filings, restored):
    entry = Entry.objects.get(seq=2)
    forged = bytes(entry.canonical).replace(b'"action":"', b'"action":"x', 1)
    assert forged != bytes(entry.canonical)
    with psycopg2.connect(restored["url"]) as conn, conn.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # past the append-only guard
        cursor.execute("UPDATE ledger_entry SET canonical = %s WHERE seq = 2", [forged])
    conn.close()

    verified = manage("manage.py", "verify_ledger", env=restored["env"])

    assert verified.returncode == 1
    assert "seq 2" in verified.stderr or "entry 2" in verified.stderr, verified.stderr
