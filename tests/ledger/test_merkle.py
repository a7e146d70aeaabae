"""The Merkle tree of spec section 3: RFC 6962 vectors, proofs from stored subtrees, checks."""

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import merkle

from .rfc6962 import LEAVES, PUBLISHED_ROOTS

# (leaf index, tree size) -> audit path, from transparency-dev/merkle proof/verify_test.go.
PUBLISHED_INCLUSION = {
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 3): ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    (1, 5): [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
    (0, 1): [],
}
# (old size, new size) -> consistency proof, same sources.
PUBLISHED_CONSISTENCY = {
    (1, 1): [],
    (1, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 5): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
    (6, 7): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}


# --- An independent, naive transcription of RFC 9162 §2.1 over raw leaf data ----------------------


def naive_leaf(data):
    return hashlib.sha256(b"\x00" + data).digest()


def naive_node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def naive_k(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def naive_mth(leaves):
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return naive_leaf(leaves[0])
    k = naive_k(n)
    return naive_node(naive_mth(leaves[:k]), naive_mth(leaves[k:]))


def naive_path(m, leaves):
    n = len(leaves)
    if n == 1:
        return []
    k = naive_k(n)
    if m < k:
        return [*naive_path(m, leaves[:k]), naive_mth(leaves[k:])]
    return [*naive_path(m - k, leaves[k:]), naive_mth(leaves[:k])]


def naive_subproof(m, leaves, complete):
    n = len(leaves)
    if m == n:
        return [] if complete else [naive_mth(leaves)]
    k = naive_k(n)
    if m <= k:
        return [*naive_subproof(m, leaves[:k], complete), naive_mth(leaves[k:])]
    return [*naive_subproof(m - k, leaves[k:], False), naive_mth(leaves[:k])]


def naive_proof(m, leaves):
    return naive_subproof(m, leaves, True)


# --- Storage as the notarizer will keep it --------------------------------------------------------


class Store:
    """Every completed aligned subtree, as the notarizer persists them, counting reads."""

    def __init__(self, leaves=()):
        self.nodes = {}
        self.reads = 0
        self.frontier = merkle.Frontier()
        self.extend(leaves)

    def extend(self, leaves):
        for subtree in self.frontier.extend(merkle.leaf_hash(data) for data in leaves):
            assert (subtree.level, subtree.index) not in self.nodes, "a subtree was emitted twice"
            self.nodes[(subtree.level, subtree.index)] = subtree.hash

    def get(self, level, index):
        self.reads += 1
        return self.nodes[(level, index)]


def sample_leaves(count):
    return [f"entry {i}".encode() for i in range(count)]


def hexes(hashes):
    return [h.hex() for h in hashes]


# --- Hashing and roots ----------------------------------------------------------------------------


def test_leaf_and_node_hashes_use_the_rfc_domain_separation_prefixes():
    assert merkle.leaf_hash(b"") == bytes.fromhex(PUBLISHED_ROOTS[1])
    # google/certificate-transparency merkle_test.py sha256_leaves and sha256_nodes.
    assert merkle.leaf_hash(bytes.fromhex("101112131415161718191a1b1c1d1e1f")).hex() == (
        "3bfb960453ebaebf33727da7a1f4db38acc051d381b6da20d6d4e88f0eabfd7a"
    )
    left = bytes.fromhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
    right = bytes.fromhex("202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f")
    assert merkle.node_hash(left, right).hex() == (
        "1a378704c17da31e2d05b6d121c2bb2c7d76f6ee6fa8f983e596c2d034963c57"
    )


def test_the_empty_tree_hashes_to_sha256_of_nothing():
    assert hashlib.sha256(b"").digest() == merkle.EMPTY_ROOT
    assert merkle.root_from_leaves([]) == merkle.EMPTY_ROOT
    assert merkle.Frontier().root() == merkle.EMPTY_ROOT


@pytest.mark.parametrize("size", range(9))
def test_roots_of_the_rfc6962_vectors_match_the_published_roots(size):
    leaf_hashes = [merkle.leaf_hash(data) for data in LEAVES[:size]]

    assert merkle.root_from_leaves(leaf_hashes).hex() == PUBLISHED_ROOTS[size]
    assert naive_mth(LEAVES[:size]).hex() == PUBLISHED_ROOTS[size]
    assert Store(LEAVES[:size]).frontier.root().hex() == PUBLISHED_ROOTS[size]


def test_the_frontier_root_matches_the_reference_root_at_every_size():
    leaves = sample_leaves(300)
    leaf_hashes = [merkle.leaf_hash(data) for data in leaves]
    frontier = merkle.Frontier()

    for size in range(1, len(leaves) + 1):
        frontier.append(leaf_hashes[size - 1])
        assert frontier.size == size
        assert len(frontier.hashes) == size.bit_count()
        assert frontier.root() == merkle.root_from_leaves(leaf_hashes[:size]), size


def test_the_frontier_emits_every_aligned_subtree_exactly_once_with_its_hash():
    leaves = sample_leaves(37)
    store = Store(leaves)

    expected = {}
    for level in range(6):
        width = 1 << level
        for index in range(len(leaves) // width):
            expected[(level, index)] = naive_mth(leaves[index * width : (index + 1) * width])
    assert store.nodes == expected


def test_a_frontier_reloaded_from_stored_nodes_continues_the_same_tree():
    leaves = sample_leaves(45)
    store = Store(leaves[:29])
    reloaded = merkle.Frontier.load(
        29, {node: store.nodes[node] for node in merkle.frontier_nodes(29)}
    )
    assert merkle.frontier_nodes(29) == [(4, 0), (3, 2), (2, 6), (0, 28)]

    completed = reloaded.extend(merkle.leaf_hash(data) for data in leaves[29:])

    store.extend(leaves[29:])
    assert reloaded.root() == store.frontier.root() == naive_mth(leaves)
    assert {(s.level, s.index): s.hash for s in completed}.items() <= store.nodes.items()
    assert reloaded.border() == store.frontier.border()


def test_a_frontier_refuses_a_border_that_does_not_fit_its_size():
    with pytest.raises(ValueError, match="a tree of size 5 has 2 border subtrees, got 1"):
        merkle.Frontier(5, [merkle.EMPTY_ROOT])
    with pytest.raises(ValueError, match="must be 32 bytes"):
        merkle.Frontier(1, [b"short"])
    with pytest.raises(KeyError, match="level 2 index 0"):
        merkle.Frontier.load(5, {(0, 4): merkle.EMPTY_ROOT})


# --- Inclusion proofs -----------------------------------------------------------------------------


@pytest.mark.parametrize(("index", "size"), sorted(PUBLISHED_INCLUSION))
def test_inclusion_proofs_match_the_published_vectors(index, size):
    store = Store(LEAVES[:size])

    proof = merkle.inclusion_proof(index, size, store.get)

    assert hexes(proof) == PUBLISHED_INCLUSION[(index, size)]
    root = bytes.fromhex(PUBLISHED_ROOTS[size])
    assert merkle.verify_inclusion(merkle.leaf_hash(LEAVES[index]), index, size, proof, root)


def test_every_inclusion_proof_of_the_vectors_matches_the_rfc_and_verifies():
    store = Store(LEAVES)
    for size in range(1, 9):
        root = bytes.fromhex(PUBLISHED_ROOTS[size])
        for index in range(size):
            proof = merkle.inclusion_proof(index, size, store.get)
            leaf = merkle.leaf_hash(LEAVES[index])

            assert proof == naive_path(index, LEAVES[:size]), (index, size)
            assert merkle.root_from_inclusion(leaf, index, size, proof) == root
            assert merkle.verify_inclusion(leaf, index, size, proof, root)


def test_an_inclusion_proof_reads_logarithmically_many_nodes():
    store = Store(sample_leaves(1000))
    for index, size in [(0, 1000), (999, 1000), (511, 1000), (513, 777), (640, 641)]:
        store.reads = 0
        merkle.inclusion_proof(index, size, store.get)
        assert store.reads <= 2 * size.bit_length(), (index, size, store.reads)


def inclusion_tamperings(leaf, index, size, proof, root):
    """The probes of transparency-dev's corruptInclusionProof, with what each one changes.

    Like upstream, no "size + 1" probe: a root does not commit to its size (the proof for leaf 0
    of 3 leaves is also one for leaf 0 of 4 whose last two leaves hash to the third), which is why
    sizes must come from a signed checkpoint.
    """
    other_hash = hashlib.sha256(b"some other hash").digest()
    probes = [
        ("index - 1", (leaf, index - 1, size, proof, root)),
        ("index + 1", (leaf, index + 1, size, proof, root)),
        ("index ^ 2", (leaf, index ^ 2, size, proof, root)),
        ("size * 2", (leaf, index, size * 2, proof, root)),
        ("size / 2", (leaf, index, size // 2, proof, root)),
        ("wrong leaf", (naive_leaf(b"WrongLeaf"), index, size, proof, root)),
        ("empty root", (leaf, index, size, proof, merkle.EMPTY_ROOT)),
        ("random root", (leaf, index, size, proof, other_hash)),
        ("trailing garbage", (leaf, index, size, [*proof, b""], root)),
        ("trailing root", (leaf, index, size, [*proof, root], root)),
        ("preceding garbage", (leaf, index, size, [b"", *proof], root)),
        ("preceding root", (leaf, index, size, [root, *proof], root)),
    ]
    for position in range(len(proof)):
        for byte in (0, 31):
            changed = list(proof)
            flipped = bytearray(changed[position])
            flipped[byte] ^= 8
            changed[position] = bytes(flipped)
            probes.append((f"proof[{position}] byte {byte}", (leaf, index, size, changed, root)))
    if proof:
        probes.append(("truncated", (leaf, index, size, proof[:-1], root)))
        probes.append(("first removed", (leaf, index, size, proof[1:], root)))
    if len(proof) > 1:
        probes.append(("inserted", (leaf, index, size, [proof[0], other_hash, *proof[1:]], root)))
        probes.append(("swapped", (leaf, index, size, [proof[1], proof[0], *proof[2:]], root)))
    for position in range(1, 33):
        probes.append(
            (f"leaf byte {position}", (_flip(leaf, position - 1), index, size, proof, root))
        )
    return probes


def _flip(value, position):
    changed = bytearray(value)
    changed[position] ^= 1
    return bytes(changed)


def test_no_tampered_inclusion_proof_verifies():
    store = Store(LEAVES)
    for size in range(1, 9):
        root = bytes.fromhex(PUBLISHED_ROOTS[size])
        for index in range(size):
            leaf = merkle.leaf_hash(LEAVES[index])
            proof = merkle.inclusion_proof(index, size, store.get)
            for description, probe in inclusion_tamperings(leaf, index, size, proof, root):
                assert not merkle.verify_inclusion(*probe), (index, size, description)


@pytest.mark.parametrize(
    ("proof_change", "message"),
    [
        (lambda proof: proof[:-1], "has 2 hashes; index 5 in a tree of size 8 needs 3"),
        (lambda proof: [*proof, proof[0]], "has 4 hashes"),
        (lambda proof: [proof[0][:31], *proof[1:]], "proof hash 0 must be 32 bytes, got 31"),
    ],
)
def test_a_malformed_inclusion_proof_is_refused_with_the_reason(proof_change, message):
    store = Store(LEAVES)
    proof = merkle.inclusion_proof(5, 8, store.get)

    with pytest.raises(merkle.ProofError, match=message):
        merkle.root_from_inclusion(merkle.leaf_hash(LEAVES[5]), 5, 8, proof_change(proof))


@pytest.mark.parametrize(
    ("index", "size", "message"),
    [
        (8, 8, "leaf index 8 is not in a tree of size 8"),
        (-1, 8, "leaf index -1 is not in a tree of size 8"),
        (0, 0, "tree size must be at least 1, got 0"),
    ],
)
def test_an_inclusion_proof_outside_the_tree_is_refused(index, size, message):
    with pytest.raises(ValueError, match=message):
        merkle.plan_inclusion_proof(index, size)
    assert not merkle.verify_inclusion(merkle.EMPTY_ROOT, index, size, [], merkle.EMPTY_ROOT)


def test_sizes_must_be_integers():
    with pytest.raises(TypeError, match="tree_size must be an integer, not bool"):
        merkle.plan_inclusion_proof(0, True)
    with pytest.raises(TypeError, match="old_size must be an integer, not float"):
        merkle.plan_consistency_proof(1.0, 2)
    assert not merkle.verify_inclusion(merkle.EMPTY_ROOT, 0, 1.0, [], merkle.EMPTY_ROOT)
    assert not merkle.verify_inclusion(merkle.EMPTY_ROOT, 0, 1, [], 32)


def test_a_missing_stored_node_is_named():
    plan = merkle.plan_inclusion_proof(5, 8)
    hashes = {node: merkle.EMPTY_ROOT for node in plan.nodes if node != (2, 0)}

    with pytest.raises(KeyError, match=r"level 2 index 0 \(leaves \[0, 4\)\)"):
        plan.assemble(hashes)


def test_a_plan_lists_each_node_once_and_assembles_from_memoryviews():
    store = Store(sample_leaves(13))
    plan = merkle.plan_inclusion_proof(12, 13)

    assert plan.ranges == ((8, 12), (0, 8))
    assert plan.nodes == merkle.inclusion_proof_nodes(12, 13) == [(2, 2), (3, 0)]
    fetched = {node: memoryview(store.nodes[node]) for node in plan.nodes}
    assert plan.assemble(fetched) == naive_path(12, sample_leaves(13))


# --- Consistency proofs ---------------------------------------------------------------------------


@pytest.mark.parametrize(("old", "new"), sorted(PUBLISHED_CONSISTENCY))
def test_consistency_proofs_match_the_published_vectors(old, new):
    store = Store(LEAVES[:new])

    proof = merkle.consistency_proof(old, new, store.get)

    assert hexes(proof) == PUBLISHED_CONSISTENCY[(old, new)]
    old_root, new_root = (bytes.fromhex(PUBLISHED_ROOTS[size]) for size in (old, new))
    assert merkle.verify_consistency(old, new, old_root, new_root, proof)


def test_every_consistency_proof_of_the_vectors_matches_the_rfc_and_verifies():
    store = Store(LEAVES)
    for new in range(1, 9):
        for old in range(1, new + 1):
            proof = merkle.consistency_proof(old, new, store.get)
            old_root, new_root = (bytes.fromhex(PUBLISHED_ROOTS[size]) for size in (old, new))

            assert proof == naive_proof(old, LEAVES[:new]), (old, new)
            assert merkle.verify_consistency(old, new, old_root, new_root, proof), (old, new)
            merkle.check_consistency(old, new, old_root, new_root, proof)


def consistency_tamperings(old, new, old_root, new_root, proof):
    """The probes of transparency-dev's corruptConsistencyProof."""
    probes = [
        ("old - 1", (old - 1, new, old_root, new_root, proof)),
        ("old + 1", (old + 1, new, old_root, new_root, proof)),
        ("old ^ 2", (old ^ 2, new, old_root, new_root, proof)),
        ("new * 2", (old, new * 2, old_root, new_root, proof)),
        ("new / 2", (old, new // 2, old_root, new_root, proof)),
        ("wrong old root", (old, new, naive_leaf(b"WrongRoot"), new_root, proof)),
        ("wrong new root", (old, new, old_root, naive_leaf(b"WrongRoot"), proof)),
        ("swapped roots", (old, new, new_root, old_root, proof)),
        ("empty proof", (old, new, old_root, new_root, [])),
        ("trailing garbage", (old, new, old_root, new_root, [*proof, b""])),
        ("trailing old root", (old, new, old_root, new_root, [*proof, old_root])),
        ("trailing new root", (old, new, old_root, new_root, [*proof, new_root])),
        ("preceding garbage", (old, new, old_root, new_root, [b"", *proof])),
        ("preceding old root", (old, new, old_root, new_root, [old_root, *proof])),
        ("preceding new root", (old, new, old_root, new_root, [new_root, *proof])),
        ("preceding proof[0]", (old, new, old_root, new_root, [proof[0], *proof])),
        ("truncated", (old, new, old_root, new_root, proof[:-1])),
    ]
    for position in range(len(proof)):
        for byte in (0, 31):
            changed = list(proof)
            changed[position] = _flip(changed[position], byte)
            probes.append(
                (f"proof[{position}] byte {byte}", (old, new, old_root, new_root, changed))
            )
    return probes


def test_no_tampered_consistency_proof_verifies():
    store = Store(LEAVES)
    roots = {size: bytes.fromhex(root) for size, root in PUBLISHED_ROOTS.items()}
    for new in range(2, 9):
        for old in range(1, new):
            proof = merkle.consistency_proof(old, new, store.get)
            for description, probe in consistency_tamperings(
                old, new, roots[old], roots[new], proof
            ):
                assert not merkle.verify_consistency(*probe), (old, new, description)


def test_consistency_between_equal_sizes_needs_equal_roots_and_no_proof():
    root = bytes.fromhex(PUBLISHED_ROOTS[3])
    other = bytes.fromhex(PUBLISHED_ROOTS[4])

    assert merkle.verify_consistency(3, 3, root, root, [])
    with pytest.raises(merkle.ProofError, match="two different roots for the same size 3"):
        merkle.check_consistency(3, 3, root, other, [])
    with pytest.raises(merkle.ProofError, match="need an empty proof, got 1 hashes"):
        merkle.check_consistency(3, 3, root, root, [root])


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (0, 5, "no consistency proof from a tree of size 0"),
        (6, 5, "new size 5 is smaller than old size 6"),
    ],
)
def test_consistency_from_an_empty_or_larger_tree_is_refused(old, new, message):
    root = bytes.fromhex(PUBLISHED_ROOTS[5])

    with pytest.raises(merkle.ProofError, match=message):
        merkle.check_consistency(old, new, merkle.EMPTY_ROOT, root, [])
    with pytest.raises(ValueError, match="old size"):
        merkle.plan_consistency_proof(old, new)


def test_a_consistency_proof_of_the_wrong_length_says_how_long_it_should_be():
    store = Store(LEAVES)
    proof = merkle.consistency_proof(6, 8, store.get)
    old_root, new_root = (bytes.fromhex(PUBLISHED_ROOTS[size]) for size in (6, 8))

    with pytest.raises(merkle.ProofError, match="has 2 hashes; sizes 6 to 8 need 3"):
        merkle.check_consistency(6, 8, old_root, new_root, proof[:2])


def test_a_consistency_proof_reads_logarithmically_many_nodes():
    store = Store(sample_leaves(1000))
    for old, new in [(1, 1000), (999, 1000), (333, 777), (512, 1000), (513, 514)]:
        store.reads = 0
        merkle.consistency_proof(old, new, store.get)
        assert store.reads <= 2 * new.bit_length(), (old, new, store.reads)


# --- Ranges ---------------------------------------------------------------------------------------


def test_range_hash_composes_any_aligned_range_from_stored_subtrees():
    leaves = sample_leaves(40)
    store = Store(leaves)
    for start, end in [(0, 40), (32, 40), (8, 13), (16, 31), (36, 37), (0, 1)]:
        assert merkle.range_hash(start, end, store.get) == naive_mth(leaves[start:end])


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [(5, 5, "empty"), (6, 5, "empty"), (-1, 3, "empty"), (2, 6, "multiple of 4")],
)
def test_range_hash_refuses_ranges_not_made_of_stored_subtrees(start, end, message):
    with pytest.raises(ValueError, match=message):
        merkle.range_nodes(start, end)


# --- Properties over random trees -----------------------------------------------------------------

BIG_LEAVES = sample_leaves(300)
BIG_STORE = Store(BIG_LEAVES)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), size=st.integers(min_value=1, max_value=300))
def test_node_based_inclusion_proofs_equal_the_rfc_definition(data, size):
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    leaves = BIG_LEAVES[:size]

    proof = merkle.inclusion_proof(index, size, BIG_STORE.get)

    assert proof == naive_path(index, leaves)
    root = naive_mth(leaves)
    leaf = naive_leaf(leaves[index])
    assert merkle.verify_inclusion(leaf, index, size, proof, root)
    if size > 1:
        wrong = (index + data.draw(st.integers(min_value=1, max_value=size - 1))) % size
        assert not merkle.verify_inclusion(leaf, wrong, size, proof, root)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), new=st.integers(min_value=1, max_value=300))
