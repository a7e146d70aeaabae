"""C2SP tlog-tiles under /ledger/tile/ (spec section 8): paths, hashes, proofs, access."""

import base64
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ledger import merkle, notary, proofs, tiles, witness
from ledger.models import Entry
from ledger.notes import parse_checkpoint
from ledger.tiles import Tile
from tests.declarations import factories as f

from .notary_support import append, ledger_keys  # noqa: F401

pytestmark = [pytest.mark.usefixtures("ledger_keys"), pytest.mark.django_db]

IMMUTABLE = "public, max-age=31536000, immutable"


# --- Path encoding and tile arithmetic (pure) -----------------------------------------------------


@pytest.mark.parametrize(
    ("index", "width", "encoded"),
    [
        (1234067, 256, "x001/x234/067"),  # the example of C2SP tlog-tiles
        (0, 256, "000"),
        (67, 256, "067"),
        (999, 256, "999"),
        (1000, 256, "x001/000"),
        (1000000, 256, "x001/x000/000"),
        (5, 112, "005.p/112"),
        (1234067, 1, "x001/x234/067.p/1"),
    ],
)
def test_tile_indexes_are_encoded_as_tlog_tiles_says(index, width, encoded):
    assert tiles.encode_index(index, width) == encoded
    assert tiles.decode_index(encoded) == (index, width)


def test_tile_and_bundle_paths():
    assert Tile(0, 1234067).path == "tile/0/x001/x234/067"
    assert Tile(2, 3, 17).path == "tile/2/003.p/17"
    assert Tile(0, 1234067, 5).entries_path == "tile/entries/x001/x234/067.p/5"
    assert tiles.parse_tile_path("1", "x001/002.p/9") == Tile(1, 1002, 9)


@pytest.mark.parametrize(
    "text",
    ["", "67", "0067", "x1/234", "001/002", "x000/067", "067/", "067.p/0", "067.p/256",
     "067.p/007", "067.p/", "067.p", "x001/x234/067.p/1/2", "٠٠١",
     "x999/x999/x999/x999/x999/x999/x999/999"],
)  # fmt: skip
def test_bad_tile_indexes_are_refused(text):
    with pytest.raises(tiles.TilePathError):
        tiles.decode_index(text)


@pytest.mark.parametrize("text", ["", "00", "01", "64", "-1", "a", "1.0"])
def test_bad_tile_levels_are_refused(text):
    with pytest.raises(tiles.TilePathError):
        tiles.decode_level(text)


def test_the_tiles_of_a_tree_follow_the_examples_of_tlog_tiles():
    # "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial level 0
    # tile of width 112, one full level 1 tile, one partial level 1 tile of width 17, and one
    # partial level 2 tile of width 1."
    found = tiles.tiles_for(70000)
    level0 = [tile for tile in found if tile.level == 0]
    assert len(level0) == 274 and all(tile.full for tile in level0[:273])
    assert level0[273] == Tile(0, 273, 112)
    assert [tile for tile in found if tile.level > 0] == [Tile(1, 0), Tile(1, 1, 17), Tile(2, 0, 1)]
    # "a tree of size 256 will be represented by a full level 0 tile and a partial level 1 tile
    # of width 1."
    assert tiles.tiles_for(256) == [Tile(0, 0), Tile(1, 0, 1)]
    assert tiles.tiles_for(0) == []


def test_a_tile_holds_the_stored_nodes_of_its_merkle_level():
    assert Tile(0, 2, 3).nodes() == [(0, 512), (0, 513), (0, 514)]
    assert Tile(1, 1, 2).nodes() == [(8, 256), (8, 257)]
    assert tiles.node_from_tile(3, 40) == (Tile(0, 1), 64, 72)
    assert tiles.node_from_tile(9, 5) == (Tile(1, 0), 10, 12)
    assert tiles.sizes_with_width(Tile(0, 2, 3)) == (515, 516)
    assert tiles.sizes_with_width(Tile(1, 0, 2)) == (512, 768)


def test_entry_bundles_are_uint16_length_prefixed():
    entries = [b"", b"{}", bytes(300)]
    bundle = tiles.encode_bundle(entries)
    assert bundle[:6] == b"\x00\x00\x00\x02{}" and bundle[6:8] == b"\x01\x2c"
    assert tiles.decode_bundle(bundle) == entries
    with pytest.raises(ValueError, match="uint16"):
        tiles.encode_bundle([bytes(65536)])
    with pytest.raises(ValueError, match="ends inside"):
        tiles.decode_bundle(bundle[:-1])


