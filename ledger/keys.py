"""Signing keys of the ledger and its witnesses (spec sections 4, 7 and 8).

``EPORT_WITNESSES`` lists the witnesses that cosign checkpoints. In production each is a member's
own server, named by its verifier key and URL (``"<verifier key> <URL>"``, or a dict with ``key``
and ``url``): eport holds none of their private keys. A bare key name is a development witness that
eport runs in this process from a ``cosignature/v1`` key in ``EPORT_KEYS_DIR``, with its state
beside it; development runs and tests use them.

A key is found, in this order, in an environment variable (``EPORT_LEDGER_SIGNER_KEY`` for the
ledger, ``EPORT_WITNESS_<NAME>_KEY`` for a witness, where ``<NAME>`` is the key name upper-cased
with every other character turned into ``_``) or in ``EPORT_KEYS_DIR/<name>.key``. Key strings are
Go ``note`` signer keys. Public keys come from the signer key, or, for a process that signs nothing,
from the ``EPORT_VERIFIER_KEYS`` list (comma or newline separated) or ``EPORT_KEYS_DIR/<name>.pub``.

Private keys never leave this module except inside a ``Signer`` object, whose repr hides them and
which refuses to be pickled; error messages name where a key was looked for, never its content.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

from . import conf
from .notes import (
    ALGORITHM_COSIGNATURE_V1,
    ALGORITHM_ED25519,
    Signer,
    Verifier,
    check_key_name,
    generate_signer,
)

LEDGER_ENV = conf.LEDGER_SIGNER_KEY_ENV
VERIFIER_KEYS_ENV = conf.VERIFIER_KEYS_ENV

_cache: dict[tuple, Signer | Verifier] = {}
_lock = threading.RLock()  # reentrant: a verifier lookup reads the witness configuration


class KeyNotFound(ImproperlyConfigured):
    """No usable key for a name; the message says where it was looked for."""


def ledger_key_name() -> str:
    """The ledger's key name: its origin."""
    return conf.origin()


@dataclass(frozen=True)
class WitnessEndpoint:
    """A configured witness: its key name, and where and with which key it is reached.

    ``url`` and ``key`` are None for a development witness, which this process runs itself from
    its signer key in EPORT_KEYS_DIR (``ledger.witness.local_witness``).
    """

    name: str
    url: str | None = None
    key: Verifier | None = None

    @property
    def remote(self) -> bool:
        return self.url is not None


