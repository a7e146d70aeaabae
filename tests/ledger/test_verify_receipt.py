"""Offline receipt verification of spec section 5: honest receipts pass, any altered byte fails."""

import base64
import copy
import hashlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import merkle, notes
from ledger.verify_receipt import (
    CHECKPOINT,
    ENTRY,
    FORMAT,
    INCLUSION,
    KEYS,
    LEDGER_SIGNATURE,
    SUBJECT,
    TREE_SIZE,
    WITNESSES,
    main,
    read_keys,
    verify_receipt,
)

ORIGIN = "eport.example/ledger"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
SIGNATURE_CHECKS = {CHECKPOINT, LEDGER_SIGNATURE, WITNESSES}


def make_signer(name):
    return notes.Signer.from_string(notes.generate_signer(name)[0])


LEDGER_KEY = make_signer(ORIGIN)
BANK = make_signer("bank.witness")
CUSTOMS = make_signer("customs.witness")
KEYS_TEXT = [LEDGER_KEY.verifier_key, BANK.verifier_key, CUSTOMS.verifier_key]


def subject_snapshot(number):
    return {
        "number": f"22012026100000{number:04d}",
        "status": "cleared",
        "lane": "green",
        "items": [{"hs": "8471.30", "value": "1250.00", "description": "ノートパソコン"}],
    }


def entry_bytes(seq, prev, subject=None, **overrides):
    data = {"origin": ORIGIN} if seq == 0 else {"status": "cleared"}
    if subject is not None:
        data["state"] = hashlib.sha256(rfc8785.dumps(subject)).hexdigest()
    entry = {
        "v": 1,
        "seq": seq,
        "time": f"2026-11-27T20:22:{seq:02d}.123456Z",
        "actor": "system:ledger" if seq == 0 else "user:42",
        "action": "ledger.genesis" if seq == 0 else "declaration.cleared",
        "subject": f"ledger:{ORIGIN}" if seq == 0 else f"declaration:{seq}",
        "data": data,
        "prev": prev,
        **overrides,
    }
    return rfc8785.dumps(entry)


class Ledger:
    """A small ledger built in memory: entries, every stored subtree, signed checkpoints."""

    def __init__(self, size=7, entries=None):
        if entries is None:
            entries, prev = [], "0" * 64
            for seq in range(size):
                subject = subject_snapshot(seq) if seq else None
                entries.append(entry_bytes(seq, prev, subject))
                prev = hashlib.sha256(entries[-1]).hexdigest()
        self.entries = entries
        self.frontier = merkle.Frontier()
        self.nodes = {}
        for subtree in self.frontier.extend(merkle.leaf_hash(e) for e in entries):
            self.nodes[(subtree.level, subtree.index)] = subtree.hash

    def checkpoint(self, signers=(LEDGER_KEY, BANK, CUSTOMS), origin=ORIGIN):
        body = notes.checkpoint_body(origin, self.frontier.size, self.frontier.root())
        return notes.sign_note(body, list(signers), timestamp=1_765_000_000)

    def receipt(self, index, *, subject=True, **checkpoint_options):
        plan = merkle.plan_inclusion_proof(index, self.frontier.size)
        proof = plan.assemble({node: self.nodes[node] for node in plan.nodes})
        receipt = {
            "format": "eport-receipt/v1",
            "entry": base64.b64encode(self.entries[index]).decode(),
            "index": index,
            "tree_size": self.frontier.size,
            "inclusion": [base64.b64encode(h).decode() for h in proof],
            "checkpoint": self.checkpoint(**checkpoint_options),
        }
        if subject:
            receipt["subject"] = subject_snapshot(index)
        return receipt


@pytest.fixture(scope="module")
def ledger():
    return Ledger()


def failed_names(report):
    return [check.name for check in report.failed]


def assert_every_failure_explained(report):
    assert not report.valid
    for check in report.failed:
        assert check.detail.strip(), check


# --- Honest receipts ------------------------------------------------------------------------------


def test_an_honest_receipt_passes_every_check(ledger):
    report = verify_receipt(ledger.receipt(5), KEYS_TEXT)

    assert report.valid, str(report)
    assert [check.name for check in report.checks] == [
        KEYS,
        FORMAT,
        CHECKPOINT,
        LEDGER_SIGNATURE,
        WITNESSES,
        TREE_SIZE,
        INCLUSION,
        ENTRY,
        SUBJECT,
    ]
    assert "2 of 2 trusted witnesses signed, quorum 2" in report.get(WITNESSES).detail
    assert str(report).endswith("VALID: the entry is in the notarized ledger")
    assert "✓ inclusion:" in str(report)


