"""The public /ledger/ surface (spec section 6): checkpoints, keys, proofs, and entries by role.

Proofs reveal only hashes and are public; they are served only for notarized checkpoint sizes.
Bad parameters answer 400 or 404 with ``{"error": "..."}`` naming the problem, never 500.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import logging

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse, JsonResponse
from django.utils.module_loading import import_string
from django.views.decorators.http import require_safe

from . import checks, conf, keys, notarized, proofs, tiles
from .models import Entry, Node

MAX_SIZE = 2**63 - 1
log = logging.getLogger("ledger.views")


class BadParameter(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def answers_errors_as_json(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except BadParameter as problem:
            return _error(str(problem), problem.status)
        except ImproperlyConfigured:
            log.exception("the ledger is misconfigured")
            return _error("the ledger's keys or witnesses are not configured on this server", 503)

    return wrapper


def _integer(name: str, text: str | None, *, minimum: int = 0) -> int:
    if text is None or text == "":
        raise BadParameter(f"{name} is required")
    if not text.isascii() or not text.isdigit():
        raise BadParameter(f"{name} must be a non-negative integer, got {text[:40]!r}")
    if len(text) > 19 or int(text) > MAX_SIZE:
        raise BadParameter(f"{name} is too large")
    value = int(text)
    if value < minimum:
        raise BadParameter(f"{name} must be at least {minimum}, got {value}")
    return value


def _notarized(size: int, name: str):
    checkpoint = notarized.notarized(size)
    if checkpoint is None:
        raise BadParameter(f"{name} {size} is not the size of a notarized checkpoint", 404)
    return checkpoint


def _note_response(checkpoint) -> HttpResponse:
    response = HttpResponse(
        notarized.signed_note(checkpoint).encode("utf-8"), content_type="text/plain; charset=utf-8"
    )
    response["Cache-Control"] = "no-cache"
    return response


def _hashes(items: list[bytes]) -> list[str]:
    return [base64.b64encode(item).decode("ascii") for item in items]


@require_safe
@answers_errors_as_json
def latest_checkpoint(request):
    checkpoint = notarized.latest_notarized()
    if checkpoint is None:
        raise BadParameter("no checkpoint has been notarized yet", 404)
    return _note_response(checkpoint)


@require_safe
@answers_errors_as_json
def checkpoint(request, size: str):
    return _note_response(_notarized(_integer("size", size, minimum=1), "size"))


@require_safe
@answers_errors_as_json
def verifier_keys(request):
    return HttpResponse(
        "".join(f"{key}\n" for key in keys.verifier_keys()),
        content_type="text/plain; charset=utf-8",
    )


@require_safe
@answers_errors_as_json
def inclusion_proof(request):
    index = _integer("index", request.GET.get("index"))
    tree_size = _integer("tree_size", request.GET.get("tree_size"), minimum=1)
    if index >= tree_size:
        raise BadParameter(f"index {index} is not below tree_size {tree_size}")
    _notarized(tree_size, "tree_size")
    hashes = proofs.inclusion_proof(index, tree_size)
    return JsonResponse({"index": index, "tree_size": tree_size, "hashes": _hashes(hashes)})


@require_safe
@answers_errors_as_json
def consistency_proof(request):
    old_size = _integer("old_size", request.GET.get("old_size"))
    new_size = _integer("new_size", request.GET.get("new_size"))
    if old_size == 0:
        raise BadParameter("old_size must be at least 1: there is no proof from the empty tree")
    if old_size > new_size:
        raise BadParameter(f"old_size {old_size} is larger than new_size {new_size}")
    _notarized(old_size, "old_size")
    _notarized(new_size, "new_size")
    hashes = proofs.consistency_proof(old_size, new_size)
    return JsonResponse({"old_size": old_size, "new_size": new_size, "hashes": _hashes(hashes)})


def no_one_but_superusers(user, entry) -> bool:
    """The ledger's own default for EPORT_LEDGER_ENTRY_ACCESS: it knows nothing of roles."""
    return bool(user.is_superuser)


@functools.cache
def _access_rule(path: str):
    return import_string(path)


def may_see(user, entry: Entry) -> bool:
    """Whether ``user`` may read ``entry``, as decided by EPORT_LEDGER_ENTRY_ACCESS."""
    path = conf.entry_access()
    return bool(_access_rule(path)(user, entry))


@require_safe
@answers_errors_as_json
def entry(request, seq: str):
    number = _integer("seq", seq)
    if not request.user.is_authenticated:
        raise BadParameter("log in to read ledger entries", 403)
    found = Entry.objects.filter(seq=number).first()
    # An entry the user may not see answers exactly like one that does not exist.
    if found is None or not may_see(request.user, found):
        raise BadParameter(f"no entry {number} that you may read", 404)
    response = HttpResponse(bytes(found.canonical), content_type="application/json")
    response["Cache-Control"] = "private, no-store"
    return response


# --- Tiles (spec section 8, C2SP tlog-tiles) ------------------------------------------------------
# Hash tiles are public like proofs; entry bundles follow the entries' own access rule. Both are
# built from ``ledger_node``/``ledger_entry`` only up to the latest notarized checkpoint.

