// tlogcheck verifies an eport checkpoint and its proofs with Go's golang.org/x/mod/sumdb/note and
// sumdb/tlog, the independent implementations the ledger spec promises to interoperate with.
//
// Input (stdin, JSON): {"note", "keys": [verifier keys], "quorum", "records": [{"index", "data",
// "proof"}], "trees": [{"old_size", "old_root", "proof"}]}, bytes in standard base64.
// It prints one line per check and exits 1 at the first failure.
package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

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

// Witnesses cosign in C2SP cosignature/v1 (0x04 keys), which note.NewVerifier does not know;
// note.Open takes any note.Verifier, so this one checks them (as ledger/contrib/verify_receipt.go).

// algCosignatureV1 is the C2SP tlog-cosignature key type: Ed25519 over a timestamped message.
const algCosignatureV1 = 0x04

// cosigV1Verifier checks C2SP cosignature/v1 signatures for note.Open. Go passes Verify the note
// body; the signature is an 8-byte big-endian timestamp followed by a 64-byte Ed25519 signature
// of "cosignature/v1\ntime <timestamp>\n" || body.
type cosigV1Verifier struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

func (v *cosigV1Verifier) Name() string    { return v.name }
func (v *cosigV1Verifier) KeyHash() uint32 { return v.hash }

func (v *cosigV1Verifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig[:8])
	m := []byte("cosignature/v1\ntime " + strconv.FormatUint(t, 10) + "\n")
	m = append(m, msg...)
	return ed25519.Verify(v.key, m, sig[8:])
}

// keyHash is the C2SP signed-note key id: the first 4 bytes of SHA-256(name || "\n" || type ||
// public key), as a big-endian uint32.
func keyHash(name string, typedKey []byte) uint32 {
	h := sha256.New()
	h.Write([]byte(name + "\n"))
	h.Write(typedKey)
	return binary.BigEndian.Uint32(h.Sum(nil)[:4])
}

// parseVerifier reads one verifier key line "name+hash+base64(type || key)": a 0x04 key becomes
// a cosigV1Verifier, anything else goes to note.NewVerifier (which knows Ed25519 0x01 keys). The
// result tells whether the key is a cosigning key.
func parseVerifier(line string) (note.Verifier, bool, error) {
	parts := strings.SplitN(line, "+", 3)
	if len(parts) == 3 {
		typed, err := base64.StdEncoding.DecodeString(parts[2])
		if err == nil && len(typed) > 0 && typed[0] == algCosignatureV1 {
			name, hash16 := parts[0], parts[1]
			hash, err := strconv.ParseUint(hash16, 16, 32)
			if err != nil || len(hash16) != 8 || !validName(name) {
				return nil, false, fmt.Errorf("malformed verifier key %q", line)
			}
			if len(typed) != 1+ed25519.PublicKeySize {
				return nil, false, fmt.Errorf("cosignature/v1 key %s: bad public key length", name)
			}
			if keyHash(name, typed) != uint32(hash) {
				return nil, false, fmt.Errorf("cosignature/v1 key %s: key id does not match the key", name)
			}
			key := ed25519.PublicKey(append([]byte(nil), typed[1:]...))
			return &cosigV1Verifier{name: name, hash: uint32(hash), key: key}, true, nil
		}
	}
	v, err := note.NewVerifier(line)
	return v, false, err
}

// validName is note's rule for key names: non-empty UTF-8 without spaces or '+'.
func validName(name string) bool {
	return name != "" && utf8.ValidString(name) && strings.IndexFunc(name, unicode.IsSpace) < 0 &&
		!strings.Contains(name, "+")
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fail("input: %v", err)
	}
	var verifiers []note.Verifier
	for _, key := range in.Keys {
		v, _, err := parseVerifier(key)
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
