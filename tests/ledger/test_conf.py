"""ledger.conf: the one place the ledger reads its settings, with defaults for another project."""

from pathlib import Path

import pytest

from ledger import conf


@pytest.fixture
def bare_project(settings):
    """A project that sets none of the ledger's settings."""
    for name in conf.DEFAULTS:
        if hasattr(settings, name):
            delattr(settings, name)
    return settings


def test_a_project_that_sets_nothing_gets_the_documented_defaults(bare_project, monkeypatch):
    monkeypatch.delenv("EPORT_LEDGER_SIGNER_KEY", raising=False)

    assert conf.origin() == "localhost/ledger"
    assert conf.checkpoint_interval() == 10.0
    assert conf.checkpoint_max_entries() == 0
    assert conf.witnesses() == []
    assert conf.witness_quorum() == 0
    assert conf.keys_dir() == Path("var/keys")
    assert conf.entry_access() == "ledger.views.no_one_but_superusers"
    assert conf.environment(conf.LEDGER_SIGNER_KEY_ENV) == ""


def test_every_default_is_documented_in_the_module():
    for name in conf.DEFAULTS:
        assert name in conf.__doc__


def test_the_projects_settings_override_the_defaults(settings, tmp_path):
    settings.EPORT_LEDGER_ORIGIN = "bank.example/ledger"
    settings.EPORT_CHECKPOINT_MAX_ENTRIES = 500
    settings.EPORT_WITNESSES = ["a.witness", "b.witness"]
    settings.EPORT_WITNESS_QUORUM = 1
    settings.EPORT_KEYS_DIR = tmp_path

    assert conf.origin() == "bank.example/ledger"
    assert conf.checkpoint_max_entries() == 500
    assert conf.witnesses() == ["a.witness", "b.witness"]
    assert conf.witness_quorum() == 1
    assert conf.keys_dir() == tmp_path


def test_eport_sets_the_ledger_settings_from_its_own_settings_module(settings):
    assert conf.origin() == settings.EPORT_LEDGER_ORIGIN
    assert conf.entry_access() == "eport.payments.access.may_see_entry"
    assert conf.witness_quorum() == settings.EPORT_WITNESS_QUORUM


def test_an_empty_entry_access_setting_falls_back_to_superusers_only(settings):
    settings.EPORT_LEDGER_ENTRY_ACCESS = ""

    assert conf.entry_access() == "ledger.views.no_one_but_superusers"


def test_a_key_is_read_from_the_environment_at_use(monkeypatch):
    monkeypatch.setenv(conf.VERIFIER_KEYS_ENV, "listed")

    assert conf.environment(conf.VERIFIER_KEYS_ENV) == "listed"
