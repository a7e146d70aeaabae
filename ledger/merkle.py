"""RFC 6962 / RFC 9162 Merkle trees over SHA-256 (spec section 3): hashing, proofs, verification.

Pure Python, no Django, so that ``ledger.verify_receipt`` can use it standalone.

Storage keeps the hash of every *aligned perfect subtree*: the node at ``(level, index)`` covers
the leaves ``[index * 2**level, (index + 1) * 2**level)``, and level 0 holds the leaf hashes.
Every subtree that the RFC's recursive definitions of MTH, PATH and SUBPROOF visit is either one
such node or a right-border range whose hash is the right fold of a few of them, so any proof for a
tree of size n needs O(log n) stored nodes and no rehashing of entries.

The primary path for storage is: plan the proof (``plan_inclusion_proof``,
``plan_consistency_proof``), fetch ``plan.nodes`` in one query, then ``plan.assemble(hashes)``.
``Frontier`` is the notarizer's side: it appends leaves and reports every subtree they complete.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

Node = tuple[int, int]
"""Coordinates ``(level, index)`` of an aligned perfect subtree."""

NodeGetter = Callable[[int, int], bytes]
"""``get_node(level, index)``: the stored hash of that aligned perfect subtree."""


class ProofError(ValueError):
    """A proof that does not verify, with the reason."""


def leaf_hash(data: bytes) -> bytes:
    """Return the RFC 6962 leaf hash SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 6962 interior node hash SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_leaves(leaf_hashes: Sequence[bytes]) -> bytes:
    """Return MTH of the leaves by the RFC's recursive definition (a reference; O(n) hashing)."""

    def mth(start: int, end: int) -> bytes:
        if end - start == 1:
            return leaf_hashes[start]
        split = start + _split_point(end - start)
        return node_hash(mth(start, split), mth(split, end))

    return mth(0, len(leaf_hashes)) if leaf_hashes else EMPTY_ROOT


# --- Subtrees and ranges --------------------------------------------------------------------------


def _split_point(size: int) -> int:
    """Return k, the largest power of two smaller than size (size >= 2): RFC 9162 §2.1.1."""
    return 1 << ((size - 1).bit_length() - 1)


def _require_int(name: str, value: object) -> int:
    # bool is an int subclass; True as a tree size is always a caller's bug.
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an integer, not {type(value).__name__}")
    return value


def range_nodes(start: int, end: int) -> list[Node]:
    """Return the aligned perfect subtrees, left to right, whose right fold is MTH(D[start:end])."""
    _require_int("start", start)
    _require_int("end", end)
    if not 0 <= start < end:
        raise ValueError(f"leaf range [{start}, {end}) is empty or negative")
    largest = 1 << ((end - start).bit_length() - 1)
    # MTH splits a range at its largest power of two, so the range decomposes into perfect
    # subtrees of strictly decreasing size; they are stored nodes only if the first one is aligned.
    if start % largest:
        raise ValueError(
            f"leaf range [{start}, {end}) does not start at a multiple of {largest}, "
            "so it is not made of stored subtrees"
        )
    nodes = []
    position = start
    while position < end:
        level = (end - position).bit_length() - 1
        nodes.append((level, position >> level))
        position += 1 << level
    return nodes