# --- A ledger of a few hundred entries ------------------------------------------------------------


def canonical_entries() -> list[bytes]:
    return [bytes(raw) for raw in Entry.objects.order_by("seq").values_list("canonical", flat=True)]


def independent_leaf_hashes() -> list[bytes]:
    # Recomputed here with hashlib, not with ledger.merkle or the stored nodes.
    return [hashlib.sha256(b"\x00" + raw).digest() for raw in canonical_entries()]


def independent_mth(hashes: list[bytes]) -> bytes:
    if len(hashes) == 1:
        return hashes[0]
    split = 1 << ((len(hashes) - 1).bit_length() - 1)
    left, right = independent_mth(hashes[:split]), independent_mth(hashes[split:])
    return hashlib.sha256(b"\x01" + left + right).digest()


def fetch(client, tile: Tile) -> bytes:
    response = client.get(f"/ledger/{tile.path}")
    assert response.status_code == 200, (tile.path, response.content[:200])
    assert response["Content-Type"] == "application/octet-stream"
    return response.content


@pytest.fixture
def ledger():
    """A notarized ledger of 600 entries: two full level-0 tiles, a partial one, level 1 of 2."""
    append(299)
    first = notary.notarize().size
    append(600 - Entry.objects.count())
    second = notary.notarize().size
    assert second == 600
    return first, second


def test_every_served_hash_is_the_rfc6962_hash_of_the_entries(client, ledger):
    leaves = independent_leaf_hashes()
    served = tiles.tiles_for(600)
    assert served == [Tile(0, 0), Tile(0, 1), Tile(0, 2, 88), Tile(1, 0, 2)]
    for tile in served:
        hashes = tiles.split_hashes(fetch(client, tile))
        assert len(hashes) == tile.width
        scale = 1 << (8 * tile.level)
        start = tile.index * 256
        expected = [
            independent_mth(leaves[(start + i) * scale : (start + i + 1) * scale])
            for i in range(tile.width)
        ]
        assert hashes == expected, tile.path


def test_proofs_from_tiles_alone_match_the_served_proofs(client, ledger):
    first, size = ledger
    note = client.get("/ledger/checkpoint").content.decode()
    checkpoint = parse_checkpoint(note.split("\n\n")[0] + "\n")
    assert checkpoint.size == size
    get_node = tiles.node_getter(size, lambda tile: fetch(client, tile))
    leaves = independent_leaf_hashes()

    assert merkle.range_hash(0, size, get_node) == checkpoint.root
    for index in (0, 1, 255, 256, 300, 511, 512, 598, 599):
        proof = merkle.inclusion_proof(index, size, get_node)
        assert proof == proofs.inclusion_proof(index, size)
        assert merkle.verify_inclusion(leaves[index], index, size, proof, checkpoint.root)
    for old in (1, 7, 256, first, 512, 599):
        proof = merkle.consistency_proof(old, size, get_node)
        assert proof == proofs.consistency_proof(old, size)
        old_root = independent_mth(leaves[:old])
        assert merkle.verify_consistency(old, size, old_root, checkpoint.root, proof)


def test_an_older_checkpoints_proofs_come_from_its_tiles_or_the_full_ones(client, ledger):
    # At size 300, tile 0/001 was partial (width 44); it is full now, and its full tile serves.
    first, _ = ledger
    assert tiles.width_at(0, 1, first) == 44

    def fetch_or_full(tile):
        response = client.get(f"/ledger/{tile.path}")
        if response.status_code == 404 and not tile.full:
            return fetch(client, Tile(tile.level, tile.index))
        assert response.status_code == 200
        return response.content

    get_node = tiles.node_getter(first, fetch_or_full)
    # Its level-1 tile, still partial, is served at the width it had then.
    older = tiles.split_hashes(fetch(client, Tile(1, 0, 1)))
    assert older == [independent_mth(independent_leaf_hashes()[:256])]
    old_root = independent_mth(independent_leaf_hashes()[:first])
    assert merkle.range_hash(0, first, get_node) == old_root
    assert merkle.inclusion_proof(3, first, get_node) == proofs.inclusion_proof(3, first)


def test_cache_headers(client, ledger):
    assert client.get("/ledger/tile/0/000")["Cache-Control"] == IMMUTABLE
    assert client.get("/ledger/tile/0/001")["Cache-Control"] == IMMUTABLE
    assert client.get("/ledger/tile/0/002.p/88")["Cache-Control"] == "public, max-age=60"
    assert client.get("/ledger/tile/1/000.p/2")["Cache-Control"] == "public, max-age=60"


