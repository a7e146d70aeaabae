"""Merkle proofs served from stored subtree hashes (spec section 3).

Each proof plans the aligned subtrees it needs with ``ledger.merkle``, reads them in ONE query
(O(log n) rows of ``ledger_node``), and folds them; no entry is ever rehashed.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connections, router

from . import merkle
from .models import Node


class ProofUnavailable(ValueError):
    """A proof asked for a tree larger than what has been notarized into ``ledger_node``."""


def _using(using: str | None) -> str:
    return using or router.db_for_read(Node)


def stored_tree_size(*, using: str | None = None) -> int:
    """Return how many leaves ``ledger_node`` holds (0 for none): the notarized tree's size."""
    with connections[_using(using)].cursor() as cursor:
        cursor.execute('SELECT MAX("index") FROM ledger_node WHERE level = 0')
        (last,) = cursor.fetchone()
    return 0 if last is None else last + 1


def fetch_nodes(
    nodes: Iterable[merkle.Node], *, using: str | None = None
) -> dict[merkle.Node, bytes]:
    """Return the stored hashes of these subtrees, read in one query; missing ones are absent."""
    nodes = list(dict.fromkeys(nodes))
    if not nodes:
        return {}
    values = ",".join(["(%s,%s)"] * len(nodes))
    params = [part for node in nodes for part in node]
    with connections[_using(using)].cursor() as cursor:
        sql = 'SELECT level, "index", hash FROM ledger_node WHERE (level, "index") IN (VALUES '
        cursor.execute(sql + values + ")", params)
        return {(level, index): bytes(hash_) for level, index, hash_ in cursor.fetchall()}


def _assemble(plan: merkle.ProofPlan, using: str | None) -> list[bytes]:
    try:
        return plan.assemble(fetch_nodes(plan.nodes, using=using))
    except KeyError as error:
        raise ProofUnavailable(str(error.args[0])) from None


def inclusion_proof(index: int, tree_size: int, *, using: str | None = None) -> list[bytes]:
    """Return the RFC 9162 inclusion proof of leaf ``index`` in the tree of ``tree_size`` leaves.

    ValueError for an impossible index or size; ProofUnavailable if the tree is not stored yet.
    """
    return _assemble(merkle.plan_inclusion_proof(index, tree_size), using)


def consistency_proof(old_size: int, new_size: int, *, using: str | None = None) -> list[bytes]:
    """Return the RFC 9162 consistency proof from ``old_size`` to ``new_size`` (1 <= old <= new).

    ValueError for impossible sizes; ProofUnavailable if the new tree is not stored yet.
    """
    return _assemble(merkle.plan_consistency_proof(old_size, new_size), using)


def root(tree_size: int, *, using: str | None = None) -> bytes:
    """Return MTH of the first ``tree_size`` leaves from stored subtrees (O(log n) reads)."""
    if tree_size == 0:
        return merkle.EMPTY_ROOT
    plan = merkle.ProofPlan(((0, tree_size),))
    return _assemble(plan, using)[0]
