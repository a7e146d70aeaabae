"""Fixtures and helpers shared by the notarization tests."""

import os

import pytest
from django.db import connection

from ledger import keys, merkle, notary
from ledger.models import Entry
from ledger.services import record

WITNESSES = ["customs.witness", "commerce.witness", "bank.witness"]


@pytest.fixture
def ledger_keys(tmp_path, settings, monkeypatch):
    """Fresh development keys for the ledger and three witnesses in a temporary folder."""
    for name in os.environ:
        if name.startswith(("EPORT_WITNESS_", "EPORT_LEDGER_SIGNER", "EPORT_VERIFIER")):
            monkeypatch.delenv(name)
    settings.EPORT_KEYS_DIR = tmp_path / "keys"
    settings.EPORT_WITNESSES = list(WITNESSES)
    settings.EPORT_WITNESS_QUORUM = 2
    keys.clear_cache()
    keys.ensure_keys()
    yield settings.EPORT_KEYS_DIR
    keys.clear_cache()


def append(count: int, *, subject: str = "thing:1") -> list[Entry]:
    return [
        record(actor="system:test", action="thing.touched", subject=subject, data={"n": n})
        for n in range(count)
    ]


def leaf_hashes() -> list[bytes]:
    return [
        merkle.leaf_hash(bytes(raw))
        for raw in Entry.objects.order_by("seq").values_list("canonical", flat=True)
    ]


def database_url() -> str:
    config = connection.settings_dict
    return f"postgres://{config['USER']}@{config['HOST']}:{config['PORT']}/{config['NAME']}"


def tamper(sql: str, params=()) -> None:
    """Change an append-only row the way a superuser could, with the guard triggers bypassed."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(sql, params)
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = origin")


def rewrite_history():
    """Rewrite entry 2 the way a database owner could, rebuild the tree and checkpoints from
    scratch, append 3 more entries and sign that forged history; return its checkpoint."""
    raw = bytes(Entry.objects.get(seq=2).canonical)
    tamper(
        "UPDATE ledger_entry SET canonical = %s WHERE seq = 2", [raw.replace(b'"n":1', b'"n":9')]
    )
    for table in ("ledger_cosignature", "ledger_checkpoint", "ledger_node"):
        tamper(f"DELETE FROM {table}")
    append(3)
    return notary.notarize(cosign="none")