def error_of(response) -> str:
    assert response["Content-Type"] == "application/json"
    return response.json()["error"]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("tile/0/003", "tile/0/003 is not full in the latest notarized checkpoint (size 600)"),
        ("tile/0/002", "tile/0/002 is not full in the latest notarized checkpoint (size 600)"),
        ("tile/1/000", "tile/1/000 is not full in the latest notarized checkpoint (size 600)"),
        ("tile/0/001.p/5", "tile/0/001.p/5 is full now: fetch tile/0/001"),
        ("tile/0/002.p/89", "tile/0/002.p/89 is not the width of this tile in any notarized "
         "checkpoint (the latest, size 600, has width 88)"),
        ("tile/0/002.p/20", "tile/0/002.p/20 is not the width of this tile in any notarized "
         "checkpoint (the latest, size 600, has width 88)"),
        ("tile/1/000.p/3", "tile/1/000.p/3 is not the width of this tile in any notarized "
         "checkpoint (the latest, size 600, has width 2)"),
        ("tile/2/000.p/1", "tile/2/000.p/1 is not the width of this tile in any notarized "
         "checkpoint (the latest, size 600, has width 0)"),
        ("tile/0/67", "'67' is not a tile index: 3-digit elements, all but the last prefixed with "
         "'x' (e.g. x001/x234/067), then '.p/<width>' (1 to 255) for a partial tile"),
        ("tile/0/x000/001", "'x000/001' has a leading x000 element: write the index without it"),
        ("tile/0/000.p/256", "a partial tile's width is between 1 and 255, not 256"),
        ("tile/00/000", "'00' is not a tile level: a decimal integer from 0 to 63 without leading "
         "zeros"),
        ("tile/64/000", "'64' is not a tile level: a decimal integer from 0 to 63 without leading "
         "zeros"),
        ("tile/0", "'0' is not a tile path: tile/<level>/<index>[.p/<width>]"),
        ("tile/entries", "'entries' is not a tile path: tile/<level>/<index>[.p/<width>]"),
    ],
)  # fmt: skip
def test_tiles_not_covered_or_badly_written_are_named_404s(client, ledger, path, message):
    response = client.get(f"/ledger/{path}")
    assert response.status_code == 404
    assert error_of(response) == message


def test_partial_tiles_of_every_notarized_size_stay_served_until_the_tile_is_full(client):
    append(100)
    sizes = [notary.notarize().size]
    append(50)
    sizes.append(notary.notarize().size)
    append(3)
    pending = notary.notarize(cosign="none")  # below the quorum: not notarized
    witness.cosign("customs.witness", pending)
    leaves = independent_leaf_hashes()
    for size in sizes:
        hashes = tiles.split_hashes(fetch(client, Tile(0, 0, size)))
        assert hashes == leaves[:size]
    assert client.get(f"/ledger/tile/0/000.p/{pending.size}").status_code == 404
    assert client.get(f"/ledger/tile/0/000.p/{sizes[0] + 1}").status_code == 404


def test_no_tiles_before_a_checkpoint_is_notarized(client):
    response = client.get("/ledger/tile/0/000.p/1")
    assert response.status_code == 404
    assert error_of(response) == "no checkpoint has been notarized yet"


def test_tiles_are_read_only(client, ledger):
    assert client.post("/ledger/tile/0/000").status_code == 405
    assert client.head("/ledger/tile/0/000").status_code == 200


# --- Entry bundles: the entries' own access rule --------------------------------------------------