def _endpoint(item, number: int) -> WitnessEndpoint:
    where = f"EPORT_WITNESSES item {number}"
    if isinstance(item, dict):
        unknown = set(item) - {"name", "url", "key"}
        if unknown:
            raise ImproperlyConfigured(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        key_text, url, name = item.get("key"), item.get("url"), item.get("name")
        if not key_text or not url:
            raise ImproperlyConfigured(f"{where}: a witness server needs both 'key' and 'url'")
    elif isinstance(item, str):
        parts = item.split()
        if len(parts) == 1:
            try:
                check_key_name(parts[0])
            except ValueError as error:
                raise ImproperlyConfigured(f"{where}: {error}") from None
            return WitnessEndpoint(parts[0])
        if len(parts) != 2 or "+" not in parts[0]:
            raise ImproperlyConfigured(
                f"{where}: {item!r} is neither a key name (no spaces or '+') nor "
                "'<verifier key> <URL>'"
            )
        (key_text, url), name = parts, None
    else:
        raise ImproperlyConfigured(f"{where}: expected text or a dict, not {type(item).__name__}")
    try:
        key = Verifier.from_string(key_text)
    except ValueError as error:
        raise ImproperlyConfigured(f"{where}: the verifier key is not usable: {error}") from None
    if name is not None and name != key.name:
        raise ImproperlyConfigured(f"{where}: name {name!r} is not the key's name {key.name!r}")
    parsed = urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ImproperlyConfigured(f"{where}: {url!r} is not an http:// or https:// URL")
    return WitnessEndpoint(key.name, url.rstrip("/"), key)


def witness_endpoints() -> list[WitnessEndpoint]:
    """The configured witnesses, in configured order; ImproperlyConfigured names a bad item."""
    configured = conf.witnesses()
    cache_key = ("witnesses", repr(configured), conf.origin())
    with _lock:
        found = _cache.get(cache_key)
    if found is not None:
        return list(found)
    endpoints = [_endpoint(item, number) for number, item in enumerate(configured, 1)]
    names = [endpoint.name for endpoint in endpoints]
    if len(set(names)) != len(names):
        raise ImproperlyConfigured("EPORT_WITNESSES names a witness twice")
    if ledger_key_name() in names:
        raise ImproperlyConfigured("EPORT_WITNESSES must not include the ledger's own key name")
    with _lock:
        _cache[cache_key] = tuple(endpoints)
    return endpoints


def witness_names() -> list[str]:
    """The configured witnesses' key names, in configured order."""
    return [endpoint.name for endpoint in witness_endpoints()]


def development_witness_names() -> list[str]:
    """The witnesses this process runs itself, from keys in EPORT_KEYS_DIR."""
    return [endpoint.name for endpoint in witness_endpoints() if not endpoint.remote]


def _remote_key(name: str) -> Verifier | None:
    for endpoint in witness_endpoints():
        if endpoint.name == name:
            return endpoint.key
    return None


def all_key_names() -> list[str]:
    """The ledger's key name, then the witnesses'."""
    return [ledger_key_name(), *witness_names()]


def env_var(name: str) -> str:
    """The environment variable that may hold the signer key of ``name``."""
    if name == ledger_key_name():
        return LEDGER_ENV
    return f"EPORT_WITNESS_{re.sub(r'[^A-Z0-9]+', '_', name.upper()).strip('_')}_KEY"


def keys_dir() -> Path:
    """The folder of key files (EPORT_KEYS_DIR)."""
    return conf.keys_dir()


def key_file(name: str, suffix: str = ".key") -> Path:
    """The file that may hold the key of ``name`` (``/`` and other odd characters become ``_``)."""
    return keys_dir() / (re.sub(r"[^A-Za-z0-9._-]", "_", name) + suffix)


def _read_signer(name: str) -> Signer:
    variable = env_var(name)
    text = conf.environment(variable).strip()
    where = f"environment variable {variable}"
    if not text:
        path = key_file(name)
        where = str(path)
        try:
            text = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise KeyNotFound(
                f"no signer key for {name!r}: set {variable} or create {path} "
                "(`manage.py ledger_keygen` writes development keys)"
            ) from None
        except OSError as error:
            raise KeyNotFound(
                f"cannot read the signer key for {name!r} at {path}: {error}"
            ) from None
    try:
        signer = Signer.from_string(text)
    except ValueError as error:
        raise KeyNotFound(f"the signer key in {where} is not usable: {error}") from None
    if signer.name != name:
        raise KeyNotFound(f"the signer key in {where} is named {signer.name!r}, expected {name!r}")
    return signer


def signer(name: str) -> Signer:
    """Return the signer for a configured key name; KeyNotFound says where it was looked for."""
    check_key_name(name)
    cache_key = ("signer", name, str(keys_dir()), conf.environment(env_var(name)))
    with _lock:
        found = _cache.get(cache_key)
        if found is None:
            found = _cache[cache_key] = _read_signer(name)
    return found


def ledger_signer() -> Signer:
    """Return the ledger's own signer (named after the origin)."""
    return signer(ledger_key_name())


def _listed_verifiers() -> dict[str, Verifier]:
    listed = {}
    for item in re.split(r"[,\n]", conf.environment(VERIFIER_KEYS_ENV)):
        if item.strip():
            try:
                verifier = Verifier.from_string(item.strip())
            except ValueError as error:
                raise ImproperlyConfigured(f"{VERIFIER_KEYS_ENV}: {error}") from None
            listed[verifier.name] = verifier
    return listed


def _read_verifier(name: str) -> Verifier:
    configured = _remote_key(name)
    if configured is not None:
        return configured  # a member's witness: the key it was configured with, nothing else
    listed = _listed_verifiers().get(name)
    try:
        derived = _read_signer(name).verifier
    except KeyNotFound:
        derived = None
    if derived is not None:
        # A process holding the private key publishes exactly its public half.
        if listed is not None and listed != derived:
            raise KeyNotFound(
                f"{VERIFIER_KEYS_ENV} lists a key for {name!r} that does not match its signer key"
            )
        return derived
    if listed is not None:
        return listed
    public = key_file(name, ".pub")
    if public.exists():
        try:
            verifier = Verifier.from_string(public.read_text(encoding="utf-8").strip())
        except ValueError as error:
            raise KeyNotFound(f"the verifier key in {public} is not usable: {error}") from None
        if verifier.name != name:
            raise KeyNotFound(f"the verifier key in {public} is named {verifier.name!r}")
        return verifier
    raise KeyNotFound(
        f"no verifier key for {name!r}: list it in {VERIFIER_KEYS_ENV}, create {public}, "
        f"or provide its signer key ({env_var(name)} or {key_file(name)})"
    )


def verifier(name: str) -> Verifier:
    """Return the public verifier of a configured key name."""
    check_key_name(name)
    cache_key = (
        "verifier",
        name,
        str(keys_dir()),
        conf.environment(VERIFIER_KEYS_ENV),
        conf.environment(env_var(name)),
    )
    with _lock:
        found = _cache.get(cache_key)
        if found is None:
            found = _cache[cache_key] = _read_verifier(name)
    return found


def ledger_verifier() -> Verifier:
    """Return the public verifier of the ledger's key."""
    return verifier(ledger_key_name())


def witness_verifiers() -> dict[str, Verifier]:
    """Return the configured witnesses' verifiers by name."""
    return {name: verifier(name) for name in witness_names()}


def verifier_keys() -> list[str]:
    """Return the verifier key strings, ledger first, as served by GET /ledger/keys."""
    return [str(verifier(name)) for name in all_key_names()]


def ensure_keys(names: list[str] | None = None) -> list[tuple[str, bool]]:
    """Write a new key pair for every name that has no signer key yet; return (name, created).

    By default: the ledger's key (0x01) and the development witnesses' (``cosignature/v1``, 0x04);
    witness servers keep their own keys. Files are created with mode 0600 in a 0700 folder, never
    overwritten: an existing key is kept.
    """
    development = development_witness_names()
    names = [ledger_key_name(), *development] if names is None else names
    folder = keys_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    results = []
    for name in names:
        check_key_name(name)
        if conf.environment(env_var(name)).strip() or key_file(name).exists():
            results.append((name, False))
            continue
        algorithm = ALGORITHM_COSIGNATURE_V1 if name in development else ALGORITHM_ED25519
        skey, vkey = generate_signer(name, algorithm)
        _write_new(key_file(name), skey)
        pub = key_file(name, ".pub")
        pub.unlink(missing_ok=True)  # a stale public key must not outlive its private key
        _write_new(pub, vkey)
        results.append((name, True))
    clear_cache()
    return results


def _write_new(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")


def clear_cache() -> None:
    """Forget loaded keys (after keys or settings change)."""
    with _lock:
        _cache.clear()


def _on_setting_changed(setting, **kwargs):
    if setting in conf.KEY_SETTINGS:
        clear_cache()


setting_changed.connect(_on_setting_changed)
