"""Signing keys: generated for development, read from files or the environment, never leaked."""

import logging
import os
import re
import stat

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from ledger import keys, notary, witness
from ledger.notes import ALGORITHM_COSIGNATURE_V1, Signer, Verifier, generate_signer

from .notary_support import WITNESSES, append, ledger_keys  # noqa: F401


def key_material(skey):
    """The base64 key of ``PRIVATE+KEY+<name>+<id>+<base64>``, which may itself contain '+'."""
    material = skey.strip().split("+", 4)[4]
    assert len(material) == 44  # base64 of the type byte and the 32-byte seed
    return material


def test_keygen_writes_private_files_and_prints_only_verifier_keys(settings, tmp_path, capsys):
    settings.EPORT_KEYS_DIR = tmp_path / "keys"

    call_command("ledger_keygen")

    out, err = capsys.readouterr()
    folder = tmp_path / "keys"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    names = sorted(path.name for path in folder.iterdir())
    assert "eport.localhost_ledger.key" in names
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    printed = out.splitlines()
    assert [Verifier.from_string(line).name for line in printed] == [
        "eport.localhost/ledger",
        *settings.EPORT_WITNESSES,
    ]
    secret = (folder / "eport.localhost_ledger.key").read_text().strip()
    assert secret.startswith("PRIVATE+KEY+eport.localhost/ledger+")
    assert "PRIVATE" not in out + err
    assert Signer.from_string(secret).verifier_key == printed[0]


def test_keygen_keeps_existing_keys(settings, tmp_path, capsys):
    settings.EPORT_KEYS_DIR = tmp_path / "keys"
    call_command("ledger_keygen")
    first = capsys.readouterr().out
    call_command("ledger_keygen")
    second = capsys.readouterr()
    assert second.out == first
    assert "created" not in second.err


@pytest.mark.usefixtures("ledger_keys")
def test_a_key_in_the_environment_wins_over_files(monkeypatch):
    skey, vkey = generate_signer("customs.witness")
    monkeypatch.setenv("EPORT_WITNESS_CUSTOMS_WITNESS_KEY", skey)
    assert str(keys.verifier("customs.witness")) == vkey
    assert keys.signer("customs.witness").verifier_key == vkey


def test_a_verifier_list_serves_a_process_without_private_keys(settings, tmp_path, monkeypatch):
    settings.EPORT_KEYS_DIR = tmp_path / "empty"
    pairs = [generate_signer(name) for name in ["eport.localhost/ledger", *WITNESSES]]
    monkeypatch.setenv("EPORT_VERIFIER_KEYS", ",".join(vkey for _, vkey in pairs))
    keys.clear_cache()
    assert keys.verifier_keys() == [vkey for _, vkey in pairs]
    with pytest.raises(
        keys.KeyNotFound, match=re.escape("no signer key for 'eport.localhost/ledger'")
    ):
        keys.ledger_signer()


@pytest.mark.usefixtures("ledger_keys")
def test_a_wrong_or_misnamed_key_is_refused_without_quoting_it(monkeypatch):
    skey, _ = generate_signer("someone.else")
    monkeypatch.setenv("EPORT_LEDGER_SIGNER_KEY", skey)
    with pytest.raises(
        keys.KeyNotFound, match=re.escape("named 'someone.else', expected")
    ) as error:
        keys.ledger_signer()
    assert key_material(skey) not in str(error.value)

    monkeypatch.setenv("EPORT_LEDGER_SIGNER_KEY", "PRIVATE+KEY+x+00000000+garbage")
    with pytest.raises(keys.KeyNotFound, match="EPORT_LEDGER_SIGNER_KEY is not usable") as error:
        keys.ledger_signer()
    assert "garbage" not in str(error.value)


@pytest.mark.usefixtures("ledger_keys")
def test_signers_do_not_show_their_key():
    signer = keys.ledger_signer()
    secret = key_material(keys.key_file("eport.localhost/ledger").read_text())
    assert secret not in repr(signer)
    assert secret not in str(signer)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("ledger_keys")