_IMMUTABLE = "max-age=31536000, immutable"
_PARTIAL = "max-age=60"


def _tile_path(text: str):
    try:
        level, _, index = text.partition("/")
        if not index:
            raise tiles.TilePathError(
                f"{text[:80]!r} is not a tile path: tile/<level>/<index>[.p/<width>]"
            )
        return tiles.parse_tile_path(level, index)
    except tiles.TilePathError as problem:
        raise BadParameter(str(problem), 404) from None


def _covered(tile: tiles.Tile, name: str) -> None:
    """404 unless a notarized checkpoint covers exactly this tile: full, or of this width.

    Partial tiles are served for the size of every notarized checkpoint (C2SP tlog-tiles) until
    the latest one makes the tile full; then only the full tile is.
    """
    latest = notarized.latest_notarized()
    if latest is None:
        raise BadParameter("no checkpoint has been notarized yet", 404)
    covered = tiles.width_at(tile.level, tile.index, latest.size)
    if tile.full:
        if covered < tiles.TILE_WIDTH:
            raise BadParameter(
                f"{name} is not full in the latest notarized checkpoint (size {latest.size})", 404
            )
        return
    if covered == tiles.TILE_WIDTH:
        full = name.split(".p/")[0]
        raise BadParameter(f"{name} is full now: fetch {full}", 404)
    if tile.width == covered:
        return
    low, high = tiles.sizes_with_width(tile)
    if tile.width > covered or not (
        notarized.notarized_checkpoints().filter(size__gte=low, size__lt=high).exists()
    ):
        raise BadParameter(
            f"{name} is not the width of this tile in any notarized checkpoint "
            f"(the latest, size {latest.size}, has width {covered})",
            404,
        )


def _octets(content: bytes, cache: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/octet-stream")
    response["Cache-Control"] = cache
    return response


@require_safe
@answers_errors_as_json
def hash_tile(request, path: str):
    tile = _tile_path(path)
    _covered(tile, tile.path)
    start, end = tile.node_range
    rows = list(
        Node.objects.filter(level=tile.node_level, index__gte=start, index__lt=end)
        .order_by("index")
        .values_list("index", "hash")
    )
    if [index for index, _ in rows] != list(range(start, end)):
        log.error("ledger_node lacks hashes of %s below the latest notarized checkpoint", tile.path)
        raise BadParameter(f"the hashes of {tile.path} are not stored on this server", 503)
    content = b"".join(bytes(hash_) for _, hash_ in rows)
    return _octets(content, "public, " + (_IMMUTABLE if tile.full else _PARTIAL))


def _mirror(request) -> str | None:
    """The name of the alliance mirror whose bearer token the request carries, or None.

    Only an ``Authorization: Bearer <token>`` header counts (any other scheme leaves the session's
    rule); its SHA-256 is compared in constant time with every EPORT_LEDGER_MIRROR_TOKENS digest.
    A token that matches none is a 403; the token itself is never logged or echoed.
    """
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    token = token.strip()
    if not token:
        raise BadParameter("the Authorization header says Bearer but carries no token", 403)
    try:
        configured = checks.parse_mirror_tokens(conf.mirror_tokens())
    except checks.MirrorTokenError as problem:
        log.error("%s", problem)
        raise BadParameter(
            "the mirror tokens are misconfigured on this server (EPORT_LEDGER_MIRROR_TOKENS)", 503
        ) from None
    digest = hashlib.sha256(token.encode("utf-8", "replace")).hexdigest().encode("ascii")
    found = None
    for name, expected in configured:  # no early exit: every digest is compared
        if hmac.compare_digest(digest, expected.encode("ascii")):
            found = name
    if found is None:
        raise BadParameter("the bearer token is not one of this server's mirror tokens", 403)
    return found


@require_safe
@answers_errors_as_json
def entry_bundle(request, path: str):
    try:
        tile = tiles.Tile(0, *tiles.decode_index(path))
    except tiles.TilePathError as problem:
        raise BadParameter(str(problem), 404) from None
    mirror = _mirror(request)
    if mirror is None and not request.user.is_authenticated:
        raise BadParameter("log in to read ledger entries", 403)
    _covered(tile, tile.entries_path)
    start, end = tile.node_range
    rows = Entry.objects.filter(seq__gte=start, seq__lt=end).order_by("seq")
    if mirror is not None:
        # An alliance mirror sees every entry: only the bytes are read, no model is built.
        found = list(rows.values_list("seq", "canonical"))
    else:
        entries = list(rows)
        found = [(entry.seq, entry.canonical) for entry in entries]
    # A bundle holding any entry the user may not see answers like one that does not exist.
    if [seq for seq, _ in found] != list(range(start, end)) or (
        mirror is None and not all(may_see(request.user, entry) for entry in entries)
    ):
        raise BadParameter(f"no {tile.entries_path} that you may read", 404)
    if mirror is not None:
        log.info("mirror %s read %s", mirror, tile.entries_path)
    try:
        content = tiles.encode_bundle(bytes(canonical) for _, canonical in found)
    except ValueError as problem:
        raise BadParameter(f"{tile.entries_path} cannot be served: {problem}", 404) from None
    return _octets(content, "private, " + (_IMMUTABLE if tile.full else _PARTIAL))
