// tlogcheck verifies an eport checkpoint and its proofs with Go's golang.org/x/mod/sumdb/note and
// sumdb/tlog, the independent implementations the ledger spec promises to interoperate with.
//
// Input (stdin, JSON): {"note", "keys": [verifier keys], "quorum", "records": [{"index", "data",
// "proof"}], "trees": [{"old_size", "old_root", "proof"}]}, bytes in standard base64.
// It prints one line per check and exits 1 at the first failure.
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type record struct {
	Index int64    `json:"index"`
	Data  string   `json:"data"`
	Proof []string `json:"proof"`
}

type tree struct {
	OldSize int64    `json:"old_size"`
	OldRoot string   `json:"old_root"`
	Proof   []string `json:"proof"`
}

type input struct {
	Note    string   `json:"note"`
	Keys    []string `json:"keys"`
	Quorum  int      `json:"quorum"`
	Records []record `json:"records"`
	Trees   []tree   `json:"trees"`
}

func fail(format string, args ...interface{}) {
	fmt.Printf("FAIL "+format+"\n", args...)
	os.Exit(1)
}

func decode(text string) []byte {
	raw, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		fail("base64 %q: %v", text, err)
	}
	return raw
}

func hash(text string) tlog.Hash {
	var h tlog.Hash
	raw := decode(text)
	if len(raw) != len(h) {
		fail("hash of %d bytes", len(raw))
	}
	copy(h[:], raw)
	return h
}

func hashes(texts []string) []tlog.Hash {
	out := make([]tlog.Hash, len(texts))
	for i, text := range texts {
		out[i] = hash(text)
	}
	return out
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fail("input: %v", err)
	}
	var verifiers []note.Verifier
	for _, key := range in.Keys {
		v, err := note.NewVerifier(key)
		if err != nil {
			fail("verifier key %q: %v", key, err)
		}
		verifiers = append(verifiers, v)
	}
	n, err := note.Open([]byte(in.Note), note.VerifierList(verifiers...))
	if err != nil {
		fail("note.Open: %v", err)
	}
	fmt.Printf("ok note.Open: %d signatures verified\n", len(n.Sigs))
	if len(n.Sigs) < 1+in.Quorum {
		fail("only %d verified signatures, need the ledger's and %d witnesses'", len(n.Sigs), in.Quorum)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) != 4 || lines[3] != "" {
		fail("checkpoint body is not three lines: %q", n.Text)
	}
	if n.Sigs[0].Name != lines[0] {
		fail("first signature is by %q, not the origin %q", n.Sigs[0].Name, lines[0])
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("size %q: %v", lines[1], err)
	}
	root := hash(lines[2])
	for _, r := range in.Records {
		leaf := tlog.RecordHash(decode(r.Data))
		if err := tlog.CheckRecord(hashes(r.Proof), size, root, r.Index, leaf); err != nil {
			fail("tlog.CheckRecord index %d size %d: %v", r.Index, size, err)
		}
		fmt.Printf("ok tlog.CheckRecord index %d\n", r.Index)
	}
	for _, t := range in.Trees {
		if err := tlog.CheckTree(hashes(t.Proof), size, root, t.OldSize, hash(t.OldRoot)); err != nil {
			fail("tlog.CheckTree %d -> %d: %v", t.OldSize, size, err)
		}
		fmt.Printf("ok tlog.CheckTree %d -> %d\n", t.OldSize, size)
	}
}