def test_witnesses_cosigning_in_cosignature_v1_count_toward_the_quorum(ledger):
    # Witnesses' own cosigning keys (C2SP tlog-cosignature), beside checkpoints made before them.
    bank_v1 = notes.Signer.from_string(
        notes.generate_signer("bank.witness", notes.ALGORITHM_COSIGNATURE_V1)[0]
    )
    customs_v1 = notes.Signer.from_string(
        notes.generate_signer("customs.witness", notes.ALGORITHM_COSIGNATURE_V1)[0]
    )
    keys = [*KEYS_TEXT, bank_v1.verifier_key, customs_v1.verifier_key]
    cosigned = ledger.receipt(5, signers=(LEDGER_KEY, bank_v1, customs_v1))
    older = ledger.receipt(5)

    for receipt in (cosigned, older):
        report = verify_receipt(receipt, keys)
        assert report.valid, str(report)
        assert "2 of 2 trusted witnesses signed, quorum 2" in report.get(WITNESSES).detail
    # A cosigning key named after the ledger never stands for the ledger's own signature.
    impostor = notes.Signer.from_string(
        notes.generate_signer(ORIGIN, notes.ALGORITHM_COSIGNATURE_V1)[0]
    )
    report = verify_receipt(
        ledger.receipt(5, signers=(impostor, BANK, CUSTOMS)), [*KEYS_TEXT, impostor.verifier_key]
    )
    assert failed_names(report) == [LEDGER_SIGNATURE]


@pytest.mark.parametrize("encode", [json.dumps, lambda r: json.dumps(r).encode()])
def test_a_receipt_may_be_given_as_json_text_or_bytes(ledger, encode):
    assert verify_receipt(encode(ledger.receipt(3)), KEYS_TEXT).valid


def test_every_entry_of_every_tree_size_has_a_valid_receipt():
    for size in range(1, 10):
        small = Ledger(size)
        for index in range(size):
            report = verify_receipt(small.receipt(index, subject=index > 0), KEYS_TEXT)
            assert report.valid, (size, index, str(report))


def test_a_receipt_without_a_subject_skips_only_the_subject_check(ledger):
    report = verify_receipt(ledger.receipt(0, subject=False), KEYS_TEXT)

    assert report.valid
    assert report.get(SUBJECT) is None


def test_unknown_signatures_are_ignored_and_reported(ledger):
    stranger = make_signer("stranger.witness")
    receipt = ledger.receipt(2, signers=(LEDGER_KEY, stranger, BANK, CUSTOMS))

    report = verify_receipt(receipt, KEYS_TEXT)

    assert report.valid
    assert "1 signature(s) by untrusted keys ignored" in report.get(WITNESSES).detail


# --- Every single-byte change is caught -----------------------------------------------------------


def test_every_byte_change_in_the_entry_is_rejected(ledger):
    receipt = ledger.receipt(5)
    entry = base64.b64decode(receipt["entry"])
    for position in range(len(entry)):
        changed = bytearray(entry)
        changed[position] ^= 1
        tampered = dict(receipt, entry=base64.b64encode(bytes(changed)).decode())

        report = verify_receipt(tampered, KEYS_TEXT)

        assert INCLUSION in failed_names(report), position
        assert_every_failure_explained(report)


def test_every_byte_change_in_the_inclusion_proof_is_rejected(ledger):
    receipt = ledger.receipt(5)
    for item, encoded in enumerate(receipt["inclusion"]):
        for position in range(merkle.HASH_SIZE):
            changed = bytearray(base64.b64decode(encoded))
            changed[position] ^= 1
            hashes = list(receipt["inclusion"])
            hashes[item] = base64.b64encode(bytes(changed)).decode()

            report = verify_receipt(dict(receipt, inclusion=hashes), KEYS_TEXT)

            assert failed_names(report) == [INCLUSION], (item, position)
            assert "leads to root" in report.get(INCLUSION).detail