@pytest.fixture
def users(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    f.load_reference_rows()
    office = f.office("2201", "Shanghai Customs District")
    alpha = f.company("91310000MA1FL0000", "Alpha Trading Co., Ltd.")

    class Users:
        trader = f.user("trader", "trader", company=alpha)
        officer = f.user("officer", "officer", office=office)
        auditor = f.user("auditor", "auditor")

    return Users()


def test_entry_bundles_give_back_the_exact_canonical_bytes(client, ledger, users):
    client.force_login(users.auditor)
    entries = canonical_entries()
    for tile in (Tile(0, 0), Tile(0, 1), Tile(0, 2, 88)):
        response = client.get(f"/ledger/{tile.entries_path}")
        assert response.status_code == 200, response.content[:200]
        assert response["Content-Type"] == "application/octet-stream"
        bundle = tiles.decode_bundle(response.content)
        start = tile.index * 256
        assert bundle == entries[start : start + tile.width]
        # Each entry hashes to its hash in the level-0 tile of the same index.
        hashes = tiles.split_hashes(fetch(client, tile))
        assert [merkle.leaf_hash(entry) for entry in bundle] == hashes
    full = client.get("/ledger/tile/entries/000")
    assert full["Cache-Control"] == "private, max-age=31536000, immutable"
    assert client.get("/ledger/tile/entries/002.p/88")["Cache-Control"] == "private, max-age=60"


def test_entry_bundles_need_a_login(client, ledger):
    response = client.get("/ledger/tile/entries/000")
    assert response.status_code == 403
    assert error_of(response) == "log in to read ledger entries"
    assert client.get("/ledger/tile/0/000").status_code == 200  # hash tiles are public


def test_a_bundle_holding_an_entry_the_user_may_not_read_is_a_404(client, ledger, users):
    client.force_login(users.trader)
    response = client.get("/ledger/tile/entries/000")
    assert response.status_code == 404
    assert error_of(response) == "no tile/entries/000 that you may read"


def test_entry_bundles_not_covered_are_404(client, ledger, users):
    client.force_login(users.auditor)
    append(5)  # appended, not notarized
    for path, message in [
        ("002", "tile/entries/002 is not full in the latest notarized checkpoint (size 600)"),
        ("002.p/93", "tile/entries/002.p/93 is not the width of this tile in any notarized "
         "checkpoint (the latest, size 600, has width 88)"),
        ("001.p/3", "tile/entries/001.p/3 is full now: fetch tile/entries/001"),
        ("1", "'1' is not a tile index: 3-digit elements, all but the last prefixed with 'x' "
         "(e.g. x001/x234/067), then '.p/<width>' (1 to 255) for a partial tile"),
    ]:  # fmt: skip
        response = client.get(f"/ledger/tile/entries/{path}")
        assert response.status_code == 404
        assert error_of(response) == message


# --- Go's golang.org/x/mod/sumdb/tlog reads the tiles -------------------------------------------

GOPATH = Path("/usr/share/gocode")  # Debian's golang-golang-x-mod-dev
TILEREAD = r"""
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

type input struct {
	Size    int64             `json:"size"`
	Root    string            `json:"root"`
	Tiles   map[string]string `json:"tiles"`
	Indexes []int64           `json:"indexes"`
	Records []struct {
		Index int64  `json:"index"`
		Data  string `json:"data"`
	} `json:"records"`
	Old []struct {
		Size int64  `json:"size"`
		Root string `json:"root"`
	} `json:"old"`
}

// reader serves Go's tiles (tile/8/<L>/<N>) from the C2SP paths (tile/<L>/<N>) we fetched.
type reader struct{ tiles map[string]string }

func (r reader) Height() int { return 8 }

func (r reader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		path := "tile/" + strings.TrimPrefix(t.Path(), "tile/8/")
		text, ok := r.tiles[path]
		if !ok {
			return nil, fmt.Errorf("tile %s was not served", path)
		}
		data, err := base64.StdEncoding.DecodeString(text)
		if err != nil {
			return nil, err
		}
		fmt.Printf("read %s\n", path)
		out[i] = data
	}
	return out, nil
}

func (r reader) SaveTiles([]tlog.Tile, [][]byte) {}

func hash(text string) tlog.Hash {
	var h tlog.Hash
	data, _ := base64.StdEncoding.DecodeString(text)
	copy(h[:], data)
	return h
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Println("FAIL input:", err)
		os.Exit(2)
	}
	for _, n := range in.Indexes {
		fmt.Printf("path %d %s\n", n, tlog.Tile{H: 8, L: 0, N: n, W: 256}.Path())
	}
	failed := false
	report := func(what string, err error) {
		if err != nil {
			failed = true
			fmt.Printf("FAIL %s: %v\n", what, err)
		} else {
			fmt.Printf("ok %s\n", what)
		}
	}
	tree := tlog.Tree{N: in.Size, Hash: hash(in.Root)}
	hashes := tlog.TileHashReader(tree, reader{in.Tiles})
	th, err := tlog.TreeHash(in.Size, hashes)
	if err == nil && th != tree.Hash {
		err = fmt.Errorf("tree hash %v is not the checkpoint's %v", th, tree.Hash)
	}
	report("tlog.TreeHash", err)
	for _, record := range in.Records {
		data, _ := base64.StdEncoding.DecodeString(record.Data)
		proof, err := tlog.ProveRecord(in.Size, record.Index, hashes)
		if err == nil {
			err = tlog.CheckRecord(proof, in.Size, tree.Hash, record.Index, tlog.RecordHash(data))
		}
		report(fmt.Sprintf("tlog.CheckRecord index %d", record.Index), err)
	}
	for _, old := range in.Old {
		proof, err := tlog.ProveTree(in.Size, old.Size, hashes)
		if err == nil {
			err = tlog.CheckTree(proof, in.Size, tree.Hash, old.Size, hash(old.Root))
		}
		report(fmt.Sprintf("tlog.CheckTree old %d", old.Size), err)
	}
	if failed {
		os.Exit(1)
	}
}
"""


@pytest.fixture(scope="module")
def tileread(tmp_path_factory):
    if shutil.which("go") is None or not (GOPATH / "src/golang.org/x/mod/sumdb").is_dir():
        reason = "needs Go and golang.org/x/mod (apt-get install golang-go golang-golang-x-mod-dev)"
        if os.environ.get("DATABASE_URL", "").startswith("postgres"):
            pytest.fail(f"make test installs them: {reason}")
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("go")
    source = folder / "tileread.go"
    source.write_text(TILEREAD)
    binary = folder / "tileread"
    env = os.environ | {
        "GO111MODULE": "off",
        "GOPATH": str(GOPATH),
        "GOCACHE": str(folder / "cache"),
        "GOFLAGS": "",
    }
    subprocess.run(
        ["go", "build", "-o", str(binary), str(source)],
        check=True,
        env=env,
        capture_output=True,
        timeout=240,
    )
    return binary


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def go_payload(client, ledger) -> dict:
    """The checkpoint, every tile of it and a few entries from their bundles, fetched over HTTP."""
    first, size = ledger
    note = client.get("/ledger/checkpoint").content.decode()
    checkpoint = parse_checkpoint(note.split("\n\n")[0] + "\n")
    served = {tile.path: b64(fetch(client, tile)) for tile in tiles.tiles_for(size)}
    records = []
    for index in (0, 1, 255, 256, 300, 511, 512, 599):
        tile = Tile(0, index // 256, tiles.width_at(0, index // 256, size))
        bundle = tiles.decode_bundle(client.get(f"/ledger/{tile.entries_path}").content)
        records.append({"index": index, "data": b64(bundle[index % 256])})
    leaves = independent_leaf_hashes()
    old = [{"size": n, "root": b64(independent_mth(leaves[:n]))} for n in (1, 7, 256, first, 599)]
    return {
        "size": checkpoint.size,
        "root": b64(checkpoint.root),
        "tiles": served,
        "indexes": [0, 67, 1000, 1234067],
        "records": records,
        "old": old,
    }


def run_go(binary, payload: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(binary)], input=json.dumps(payload), capture_output=True, text=True, timeout=60
    )


def test_go_tlog_proves_inclusion_and_consistency_from_our_tiles(tileread, client, ledger, users):
    client.force_login(users.auditor)
    payload = go_payload(client, ledger)

    result = run_go(tileread, payload)

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for index in payload["indexes"]:
        # Go's paths carry the tile height (tile/8/...); the rest is the C2SP encoding.
        assert f"path {index} tile/8/0/{tiles.encode_index(index)}" in lines
    read = {line.removeprefix("read ") for line in lines if line.startswith("read ")}
    assert read == set(payload["tiles"])  # Go asked for exactly the tiles we serve, widths too
    assert "ok tlog.TreeHash" in lines
    assert sum(line.startswith("ok tlog.CheckRecord") for line in lines) == 8
    assert sum(line.startswith("ok tlog.CheckTree") for line in lines) == 5


def test_go_tlog_refuses_an_altered_tile_or_entry(tileread, client, ledger, users):
    client.force_login(users.auditor)
    payload = go_payload(client, ledger)

    altered = json.loads(json.dumps(payload))
    data = bytearray(base64.b64decode(altered["tiles"]["tile/0/001"]))
    data[40] ^= 1
    altered["tiles"]["tile/0/001"] = b64(bytes(data))
    result = run_go(tileread, altered)
    assert result.returncode == 1
    # Hash 1 of tile 0/001 (leaf 257) is altered: every proof that reads that tile fails.
    assert "FAIL tlog.CheckRecord index 300" in result.stdout
    assert "ok tlog.CheckRecord index 0" in result.stdout

    altered = json.loads(json.dumps(payload))
    altered["records"][0]["data"] = b64(base64.b64decode(altered["records"][0]["data"]) + b" ")
    result = run_go(tileread, altered)
    assert result.returncode == 1
    assert "FAIL tlog.CheckRecord index 0" in result.stdout
