// verify_receipt checks an eport receipt (ledger spec section 5) with Go's own transparency-log
// packages, so that a bank can verify a clearance with code it did not get from eport:
//
//	golang.org/x/mod/sumdb/note  note.Open checks the C2SP signed checkpoint (Ed25519 0x01 keys
//	                             with note.NewVerifier; witnesses' C2SP cosignature/v1 0x04 keys
//	                             with the cosigV1Verifier below)
//	golang.org/x/mod/sumdb/tlog  tlog.RecordHash is the RFC 6962 leaf hash SHA-256(0x00 || entry);
//	                             tlog.CheckRecord checks the RFC 9162 inclusion proof
//
// Usage:
//
//	go run verify_receipt.go -keys keys.txt [-quorum 2] receipt.json
//
// keys.txt holds verifier keys, one per line, as served at /ledger/keys: the ledger's key (named
// after the checkpoint's origin, an Ed25519 0x01 key) and the witnesses' (0x01 or cosignature/v1
// 0x04 keys). The exit status is 0 when the receipt is
// valid and 1 when it is not. The receipt's optional "subject" needs an RFC 8785 encoder to
// check, which Go's standard library lacks; this program reports it as not checked.
package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type receipt struct {
	Format     string          `json:"format"`
	Entry      string          `json:"entry"`
	Index      int64           `json:"index"`
	TreeSize   int64           `json:"tree_size"`
	Inclusion  []string        `json:"inclusion"`
	Checkpoint string          `json:"checkpoint"`
	Subject    json.RawMessage `json:"subject"`
}

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

type nameHash struct {
	name string
	hash uint32
}

func main() {
	keysFile := flag.String("keys", "", "file of trusted verifier keys, one per line")
	quorum := flag.Int("quorum", 2, "witness signatures required besides the ledger's")
	flag.Parse()
	if *keysFile == "" || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: verify_receipt -keys KEYSFILE [-quorum N] RECEIPT")
		os.Exit(2)
	}
	if err := verify(*keysFile, flag.Arg(0), *quorum); err != nil {
		fmt.Println("INVALID:", err)
		os.Exit(1)
	}
	fmt.Println("VALID: the entry is in the notarized ledger")
}

func verify(keysFile, receiptFile string, quorum int) error {
	keysText, err := os.ReadFile(keysFile)
	if err != nil {
		return err
	}
	var verifiers []note.Verifier
	cosigners := map[nameHash]bool{} // the keys that are cosignature/v1 (0x04) keys
	for _, line := range strings.Split(string(keysText), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		v, cosigner, err := parseVerifier(line)
		if err != nil {
			return fmt.Errorf("keys: %v", err)
		}
		cosigners[nameHash{v.Name(), v.KeyHash()}] = cosigner
		verifiers = append(verifiers, v)
	}

	raw, err := os.ReadFile(receiptFile)
	if err != nil {
		return err
	}
	var r receipt
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("format: %v", err)
	}
	if r.Format != "eport-receipt/v1" {
		return fmt.Errorf("format: %q is not eport-receipt/v1", r.Format)
	}

	// 1. The checkpoint: signed by the ledger key and a quorum of witnesses.
	n, err := note.Open([]byte(r.Checkpoint), note.VerifierList(verifiers...))
	if err != nil {
		return fmt.Errorf("checkpoint signatures: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) != 4 || lines[3] != "" {
		return errors.New("checkpoint: the body is not exactly three lines")
	}
	origin := lines[0]
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 1 || strconv.FormatInt(size, 10) != lines[1] {
		return fmt.Errorf("checkpoint: bad size %q", lines[1])
	}
	rootBytes, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(rootBytes) != tlog.HashSize {
		return fmt.Errorf("checkpoint: bad root %q", lines[2])
	}
	var root tlog.Hash
	copy(root[:], rootBytes)
	ledgerSigned, witnesses := false, map[string]bool{}
	for _, sig := range n.Sigs {
		if sig.Name == origin {
			// Only the ledger's own Ed25519 (0x01) key signs for the ledger; a cosigning key
			// named after it does not count, for the ledger or as a witness.
			if !cosigners[nameHash{sig.Name, sig.Hash}] {
				ledgerSigned = true
			}
		} else {
			witnesses[sig.Name] = true
		}
	}
	if !ledgerSigned {
		return fmt.Errorf("ledger signature: no valid signature by %s", origin)
	}
	if len(witnesses) < quorum {
		return fmt.Errorf("witnesses: %d signed, quorum %d", len(witnesses), quorum)
	}
	fmt.Printf("✓ checkpoint: %s size %d, signed by %s and %d witness(es)\n", origin, size, origin, len(witnesses))

	// 2. The receipt's tree size is the signed one.
	if r.TreeSize != size {
		return fmt.Errorf("tree size: receipt says %d, checkpoint %d", r.TreeSize, size)
	}

	// 3. The inclusion proof of the entry's leaf hash against the signed root.
	entry, err := base64.StdEncoding.DecodeString(r.Entry)
	if err != nil {
		return fmt.Errorf("entry: %v", err)
	}
	var proof tlog.RecordProof
	for i, item := range r.Inclusion {
		b, err := base64.StdEncoding.DecodeString(item)
		if err != nil || len(b) != tlog.HashSize {
			return fmt.Errorf("inclusion: hash %d is not 32 bytes of base64", i)
		}
		var h tlog.Hash
		copy(h[:], b)
		proof = append(proof, h)
	}
	leaf := tlog.RecordHash(entry) // SHA-256(0x00 || entry bytes), RFC 6962 section 2.1
	if err := tlog.CheckRecord(proof, size, root, r.Index, leaf); err != nil {
		return fmt.Errorf("inclusion: %v", err)
	}
	fmt.Printf("✓ inclusion: leaf %x at index %d leads to the signed root\n", leaf[:], r.Index)

	// 4. The entry is the one at that index.
	var content struct {
		Seq    *int64 `json:"seq"`
		Action string `json:"action"`
	}
	if err := json.Unmarshal(entry, &content); err != nil || content.Seq == nil || *content.Seq != r.Index {
		return errors.New("entry: its seq is not the receipt's index")
	}
	fmt.Printf("✓ entry: seq %d, %s\n", *content.Seq, content.Action)
	if len(r.Subject) > 0 {
		fmt.Println("- subject: not checked here (needs RFC 8785); python -m ledger.verify_receipt checks it")
	}
	return nil
}