def _fold(hashes: Sequence[bytes]) -> bytes:
    """Return the MTH of a range from its perfect subtrees, left to right (RFC 9162 §2.1.1)."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def range_hash(start: int, end: int, get_node: NodeGetter) -> bytes:
    """Return MTH(D[start:end]) from stored subtree hashes, reading O(log n) nodes."""
    return _fold([_as_hash(get_node(level, index)) for level, index in range_nodes(start, end)])


def _as_hash(value: object, what: str = "hash") -> bytes:
    # Database drivers hand back bytea as memoryview; anything else that is not 32 bytes is a bug.
    if not isinstance(value, bytes | bytearray | memoryview):
        raise TypeError(f"{what} must be bytes, not {type(value).__name__}")
    value = bytes(value)
    if len(value) != HASH_SIZE:
        raise ValueError(f"{what} must be {HASH_SIZE} bytes, got {len(value)}")
    return value


# --- Proofs from stored subtrees ------------------------------------------------------------------


@dataclass(frozen=True)
class ProofPlan:
    """The leaf ranges a proof is made of, in RFC order, and the stored subtrees that hash them."""

    ranges: tuple[tuple[int, int], ...]

    @property
    def nodes(self) -> list[Node]:
        """Return every distinct subtree to fetch (O(log n) of them) in first-use order."""
        return list(dict.fromkeys(node for span in self.ranges for node in range_nodes(*span)))

    def assemble(self, hashes: Mapping[Node, bytes]) -> list[bytes]:
        """Return the proof hashes from fetched subtree hashes; KeyError names a missing node."""
        proof = []
        for start, end in self.ranges:
            parts = []
            for level, index in range_nodes(start, end):
                try:
                    stored = hashes[(level, index)]
                except KeyError:
                    raise KeyError(
                        f"no stored hash for subtree level {level} index {index} "
                        f"(leaves [{index << level}, {(index + 1) << level}))"
                    ) from None
                parts.append(_as_hash(stored, f"subtree level {level} index {index}"))
            proof.append(_fold(parts))
        return proof


def plan_inclusion_proof(index: int, tree_size: int) -> ProofPlan:
    """Return the plan of PATH(index, D[0:tree_size]) (RFC 9162 §2.1.3.1), leaf upward."""
    _require_int("index", index)
    _require_int("tree_size", tree_size)
    if tree_size < 1:
        raise ValueError(f"tree size must be at least 1, got {tree_size}")
    if not 0 <= index < tree_size:
        raise ValueError(f"leaf index {index} is not in a tree of size {tree_size}")
    ranges = []
    start, end = 0, tree_size
    # Walk the RFC recursion top-down; each step contributes the sibling subtree's MTH.
    while end - start > 1:
        split = start + _split_point(end - start)
        if index < split:
            ranges.append((split, end))
            end = split
        else:
            ranges.append((start, split))
            start = split
    ranges.reverse()  # PATH lists the deepest sibling first
    return ProofPlan(tuple(ranges))


def plan_consistency_proof(old_size: int, new_size: int) -> ProofPlan:
    """Return the plan of SUBPROOF(old_size, D[0:new_size], true) (RFC 9162 §2.1.4.1)."""
    _require_int("old_size", old_size)
    _require_int("new_size", new_size)
    if old_size < 1:
        # Spec section 7: no consistency proof from size 0 (every tree extends the empty one).
        raise ValueError(f"old size must be at least 1, got {old_size}")
    if old_size > new_size:
        raise ValueError(f"old size {old_size} is larger than new size {new_size}")
    ranges = []
    start, end = 0, new_size
    old_is_whole_subtree = True  # the RFC's flag b: the old tree is exactly D[start:end]'s prefix
    while old_size != end:
        split = start + _split_point(end - start)
        if old_size <= split:
            ranges.append((split, end))
            end = split
        else:
            ranges.append((start, split))
            start = split
            old_is_whole_subtree = False
    if not old_is_whole_subtree:
        # SUBPROOF(m, D[m], false) = [MTH(D[m])]: the verifier cannot rebuild this subtree itself.
        ranges.append((start, end))
    ranges.reverse()  # SUBPROOF lists the deepest part first
    return ProofPlan(tuple(ranges))


def inclusion_proof_nodes(index: int, tree_size: int) -> list[Node]:
    """Return the distinct stored subtrees an inclusion proof needs, for one batched read."""
    return plan_inclusion_proof(index, tree_size).nodes


def consistency_proof_nodes(old_size: int, new_size: int) -> list[Node]:
    """Return the distinct stored subtrees a consistency proof needs, for one batched read."""
    return plan_consistency_proof(old_size, new_size).nodes


def inclusion_proof(index: int, tree_size: int, get_node: NodeGetter) -> list[bytes]:
    """Return the RFC 9162 inclusion proof (audit path, leaf upward) from stored subtrees."""
    plan = plan_inclusion_proof(index, tree_size)
    return plan.assemble({node: get_node(*node) for node in plan.nodes})


def consistency_proof(old_size: int, new_size: int, get_node: NodeGetter) -> list[bytes]:
    """Return the RFC 9162 consistency proof from old_size to new_size from stored subtrees."""
    plan = plan_consistency_proof(old_size, new_size)
    return plan.assemble({node: get_node(*node) for node in plan.nodes})


# --- Verification (RFC 9162 §2.1.3.2 and §2.1.4.2) ------------------------------------------------
# The verifiers share no code with the provers above, so a bug in one cannot hide one in the other.


def _inclusion_proof_length(index: int, tree_size: int) -> int:
    # Hashes below the point where the paths to `index` and to the last leaf diverge, plus one per
    # left-hand border subtree above it (the same count as transparency-dev's decompInclProof).
    inner = (index ^ (tree_size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def root_from_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes]
) -> bytes:
    """Return the root that an inclusion proof leads to; ProofError if it cannot fit tree_size."""
    try:
        _require_int("index", index)
        _require_int("tree_size", tree_size)
        leaf_hash = _as_hash(leaf_hash, "leaf hash")
        proof = [_as_hash(item, f"proof hash {i}") for i, item in enumerate(proof)]
    except (TypeError, ValueError) as exc:
        raise ProofError(str(exc)) from None
    if not 0 <= index < tree_size:
        raise ProofError(f"leaf index {index} is not in a tree of size {tree_size}")
    expected = _inclusion_proof_length(index, tree_size)
    if len(proof) != expected:
        raise ProofError(
            f"inclusion proof has {len(proof)} hashes; index {index} in a tree of size "
            f"{tree_size} needs {expected}"
        )
    # RFC 9162 §2.1.3.2, steps 2-5.
    fn, sn = index, tree_size - 1
    result = leaf_hash
    for sibling in proof:
        if sn == 0:
            raise ProofError("inclusion proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            result = node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the path to the root")
    return result


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Return True exactly when the proof shows leaf_hash at index in the tree with this root."""
    try:
        return root_from_inclusion(leaf_hash, index, tree_size, proof) == _as_hash(root, "root")
    except (TypeError, ValueError):
        return False


