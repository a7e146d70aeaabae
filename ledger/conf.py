"""The ledger's settings, read in this one module with their defaults.

Every Django setting and environment variable the ledger reads goes through here, so the app can be
lifted into another Django project unchanged: a project sets what differs from these defaults.
Values are read at each call, never cached at import, so ``override_settings`` works in tests.

=============================== ============================= ======================================
Setting                         Default                       Meaning
=============================== ============================= ======================================
EPORT_LEDGER_ORIGIN             ``"localhost/ledger"``        the ledger's name in checkpoints and
                                                              its key name (no spaces or ``+``)
EPORT_CHECKPOINT_INTERVAL       ``10.0``                      seconds between scheduled
                                                              notarizations (the beat schedule's)
EPORT_CHECKPOINT_MAX_ENTRIES    ``0``                         every N-th entry asks for a checkpoint
                                                              at once; 0 leaves it to the schedule
EPORT_WITNESSES                 ``[]``                        the witnesses, in order: each a
                                                              ``"<verifier key> <URL>"`` (or a dict
                                                              with ``key`` and ``url``) of a
                                                              member's witness server, or a bare
                                                              key name for a development witness
                                                              run in-process (see ``ledger.keys``)
EPORT_WITNESS_TIMEOUT           ``5.0``                       seconds the notary waits for its
                                                              witnesses, all asked at once
EPORT_WITNESS_QUORUM            ``0``                         witness cosignatures that make a
                                                              checkpoint notarized
EPORT_KEYS_DIR                  ``"var/keys"``                folder of ``<name>.key`` / ``.pub``
EPORT_LEDGER_ENTRY_ACCESS       ``"ledger.views.no_one_but_   dotted path of ``(user, entry) ->
                                superusers"``                 bool``: who may read an entry's bytes
EPORT_LEDGER_MIRROR_TOKENS      ``[]``                        ``<name>:<SHA-256 hex of a bearer
                                                              token>`` per alliance mirror allowed
                                                              to read entry bundles
EPORT_VERIFY_WORKERS            ``0``                         processes that verify the chain at
                                                              once (``verify_ledger`` and the
                                                              auditor's run); 0 means one per CPU,
                                                              1 one pass in the calling process
=============================== ============================= ======================================

Keys may also come from the environment: ``EPORT_LEDGER_SIGNER_KEY`` (the ledger's signer key),
``EPORT_WITNESS_<NAME>_KEY`` (a witness's) and ``EPORT_VERIFIER_KEYS`` (public keys, comma or
newline separated); see ``ledger.keys``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "EPORT_LEDGER_ORIGIN": "localhost/ledger",
    "EPORT_CHECKPOINT_INTERVAL": 10.0,
    "EPORT_CHECKPOINT_MAX_ENTRIES": 0,
    "EPORT_WITNESSES": [],
    "EPORT_WITNESS_QUORUM": 0,
    "EPORT_WITNESS_TIMEOUT": 5.0,
    "EPORT_KEYS_DIR": "var/keys",
    "EPORT_LEDGER_ENTRY_ACCESS": "ledger.views.no_one_but_superusers",
    "EPORT_LEDGER_MIRROR_TOKENS": [],
    "EPORT_VERIFY_WORKERS": 0,
}

# Environment variables that may hold keys (read at use, so a rotated key needs no restart).
LEDGER_SIGNER_KEY_ENV = "EPORT_LEDGER_SIGNER_KEY"
VERIFIER_KEYS_ENV = "EPORT_VERIFIER_KEYS"

# Settings whose change invalidates cached keys (ledger.keys listens for setting_changed).
KEY_SETTINGS = frozenset({"EPORT_KEYS_DIR", "EPORT_WITNESSES", "EPORT_LEDGER_ORIGIN"})


def _setting(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])


def origin() -> str:
    """The ledger's origin: the first line of its checkpoints and its key name."""
    return _setting("EPORT_LEDGER_ORIGIN")


def checkpoint_interval() -> float:
    """Seconds between scheduled notarizations."""
    return _setting("EPORT_CHECKPOINT_INTERVAL")


def checkpoint_max_entries() -> int:
    """Every this-many-th entry asks for a checkpoint at once; 0 turns that off."""
    return _setting("EPORT_CHECKPOINT_MAX_ENTRIES") or 0


def witnesses() -> list[Any]:
    """The configured witnesses, as configured (``ledger.keys`` parses and checks them)."""
    return list(_setting("EPORT_WITNESSES"))


def witness_timeout() -> float:
    """Seconds the notary waits for its witnesses' answers (at least 0.1)."""
    return max(0.1, float(_setting("EPORT_WITNESS_TIMEOUT")))


def witness_quorum() -> Any:
    """The configured quorum, unchecked (``ledger.notarized.quorum`` checks it)."""
    return _setting("EPORT_WITNESS_QUORUM")


def keys_dir() -> Path:
    """The folder that holds signer and verifier key files."""
    return Path(_setting("EPORT_KEYS_DIR"))


def entry_access() -> str:
    """Dotted path of the callable ``(user, entry) -> bool`` deciding who may read an entry."""
    return _setting("EPORT_LEDGER_ENTRY_ACCESS") or DEFAULTS["EPORT_LEDGER_ENTRY_ACCESS"]


def mirror_tokens() -> list[str]:
    """The alliance mirrors' ``<name>:<SHA-256 hex>`` token digests, unchecked."""
    return list(_setting("EPORT_LEDGER_MIRROR_TOKENS") or [])


def verify_workers() -> int:
    """Processes that verify the chain at once: the setting, or one per usable CPU if it is 0."""
    workers = int(_setting("EPORT_VERIFY_WORKERS") or 0)
    if workers > 0:
        return workers
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def environment(variable: str) -> str:
    """The value of an environment variable that may hold a key, or ``""``."""
    return os.environ.get(variable, "")