def test_node_based_consistency_proofs_equal_the_rfc_definition(data, new):
    old = data.draw(st.integers(min_value=1, max_value=new))

    proof = merkle.consistency_proof(old, new, BIG_STORE.get)

    assert proof == naive_proof(old, BIG_LEAVES[:new])
    old_root, new_root = naive_mth(BIG_LEAVES[:old]), naive_mth(BIG_LEAVES[:new])
    assert merkle.verify_consistency(old, new, old_root, new_root, proof)
    if proof:
        position = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        changed = list(proof)
        changed[position] = _flip(changed[position], data.draw(st.integers(0, 31)))
        assert not merkle.verify_consistency(old, new, old_root, new_root, changed)


@settings(max_examples=100, deadline=None)
@given(index=st.integers(min_value=0, max_value=2**62), extra=st.integers(1, 2**62))
def test_proof_plans_for_huge_trees_stay_logarithmic(index, extra):
    size = index + extra

    inclusion = merkle.plan_inclusion_proof(index, size)
    consistency = merkle.plan_consistency_proof(index + 1, size)

    assert len(inclusion.nodes) <= 2 * size.bit_length()
    assert len(consistency.nodes) <= 2 * size.bit_length()
    for start, end in inclusion.ranges + consistency.ranges:
        assert 0 <= start < end <= size
