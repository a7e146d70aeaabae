import re

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.core.exceptions import ImproperlyConfigured

from . import conf, keys

ORIGIN_PATTERN = re.compile(r"^[^\s+]+$")


@register()
def check_origin(app_configs, **kwargs):
    origin = conf.origin()
    if not ORIGIN_PATTERN.match(origin):
        return [
            Error(
                f"EPORT_LEDGER_ORIGIN {origin!r} is not a valid checkpoint origin.",
                hint="Use a non-empty name without spaces or '+', e.g. 'eport.example/ledger'.",
                id="ledger.E001",
            )
        ]
    return []


class MirrorTokenError(ValueError):
    """A line of EPORT_LEDGER_MIRROR_TOKENS that is not ``<name>:<SHA-256 hex>``."""


MIRROR_NAME_PATTERN = re.compile(r"^[A-Za-z0-9._@/-]{1,100}$")
_SHA256_HEX = re.compile(r"^[0-9a-fA-F]{64}$")


def parse_mirror_tokens(lines) -> list[tuple[str, str]]:
    """Return ``(name, lowercase SHA-256 hex)`` per configured mirror; MirrorTokenError naming the
    first line that is malformed, or a name or digest given twice. Never echoes a digest."""
    parsed: list[tuple[str, str]] = []
    names: set[str] = set()
    digests: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not isinstance(line, str):
            raise MirrorTokenError(
                f"EPORT_LEDGER_MIRROR_TOKENS item {number} is a {type(line).__name__}, not a "
                "'<name>:<SHA-256 hex>' string"
            )
        name, colon, digest = line.strip().partition(":")
        if not colon or not MIRROR_NAME_PATTERN.match(name):
            raise MirrorTokenError(
                f"EPORT_LEDGER_MIRROR_TOKENS item {number} does not start with a mirror name "
                "(letters, digits and . _ @ / -) followed by ':'"
            )
        if not _SHA256_HEX.match(digest):
            raise MirrorTokenError(
                f"EPORT_LEDGER_MIRROR_TOKENS item {number} ({name}): after the ':' comes the "
                "SHA-256 of the token in 64 hex digits (manage.py ledger_mirror_token prints it)"
            )
        digest = digest.lower()
        if name in names:
            raise MirrorTokenError(f"EPORT_LEDGER_MIRROR_TOKENS names mirror {name!r} twice")
        if digest in digests:
            raise MirrorTokenError(
                f"EPORT_LEDGER_MIRROR_TOKENS item {number} ({name}) repeats another mirror's "
                "token digest"
            )
        names.add(name)
        digests.add(digest)
        parsed.append((name, digest))
    return parsed


@register()
def check_mirror_tokens(app_configs, **kwargs):
    try:
        parse_mirror_tokens(conf.mirror_tokens())
    except MirrorTokenError as problem:
        return [
            Error(
                str(problem),
                hint="Each item is '<name>:<SHA-256 hex of the bearer token>', comma separated "
                "in the environment; 'manage.py ledger_mirror_token NAME' prints one.",
                id="ledger.E002",
            )
        ]
    return []


@register()
def check_witnesses(app_configs, **kwargs):
    """EPORT_WITNESSES must parse; outside DEBUG, a development witness is a warning: eport would
    hold that member's private key, so its cosignature proves nothing beyond eport's own."""
    try:
        development = keys.development_witness_names()
    except ImproperlyConfigured as problem:
        return [
            Error(
                str(problem),
                hint="Each item is '<witness verifier key> <URL>' of a member's witness server "
                "(comma separated in the environment), or a bare key name for a development "
                "witness.",
                id="ledger.E003",
            )
        ]
    if development and not settings.DEBUG:
        return [
            Warning(
                f"EPORT_WITNESSES runs {', '.join(development)} inside eport, with private keys "
                "in EPORT_KEYS_DIR: whoever runs eport can sign for those members.",
                hint="Name each member's own witness server by its verifier key and URL "
                "(python -m ledger.witness_server on the member's machine).",
                id="ledger.W001",
            )
        ]
    return []
