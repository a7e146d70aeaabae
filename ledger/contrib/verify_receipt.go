// verify_receipt checks an eport receipt (ledger spec section 5) with Go's own transparency-log
// packages, so that a bank can verify a clearance with code it did not get from eport:
//
//	golang.org/x/mod/sumdb/note  note.Open checks the C2SP signed checkpoint (Ed25519)
//	golang.org/x/mod/sumdb/tlog  tlog.RecordHash is the RFC 6962 leaf hash SHA-256(0x00 || entry);
//	                             tlog.CheckRecord checks the RFC 9162 inclusion proof
//
// Usage:
//
//	go run verify_receipt.go -keys keys.txt [-quorum 2] receipt.json
//
// keys.txt holds verifier keys, one per line, as served at /ledger/keys: the ledger's key (named
// after the checkpoint's origin) and the witnesses'. The exit status is 0 when the receipt is
// valid and 1 when it is not. The receipt's optional "subject" needs an RFC 8785 encoder to
// check, which Go's standard library lacks; this program reports it as not checked.
package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

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
	for _, line := range strings.Split(string(keysText), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		v, err := note.NewVerifier(line)
		if err != nil {
			return fmt.Errorf("keys: %v", err)
		}
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
			ledgerSigned = true
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