def test_private_keys_never_reach_the_database_or_the_logs(settings, caplog, client):
    secrets = [
        key_material(path.read_text())
        for path in settings.EPORT_KEYS_DIR.iterdir()
        if path.suffix == ".key"
    ]
    assert len(secrets) == 4
    with caplog.at_level(logging.DEBUG):
        append(5)
        notary.notarize()
        append(2)
        checkpoint = notary.notarize(cosign="none")
        witness.cosign("customs.witness", checkpoint)
        older = notary.notarize() or checkpoint
        witness.cosign("bank.witness", older)
        served = b"".join(
            client.get(path).content
            for path in ("/ledger/checkpoint", "/ledger/keys", "/ledger/checkpoint/6")
        )

    from django.db import connection

    dump = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            dump.append(repr(cursor.fetchall()))
    dump = "\n".join(dump)
    logs = "\n".join(record.getMessage() for record in caplog.records) + caplog.text
    assert "PRIVATE" not in dump + logs
    for secret in secrets:
        assert secret not in dump
        assert secret not in logs
        assert secret.encode() not in served
    assert "checkpoint 6 signed" in logs  # the logs were captured


def test_witness_names_must_be_valid_key_names(settings):
    settings.EPORT_WITNESSES = ["bad name"]
    with pytest.raises(Exception, match="EPORT_WITNESSES item 1: 'bad name' is neither a key name"):
        keys.witness_names()


def test_env_var_names_follow_the_key_name():
    assert keys.env_var("eport.localhost/ledger") == "EPORT_LEDGER_SIGNER_KEY"
    assert keys.env_var("commerce.witness") == "EPORT_WITNESS_COMMERCE_WITNESS_KEY"
    assert os.path.basename(keys.key_file("eport.localhost/ledger")) == (
        "eport.localhost_ledger.key"
    )


def _witness_key(name: str) -> str:
    return generate_signer(name, ALGORITHM_COSIGNATURE_V1)[1]


def test_a_member_witness_is_named_by_its_verifier_key_and_url(settings, tmp_path):
    settings.EPORT_KEYS_DIR = tmp_path
    customs, bank = _witness_key("customs.witness"), _witness_key("bank.witness")
    settings.EPORT_WITNESSES = [
        f"{customs} https://witness.customs.example/",
        {"name": "bank.witness", "key": bank, "url": "http://10.0.0.7:7380"},
        "commerce.witness",
    ]
    keys.clear_cache()

    endpoints = keys.witness_endpoints()

    assert [(e.name, e.url, str(e.key) if e.key else None) for e in endpoints] == [
        ("customs.witness", "https://witness.customs.example", customs),
        ("bank.witness", "http://10.0.0.7:7380", bank),
        ("commerce.witness", None, None),
    ]
    # eport writes a key only for its own development witness, never for a member's
    created = dict(keys.ensure_keys())
    assert set(created) == {"eport.localhost/ledger", "commerce.witness"}
    assert not keys.key_file("customs.witness").exists()
    served = keys.verifier_keys()
    assert served[1:3] == [customs, bank]
    assert keys.verifier("commerce.witness").cosigner  # development witnesses cosign in v1 too


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("{key} ftp://witness.example", "is not an http:// or https:// URL"),
        ("{key} https://", "is not an http:// or https:// URL"),
        ("customs.witness+00000000+AAAA https://w.example", "the verifier key is not usable"),
        ({"key": "{key}"}, "a witness server needs both 'key' and 'url'"),
        ({"key": "{key}", "url": "https://w", "name": "other"}, "is not the key's name"),
        ({"key": "{key}", "url": "https://w", "port": 1}, "unknown field(s) port"),
        (42, "expected text or a dict, not int"),
    ],
)
def test_a_bad_witness_entry_is_named_with_its_problem(settings, item, message):
    key = _witness_key("customs.witness")
    if isinstance(item, str):
        item = item.format(key=key)
    elif isinstance(item, dict):
        item = {
            field: value.format(key=key) if isinstance(value, str) else value
            for field, value in item.items()
        }
    settings.EPORT_WITNESSES = [item]
    keys.clear_cache()
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        keys.witness_endpoints()


def test_system_checks_name_a_bad_witness_and_warn_of_in_process_witnesses(settings):
    from ledger import checks

    settings.EPORT_WITNESSES = ["bad name"]
    keys.clear_cache()
    assert [m.id for m in checks.check_witnesses(None)] == ["ledger.E003"]
    settings.EPORT_WITNESSES = ["customs.witness"]
    settings.DEBUG = False
    keys.clear_cache()
    (warning,) = checks.check_witnesses(None)
    assert warning.id == "ledger.W001" and "customs.witness" in warning.msg
    settings.EPORT_WITNESSES = [f"{_witness_key('customs.witness')} https://w.customs.example"]
    keys.clear_cache()
    assert checks.check_witnesses(None) == []