def _consistency_proof_length(old_size: int, new_size: int) -> int:
    inner = ((old_size - 1) ^ (new_size - 1)).bit_length()
    border = ((old_size - 1) >> inner).bit_count()
    shift = (old_size & -old_size).bit_length() - 1  # trailing zero bits of old_size
    # When old_size is a power of two the old root is itself the seed and is not sent.
    seed = 0 if old_size == 1 << shift else 1
    return seed + inner - shift + border


def check_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Return None when the proof shows the old tree is a prefix of the new; else ProofError."""
    try:
        _require_int("old_size", old_size)
        _require_int("new_size", new_size)
        old_root = _as_hash(old_root, "old root")
        new_root = _as_hash(new_root, "new root")
        proof = [_as_hash(item, f"proof hash {i}") for i, item in enumerate(proof)]
    except (TypeError, ValueError) as exc:
        raise ProofError(str(exc)) from None
    if old_size < 1:
        raise ProofError(f"no consistency proof from a tree of size {old_size}")
    if new_size < old_size:
        raise ProofError(f"new size {new_size} is smaller than old size {old_size}")
    if old_size == new_size:
        # RFC 9162 defines verification for first < second only; equal sizes must be equal trees.
        if proof:
            raise ProofError(f"trees of equal size need an empty proof, got {len(proof)} hashes")
        if old_root != new_root:
            raise ProofError(f"two different roots for the same size {old_size}")
        return
    expected = _consistency_proof_length(old_size, new_size)
    if len(proof) != expected:
        raise ProofError(
            f"consistency proof has {len(proof)} hashes; sizes {old_size} to {new_size} "
            f"need {expected}"
        )
    # RFC 9162 §2.1.4.2, steps 1-7.
    if not proof:
        raise ProofError("consistency proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    old_result = new_result = path[0]
    for sibling in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            old_result = node_hash(sibling, old_result)
            new_result = node_hash(sibling, new_result)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            new_result = node_hash(new_result, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is shorter than the path to the root")
    if old_result != old_root:
        raise ProofError(f"consistency proof does not lead to the old root of size {old_size}")
    if new_result != new_root:
        raise ProofError(f"consistency proof does not lead to the new root of size {new_size}")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Return True exactly when the proof shows the old tree is a prefix of the new tree."""
    try:
        check_consistency(old_size, new_size, old_root, new_root, proof)
    except (TypeError, ValueError):
        return False
    return True


