"""C2SP tlog-tiles arithmetic (spec section 8): tile paths, widths, the stored nodes of a tile.

Pure Python, no Django. A tile at tile level ``L`` and index ``N`` holds up to 256 consecutive
hashes of the Merkle level ``8 * L``: the stored nodes ``(8 * L, N * 256 + i)`` of ``ledger_node``
for ``i`` from 0 to its width minus one. Level-0 tiles hold leaf hashes; an entry bundle holds the
entries of the level-0 tile with the same index, each as a big-endian uint16 length then its bytes.

Paths encode the tile index in zero-padded 3-digit elements, all but the last prefixed with
``x`` (index 1234067 is ``x001/x234/067``); a partial tile's path ends in ``.p/<W>``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import NamedTuple

from . import merkle

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT  # 256 hashes in a full tile
MAX_TILE_LEVEL = 63
MAX_INDEX = 2**63 - 1
MAX_ENTRY_SIZE = 0xFFFF  # an entry bundle's uint16 length prefix

_INDEX_PATH = re.compile(r"((?:x[0-9]{3}/)*)([0-9]{3})(?:\.p/([1-9][0-9]{0,2}))?")
_LEVEL = re.compile(r"0|[1-9][0-9]?")


class TilePathError(ValueError):
    """A tile path that is not written as C2SP tlog-tiles says, with the reason."""


class Tile(NamedTuple):
    """A tile: its tile level, its index within the level and its width (256 when full)."""

    level: int
    index: int
    width: int = TILE_WIDTH

    @property
    def full(self) -> bool:
        return self.width == TILE_WIDTH

    @property
    def node_level(self) -> int:
        """The Merkle level of the stored nodes this tile's hashes are."""
        return self.level * TILE_HEIGHT

    @property
    def node_range(self) -> tuple[int, int]:
        """The indices ``[start, end)`` at ``node_level`` of the stored nodes this tile holds."""
        start = self.index * TILE_WIDTH
        return start, start + self.width

    def nodes(self) -> list[merkle.Node]:
        """The stored nodes ``(level, index)`` this tile holds, left to right."""
        start, end = self.node_range
        return [(self.node_level, index) for index in range(start, end)]

    @property
    def path(self) -> str:
        """The tile's path below the log's prefix, ``tile/<L>/<N>[.p/<W>]``."""
        return f"tile/{self.level}/{encode_index(self.index, self.width)}"

    @property
    def entries_path(self) -> str:
        """The path of the entry bundle beside this level-0 tile, ``tile/entries/<N>[.p/<W>]``."""
        return f"tile/entries/{encode_index(self.index, self.width)}"


def _check_width(width: int) -> None:
    if not isinstance(width, int) or isinstance(width, bool) or not 1 <= width <= TILE_WIDTH:
        raise ValueError(f"a tile's width is between 1 and {TILE_WIDTH}, not {width!r}")


def encode_index(index: int, width: int = TILE_WIDTH) -> str:
    """Return ``<N>[.p/<W>]``: the index in 3-digit elements, ``x`` before all but the last."""
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index <= MAX_INDEX:
        raise ValueError(f"a tile index is a non-negative integer, not {index!r}")
    _check_width(width)
    groups = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        groups.append(f"x{index % 1000:03d}")
        index //= 1000
    encoded = "/".join(reversed(groups))
    return encoded if width == TILE_WIDTH else f"{encoded}.p/{width}"


def decode_index(text: str) -> tuple[int, int]:
    """Return ``(index, width)`` from ``<N>[.p/<W>]``; TilePathError naming what is wrong."""
    match = _INDEX_PATH.fullmatch(text) if text.isascii() else None
    if match is None:
        raise TilePathError(
            f"{text[:80]!r} is not a tile index: 3-digit elements, all but the last prefixed "
            "with 'x' (e.g. x001/x234/067), then '.p/<width>' (1 to 255) for a partial tile"
        )
    prefixes, last, width_text = match.groups()
    groups = [element[1:] for element in prefixes.split("/") if element] + [last]
    if len(groups) > 1 and groups[0] == "000":
        raise TilePathError(f"{text[:80]!r} has a leading x000 element: write the index without it")
    if len(groups) > 7:
        raise TilePathError(f"{text[:80]!r} is too large a tile index")
    index = int("".join(groups))
    if index > MAX_INDEX:
        raise TilePathError(f"{text[:80]!r} is too large a tile index")
    if width_text is None:
        return index, TILE_WIDTH
    width = int(width_text)
    if width >= TILE_WIDTH:
        raise TilePathError(
            f"a partial tile's width is between 1 and {TILE_WIDTH - 1}, not {width}"
        )
    return index, width