def test_every_character_change_in_the_checkpoint_is_rejected(ledger):
    receipt = ledger.receipt(5)
    checkpoint = receipt["checkpoint"]
    body_end = checkpoint.index("\n\n") + 1
    for position, char in enumerate(checkpoint):
        changed = checkpoint[:position] + chr(ord(char) ^ 1) + checkpoint[position + 1 :]

        report = verify_receipt(dict(receipt, checkpoint=changed), KEYS_TEXT)

        failed = set(failed_names(report))
        assert_every_failure_explained(report)
        if position < body_end:
            assert failed & {CHECKPOINT, LEDGER_SIGNATURE}, (position, failed)
        else:
            assert failed & SIGNATURE_CHECKS, (position, failed)
        assert failed <= SIGNATURE_CHECKS | {TREE_SIZE, INCLUSION}, (position, failed)


def test_every_byte_change_in_the_subject_is_rejected(ledger):
    receipt = ledger.receipt(5)
    encoded = rfc8785.dumps(receipt["subject"])
    checked = 0
    for position in range(len(encoded)):
        changed = bytearray(encoded)
        changed[position] ^= 1
        try:
            subject = json.loads(bytes(changed).decode("utf-8"))
        except ValueError:
            continue  # not a JSON object any more: no receipt could carry it
        if not isinstance(subject, dict) or rfc8785.dumps(subject) == encoded:
            continue
        checked += 1

        report = verify_receipt(dict(receipt, subject=subject), KEYS_TEXT)

        assert failed_names(report) == [SUBJECT], position
        assert "is not the entry's data.state" in report.get(SUBJECT).detail
    assert checked > len(encoded) // 2


@pytest.mark.parametrize(
    ("change", "failing"),
    [
        ({"index": 4}, {INCLUSION, ENTRY}),
        ({"index": 6}, {INCLUSION, ENTRY}),
        ({"tree_size": 8}, {TREE_SIZE}),
        ({"tree_size": 6}, {TREE_SIZE}),
    ],
)
def test_a_changed_index_or_tree_size_is_rejected(ledger, change, failing):
    report = verify_receipt(dict(ledger.receipt(5), **change), KEYS_TEXT)

    assert set(failed_names(report)) == failing


# --- Signatures and quorum ------------------------------------------------------------------------


def test_too_few_witness_signatures_miss_the_default_quorum(ledger):
    receipt = ledger.receipt(5, signers=(LEDGER_KEY, BANK))

    report = verify_receipt(receipt, KEYS_TEXT)

    assert failed_names(report) == [WITNESSES]
    assert "1 of 2 trusted witnesses signed, quorum 2" in report.get(WITNESSES).detail
    assert verify_receipt(receipt, KEYS_TEXT, quorum=1).valid


def test_the_default_quorum_is_never_more_than_the_witness_keys_given(ledger):
    receipt = ledger.receipt(5, signers=(LEDGER_KEY, BANK))

    assert verify_receipt(receipt, KEYS_TEXT[:2]).valid
    assert verify_receipt(receipt, KEYS_TEXT[:1]).valid
    assert not verify_receipt(receipt, KEYS_TEXT[:2], quorum=2).valid


def test_a_witness_signature_alone_is_not_the_ledgers(ledger):
    report = verify_receipt(ledger.receipt(5, signers=(BANK, CUSTOMS)), KEYS_TEXT)

    assert failed_names(report) == [LEDGER_SIGNATURE]
    assert f"no signature by the ledger key {ORIGIN}" in report.get(LEDGER_SIGNATURE).detail


def test_the_ledger_key_must_be_trusted(ledger):
    report = verify_receipt(ledger.receipt(5), KEYS_TEXT[1:])

    assert LEDGER_SIGNATURE in failed_names(report)
    assert "no trusted key named" in report.get(LEDGER_SIGNATURE).detail


def test_a_checkpoint_of_another_log_is_rejected_when_the_ledger_is_named():
    other_key = make_signer("other.example/log")
    other = Ledger(7)
    receipt = other.receipt(5, signers=(other_key, BANK, CUSTOMS), origin="other.example/log")
    keys = [*KEYS_TEXT, other_key.verifier_key]

    report = verify_receipt(receipt, keys, ledger_key_name=ORIGIN)

    assert failed_names(report) == [LEDGER_SIGNATURE]
    assert "is not the ledger" in report.get(LEDGER_SIGNATURE).detail


