"""The checkpoints part of a verification run, and the witnesses' standing for the workspace."""

from __future__ import annotations

from dataclasses import dataclass, field

from ledger import keys, merkle, notary, notes, proofs
from ledger.models import Checkpoint, WitnessRefusal, WitnessState


@dataclass
class CheckpointOutcome:
    ok: bool = True
    checked: int = 0
    lines: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        if self.ok:
            return f"{self.checked:,} checkpoint(s) verified"
        return "checkpoints BROKEN: " + "; ".join(self.lines[:3])

    @property
    def text(self) -> str:
        return "\n".join([self.summary, *self.lines])


def verify_checkpoints(*, head_seq: int | None) -> CheckpointOutcome:
    """Check every checkpoint: signatures by the configured keys, a size within the verified
    chain, its root equal to the stored tree's, and each one consistent with the one before."""
    outcome = CheckpointOutcome()
    verifiers = [keys.ledger_verifier(), *keys.witness_verifiers().values()]
    ledger_name = keys.ledger_key_name()
    witness_names = set(keys.witness_names())
    quorum = notary.quorum()
    previous: tuple[int, bytes] | None = None
    # The newest checkpoint may still be waiting for its cosignatures; older ones may not.
    latest = Checkpoint.objects.order_by("-size").values_list("size", flat=True).first()
    rows = Checkpoint.objects.order_by("size").iterator(chunk_size=500)
    for checkpoint in rows:
        problem = _problem(checkpoint, head_seq, verifiers, ledger_name, witness_names, quorum)
        if problem is None and checkpoint.size != latest:
            problem = _quorum_problem(checkpoint, witness_names, verifiers, quorum)
        root = bytes(checkpoint.root)
        if problem is None and previous is not None:
            old_size, old_root = previous
            try:
                proof = proofs.consistency_proof(old_size, checkpoint.size)
                merkle.check_consistency(old_size, checkpoint.size, old_root, root, proof)
            except (ValueError, merkle.ProofError) as error:
                problem = f"not consistent with checkpoint {old_size}: {error}"
        if problem is not None:
            outcome.ok = False
            outcome.lines.append(f"checkpoint {checkpoint.size}: {problem}")
        previous = (checkpoint.size, root)
        outcome.checked += 1
    return outcome


def _problem(checkpoint, head_seq, verifiers, ledger_name, witness_names, quorum) -> str | None:
    if head_seq is None or checkpoint.size > head_seq + 1:
        return f"commits to {checkpoint.size} entries but the verified chain is shorter"
    try:
        opened = notes.open_note(notary.signed_note(checkpoint), verifiers)
        header = notes.parse_checkpoint(opened.text)
    except (notes.NoteError, ValueError) as error:
        return f"signed note does not open: {error}"
    signers = set(opened.signed_by)
    if ledger_name not in signers:
        return f"not signed by the ledger key {ledger_name}"
    if header.size != checkpoint.size or header.root != bytes(checkpoint.root):
        return "the signed body does not match the stored size and root"
    try:
        stored_root = proofs.root(checkpoint.size)
    except (ValueError, proofs.ProofUnavailable) as error:
        return f"the stored tree cannot give its root: {error}"
    if stored_root != header.root:
        return f"signed root {header.root.hex()} is not the stored tree's {stored_root.hex()}"
    return None


def _quorum_problem(checkpoint, witness_names, verifiers, quorum) -> str | None:
    opened = notes.open_note(notary.signed_note(checkpoint), verifiers)
    cosigned = set(opened.signed_by) & witness_names
    if len(cosigned) < quorum:
        return f"only {len(cosigned)} witness signature(s) of the quorum of {quorum}"
    return None


@dataclass(frozen=True)
class WitnessStanding:
    name: str
    signed_size: int | None
    behind: int
    refusals: int
    last_refusal: WitnessRefusal | None


def witness_standing() -> list[WitnessStanding]:
    """For each configured witness: the last size it signed, how far behind it is, refusals."""
    latest = Checkpoint.objects.order_by("-size").values_list("size", flat=True).first() or 0
    states = {state.witness: state for state in WitnessState.objects.all()}
    standing = []
    for name in keys.witness_names():
        state = states.get(name)
        refusals = WitnessRefusal.objects.filter(witness=name)
        standing.append(
            WitnessStanding(
                name=name,
                signed_size=state.size if state else None,
                behind=latest - (state.size if state else 0),
                refusals=refusals.count(),
                last_refusal=refusals.order_by("-id").first(),
            )
        )
    return standing
