"""Proofs served from stored subtree hashes match the RFC 6962 reference and published vectors."""

import random

import pytest
from django.db import connection

from ledger import merkle, notary, proofs

from .notary_support import append, leaf_hashes, ledger_keys  # noqa: F401
from .rfc6962 import LEAVES, PUBLISHED_ROOTS

pytestmark = [pytest.mark.usefixtures("ledger_keys"), pytest.mark.django_db]


def store_vector_tree() -> list[bytes]:
    leaves = [merkle.leaf_hash(data) for data in LEAVES]
    frontier = merkle.Frontier()
    notary._insert_nodes(connection, frontier.extend(leaves))
    return leaves


def reference_node_getter(leaves):
    def get_node(level, index):
        return merkle.root_from_leaves(leaves[index << level : (index + 1) << level])

    return get_node


def test_stored_vector_tree_gives_the_published_roots():
    store_vector_tree()
    for size in range(1, len(LEAVES) + 1):
        assert proofs.root(size).hex() == PUBLISHED_ROOTS[size]


def test_stored_vector_tree_proofs_equal_the_reference_proofs():
    leaves = store_vector_tree()
    get_node = reference_node_getter(leaves)
    for size in range(1, 9):
        root = bytes.fromhex(PUBLISHED_ROOTS[size])
        for index in range(size):
            proof = proofs.inclusion_proof(index, size)
            assert proof == merkle.inclusion_proof(index, size, get_node)
            assert merkle.verify_inclusion(leaves[index], index, size, proof, root)
        for old in range(1, size + 1):
            proof = proofs.consistency_proof(old, size)
            assert proof == merkle.consistency_proof(old, size, get_node)
            merkle.check_consistency(old, size, bytes.fromhex(PUBLISHED_ROOTS[old]), root, proof)


def test_proofs_on_real_ledgers_of_many_sizes_match_the_reference():
    rng = random.Random(6962)
    append(1)
    notary.notarize(cosign="none")
    while (size := proofs.stored_tree_size()) < 70:
        append(rng.randint(1, 9))
        notary.notarize(cosign="none")
        leaves = leaf_hashes()
        assert len(leaves) == proofs.stored_tree_size()
        size = len(leaves)
        get_node = reference_node_getter(leaves)
        for tree_size in {size, rng.randint(1, size), 1}:
            root = merkle.root_from_leaves(leaves[:tree_size])
            assert proofs.root(tree_size) == root
            for index in range(tree_size):
                proof = proofs.inclusion_proof(index, tree_size)
                assert proof == merkle.inclusion_proof(index, tree_size, get_node)
                assert merkle.verify_inclusion(leaves[index], index, tree_size, proof, root)
            for old in range(1, tree_size + 1):
                proof = proofs.consistency_proof(old, tree_size)
                old_root = merkle.root_from_leaves(leaves[:old])
                merkle.check_consistency(old, tree_size, old_root, root, proof)


def test_a_proof_costs_one_query(django_assert_num_queries):
    append(99)
    notary.notarize(cosign="none")
    with django_assert_num_queries(1):
        inclusion = proofs.inclusion_proof(37, 100)
    with django_assert_num_queries(1):
        consistency = proofs.consistency_proof(13, 100)
    get_node = reference_node_getter(leaf_hashes())
    assert inclusion == merkle.inclusion_proof(37, 100, get_node)
    assert consistency == merkle.consistency_proof(13, 100, get_node)


def test_a_proof_beyond_the_stored_tree_is_unavailable_not_wrong():
    append(4)
    notary.notarize(cosign="none")
    with pytest.raises(proofs.ProofUnavailable, match="no stored hash"):
        proofs.inclusion_proof(2, 9)
    with pytest.raises(proofs.ProofUnavailable):
        proofs.consistency_proof(3, 12)


def test_impossible_proofs_are_refused_with_the_reason():
    append(4)
    notary.notarize(cosign="none")
    with pytest.raises(ValueError, match="leaf index 5 is not in a tree of size 5"):
        proofs.inclusion_proof(5, 5)
    with pytest.raises(ValueError, match="old size must be at least 1"):
        proofs.consistency_proof(0, 5)
    with pytest.raises(ValueError, match="larger than new size"):
        proofs.consistency_proof(5, 3)