def test_a_forged_signature_by_a_trusted_witness_rejects_the_receipt(ledger):
    receipt = ledger.receipt(5)
    forged = f"— bank.witness {base64.b64encode(BANK.key_id + bytes(64)).decode()}\n"
    body, _ = notes.parse_note(receipt["checkpoint"])
    checkpoint = body + "\n" + LEDGER_KEY.sign(body) + forged + CUSTOMS.sign(body)

    report = verify_receipt(dict(receipt, checkpoint=checkpoint), KEYS_TEXT, quorum=1)

    assert failed_names(report) == [WITNESSES]
    assert f"bank.witness+{BANK.key_id.hex()} does not verify" in report.get(WITNESSES).detail


# --- Entries that are in the tree but wrong -------------------------------------------------------


def test_an_entry_that_is_not_canonical_is_rejected_even_when_included():
    entries = [entry_bytes(0, "0" * 64), b'{"seq": 1, "v": 1}']
    report = verify_receipt(Ledger(entries=entries).receipt(1, subject=False), KEYS_TEXT)

    assert failed_names(report) == [ENTRY]
    assert "not the RFC 8785 canonical encoding" in report.get(ENTRY).detail


def test_an_entry_whose_seq_is_not_its_index_is_rejected_even_when_included():
    entries = [entry_bytes(0, "0" * 64), entry_bytes(7, "0" * 64)]
    report = verify_receipt(Ledger(entries=entries).receipt(1, subject=False), KEYS_TEXT)

    assert failed_names(report) == [ENTRY]
    assert "entry seq 7 is not the receipt index 1" in report.get(ENTRY).detail


@pytest.mark.parametrize(
    "entry", [b"\xff\xfe", b"[1, 2]", b'{"seq": NaN}', b'{"seq": 1, "big": 9007199254740993}']
)
def test_an_entry_that_is_not_a_canonical_json_object_is_explained(entry):
    entries = [entry_bytes(0, "0" * 64), entry]
    report = verify_receipt(Ledger(entries=entries).receipt(1, subject=False), KEYS_TEXT)

    assert failed_names(report) == [ENTRY]
    assert report.get(ENTRY).detail


def test_a_subject_for_an_entry_without_state_is_rejected(ledger):
    receipt = dict(ledger.receipt(0, subject=False), subject={"anything": 1})

    report = verify_receipt(receipt, KEYS_TEXT)

    assert failed_names(report) == [SUBJECT]
    assert "no data.state" in report.get(SUBJECT).detail


# --- Malformed input is a failed check, never an exception ----------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "eport-receipt/v2"}, "format must be 'eport-receipt/v1'"),
        ({"entry": None}, "entry must be a base64 string"),
        ({"entry": "not base64!"}, "entry is not valid base64"),
        ({"entry": "QR=="}, "entry is not canonical base64"),
        ({"index": "5"}, "index must be an integer"),
        ({"index": True}, "index must be an integer"),
        ({"index": 5.0}, "index must be an integer"),
        ({"index": -1}, "index must be at least 0"),
        ({"tree_size": 0}, "tree_size must be at least 1"),
        ({"index": 7}, "index 7 is not below tree_size 7"),
        ({"inclusion": "AAAA"}, "inclusion must be a list"),
        ({"inclusion": ["AAAA"]}, r"inclusion\[0\] is 3 bytes, not 32"),
        ({"checkpoint": 5}, "checkpoint must be the signed note text"),
        ({"subject": [1]}, "subject, when present, must be a JSON object"),
    ],
)
def test_a_malformed_receipt_fails_the_format_check_with_the_reason(ledger, change, message):
    report = verify_receipt(dict(ledger.receipt(5), **change), KEYS_TEXT)

    assert failed_names(report) == [FORMAT]
    assert re.search(message, report.get(FORMAT).detail), report.get(FORMAT).detail


@pytest.mark.parametrize(
    "receipt",
    [b"\xff", "", "[]", "null", "{", '{"format": NaN}', "[" * 100000, 42, None],
)
def test_receipts_that_are_not_json_objects_are_explained(receipt):
    report = verify_receipt(receipt, KEYS_TEXT)

    assert failed_names(report) == [FORMAT]


def test_a_missing_field_is_named(ledger):
    receipt = ledger.receipt(5)
    del receipt["inclusion"]

    assert verify_receipt(receipt, KEYS_TEXT).get(FORMAT).detail == "missing field 'inclusion'"