# --- Appending: the compact range on the right border ---------------------------------------------


class Subtree(NamedTuple):
    """An aligned perfect subtree's coordinates and hash, as storage persists it."""

    level: int
    index: int
    hash: bytes


def frontier_nodes(tree_size: int) -> list[Node]:
    """Return the right-border subtrees of a tree of tree_size leaves, left to right."""
    if _require_int("tree_size", tree_size) == 0:
        return []
    return range_nodes(0, tree_size)


class Frontier:
    """The right border of a tree: the hashes of its maximal aligned perfect subtrees.

    A tree of n leaves has one border subtree per set bit of n, largest first; that is all it takes
    to append leaves and to compute the root, so the notarizer never reads older entries.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: Iterable[bytes] = ()) -> None:
        _require_int("size", size)
        if size < 0:
            raise ValueError(f"tree size must not be negative, got {size}")
        self._size = size
        self._hashes = [_as_hash(item, "border hash") for item in hashes]
        if len(self._hashes) != size.bit_count():
            raise ValueError(
                f"a tree of size {size} has {size.bit_count()} border subtrees, "
                f"got {len(self._hashes)} hashes"
            )

    @classmethod
    def load(cls, size: int, hashes: Mapping[Node, bytes]) -> Frontier:
        """Return the frontier of a stored tree from its fetched ``frontier_nodes(size)``."""
        border = []
        for level, index in frontier_nodes(size):
            try:
                border.append(hashes[(level, index)])
            except KeyError:
                raise KeyError(f"no stored hash for subtree level {level} index {index}") from None
        return cls(size, border)

    @property
    def size(self) -> int:
        """The number of leaves appended so far."""
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """The border subtree hashes, largest (leftmost) first."""
        return tuple(self._hashes)

    def border(self) -> list[Subtree]:
        """Return the border subtrees with their coordinates, left to right."""
        return [
            Subtree(level, index, hash_)
            for (level, index), hash_ in zip(frontier_nodes(self._size), self._hashes, strict=True)
        ]

    def append(self, leaf_hash: bytes) -> list[Subtree]:
        """Add one leaf; return it and every perfect subtree it completes, bottom-up."""
        current = _as_hash(leaf_hash, "leaf hash")
        index = self._size
        completed = [Subtree(0, index, current)]
        level = 0
        # Each trailing one-bit of the old size is a border subtree of the same size as the one
        # just completed, so the two merge into a subtree one level up.
        while (self._size >> level) & 1:
            current = node_hash(self._hashes.pop(), current)
            level += 1
            index >>= 1
            completed.append(Subtree(level, index, current))
        self._hashes.append(current)
        self._size += 1
        return completed

    def extend(self, leaf_hashes: Iterable[bytes]) -> list[Subtree]:
        """Add leaves in order; return every subtree they complete, in completion order."""
        completed = []
        for item in leaf_hashes:
            completed.extend(self.append(item))
        return completed

    def root(self) -> bytes:
        """Return MTH of the leaves appended so far (SHA-256 of nothing for an empty tree)."""
        return _fold(self._hashes) if self._hashes else EMPTY_ROOT

    def copy(self) -> Frontier:
        """Return an independent frontier of the same tree."""
        return Frontier(self._size, self._hashes)

    def __repr__(self) -> str:
        return f"Frontier(size={self._size}, root={self.root().hex()})"