def decode_level(text: str) -> int:
    """Return the tile level from ``<L>``: decimal, 0 to 63, without leading zeros."""
    if not text.isascii() or not _LEVEL.fullmatch(text) or int(text) > MAX_TILE_LEVEL:
        raise TilePathError(
            f"{text[:40]!r} is not a tile level: a decimal integer from 0 to {MAX_TILE_LEVEL} "
            "without leading zeros"
        )
    return int(text)


def parse_tile_path(level: str, index: str) -> Tile:
    """Return the Tile of ``tile/<level>/<index>``; TilePathError naming what is wrong."""
    number, width = decode_index(index)
    return Tile(decode_level(level), number, width)


def width_at(level: int, index: int, tree_size: int) -> int:
    """Return the width of tile ``level``/``index`` in a tree of ``tree_size`` leaves (0: none)."""
    hashes = tree_size >> (TILE_HEIGHT * level)  # complete nodes at the tile's Merkle level
    return max(0, min(TILE_WIDTH, hashes - index * TILE_WIDTH))


def tiles_for(tree_size: int) -> list[Tile]:
    """Return every tile, full and partial, of the tree of ``tree_size`` leaves, level by level."""
    found = []
    level = 0
    while tree_size >> (TILE_HEIGHT * level):
        hashes = tree_size >> (TILE_HEIGHT * level)
        for index in range((hashes + TILE_WIDTH - 1) // TILE_WIDTH):
            found.append(Tile(level, index, width_at(level, index, tree_size)))
        level += 1
    return found


def sizes_with_width(tile: Tile) -> tuple[int, int]:
    """Return the tree sizes ``[low, high)`` whose tile at this level and index has this width."""
    scale = 1 << (TILE_HEIGHT * tile.level)
    end = tile.node_range[1]
    if tile.full:
        return end * scale, MAX_INDEX + 1
    return end * scale, (end + 1) * scale


# --- Reading a tree from tiles alone --------------------------------------------------------------


def node_from_tile(level: int, index: int) -> tuple[Tile, int, int]:
    """Return the full tile holding the hashes under node ``(level, index)`` and their slice.

    The node's hash is the Merkle fold of ``tile_hashes[start:end]`` of that tile's hashes.
    """
    tile_level, rest = divmod(level, TILE_HEIGHT)
    first = index << rest
    tile_index, start = divmod(first, TILE_WIDTH)
    return Tile(tile_level, tile_index), start, start + (1 << rest)


def split_hashes(data: bytes) -> list[bytes]:
    """Return a tile's hashes from its bytes (32 each)."""
    if len(data) % merkle.HASH_SIZE or not 0 < len(data) <= TILE_WIDTH * merkle.HASH_SIZE:
        raise ValueError(f"a tile is 1 to {TILE_WIDTH} hashes of 32 bytes, not {len(data)} bytes")
    return [data[at : at + merkle.HASH_SIZE] for at in range(0, len(data), merkle.HASH_SIZE)]


def node_getter(tree_size: int, fetch_tile: Callable[[Tile], bytes]) -> merkle.NodeGetter:
    """Return ``get_node(level, index)`` for ``ledger.merkle`` from the tiles of this tree size.

    ``fetch_tile(tile)`` returns the bytes of a tile (full or partial, as ``width_at`` says for
    this tree size); every perfect subtree of the tree is then a fold of hashes of one tile.
    """
    cache: dict[tuple[int, int], list[bytes]] = {}

    def get_node(level: int, index: int) -> bytes:
        tile, start, end = node_from_tile(level, index)
        width = width_at(tile.level, tile.index, tree_size)
        if end > width:
            raise KeyError((level, index))
        key = (tile.level, tile.index)
        if key not in cache:
            cache[key] = split_hashes(fetch_tile(Tile(tile.level, tile.index, width)))
        return merkle.root_from_leaves(cache[key][start:end])

    return get_node


# --- Entry bundles --------------------------------------------------------------------------------


def encode_bundle(entries: Iterable[bytes]) -> bytes:
    """Return an entry bundle: each entry as a big-endian uint16 length, then its bytes."""
    parts = []
    for entry in entries:
        if len(entry) > MAX_ENTRY_SIZE:
            raise ValueError(f"an entry of {len(entry)} bytes does not fit a uint16 length prefix")
        parts.append(len(entry).to_bytes(2, "big"))
        parts.append(bytes(entry))
    return b"".join(parts)


def decode_bundle(data: bytes) -> list[bytes]:
    """Return the entries of an entry bundle; ValueError if it is cut short."""
    entries = []
    position = 0
    while position < len(data):
        if position + 2 > len(data):
            raise ValueError(f"entry bundle ends inside a length prefix at byte {position}")
        length = int.from_bytes(data[position : position + 2], "big")
        position += 2
        if position + length > len(data):
            raise ValueError(f"entry bundle ends inside an entry at byte {position}")
        entries.append(bytes(data[position : position + length]))
        position += length
    return entries