def test_bad_keys_are_a_failed_check_that_names_the_key(ledger):
    report = verify_receipt(ledger.receipt(5), [KEYS_TEXT[0], "garbage"])

    assert KEYS in failed_names(report)
    assert report.get(KEYS).detail.startswith("key 2: verifier key must look like")
    assert not verify_receipt(ledger.receipt(5), []).valid
    assert not verify_receipt(ledger.receipt(5), None).valid


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(
    field=st.sampled_from(["entry", "index", "tree_size", "inclusion", "checkpoint", "subject"]),
    value=json_values,
)
def test_any_json_in_any_field_gives_a_report_not_an_exception(field, value):
    receipt = Ledger(3).receipt(1)
    receipt[field] = value

    report = verify_receipt(receipt, KEYS_TEXT)

    if not report.valid:
        assert_every_failure_explained(report)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300))
def test_any_bytes_give_a_report_not_an_exception(data):
    assert not verify_receipt(data, KEYS_TEXT).valid


# --- Command line ---------------------------------------------------------------------------------


@pytest.fixture
def files(tmp_path, ledger):
    receipt_path = tmp_path / "receipt.json"
    receipt_path.write_text(json.dumps(ledger.receipt(5)))
    keys_path = tmp_path / "keys.txt"
    keys_path.write_text("# trusted keys\n" + "\n".join(KEYS_TEXT) + "\n\n")
    return receipt_path, keys_path


def test_the_command_line_prints_every_check_and_exits_0_when_valid(files, capsys):
    receipt_path, keys_path = files

    status = main([str(receipt_path), "--keys", str(keys_path)])

    output = capsys.readouterr().out
    assert status == 0
    assert "✓ ledger signature: signed by eport.example/ledger" in output
    assert "✗" not in output


def test_the_command_line_exits_1_naming_the_failed_check(files, capsys):
    receipt_path, keys_path = files
    receipt = json.loads(receipt_path.read_text())
    receipt["tree_size"] += 1
    receipt_path.write_text(json.dumps(receipt))

    status = main([str(receipt_path), "--keys", str(keys_path)])

    output = capsys.readouterr().out
    assert status == 1
    assert "✗ tree size: receipt tree_size 8, checkpoint size 7" in output
    assert output.rstrip().endswith("INVALID: failed tree size")


def test_the_command_line_reads_the_receipt_from_standard_input(files, capsys, monkeypatch):
    receipt_path, keys_path = files
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(receipt_path.read_bytes())))

    assert main(["-", "--keys", str(keys_path), "--quorum", "1"]) == 0


def test_the_command_line_exits_2_on_usage_errors(files, tmp_path, capsys):
    receipt_path, keys_path = files

    assert main([str(tmp_path / "missing.json"), "--keys", str(keys_path)]) == 2
    assert "error:" in capsys.readouterr().err
    for argv in (
        [str(receipt_path)],
        [str(receipt_path), "--keys", str(keys_path), "--quorum", "x"],
    ):
        with pytest.raises(SystemExit) as caught:
            main(argv)
        assert caught.value.code == 2
    with pytest.raises(SystemExit) as caught:
        main([str(receipt_path), "--keys", str(keys_path), "--quorum", "-1"])
    assert caught.value.code == 2


def test_read_keys_skips_blank_lines_and_comments():
    assert read_keys("# comment\n\n  a+b+c  \r\nd+e+f\n") == ["a+b+c", "d+e+f"]


def test_the_verifier_runs_standalone_without_django(files):
    receipt_path, keys_path = files
    check = (
        "import sys, ledger.verify_receipt\n"
        "assert not [m for m in sys.modules if m == 'django' or m.startswith('django.')]\n"
    )
    subprocess.run([sys.executable, "-c", check], cwd=PROJECT_ROOT, check=True)

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ledger.verify_receipt",
            str(receipt_path),
            "--keys",
            str(keys_path),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "VALID" in result.stdout

    usage = subprocess.run(
        [sys.executable, "-m", "ledger.verify_receipt", "--help"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert usage.returncode == 0
    assert "--quorum" in usage.stdout and "default: 2" in usage.stdout


def test_the_receipt_is_not_modified_by_verification(ledger):
    receipt = ledger.receipt(5)
    original = copy.deepcopy(receipt)

    verify_receipt(receipt, KEYS_TEXT)

    assert receipt == original
