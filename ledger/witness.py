"""Witnesses cosign a checkpoint only if it extends what they signed before (spec section 4).

Each witness holds its own key and remembers the last size and root it signed. It cosigns a
checkpoint of size n only after checking the ledger's signature and a consistency proof from its
last size m (m <= n; for m == n the root must be identical; the very first signature needs no
proof). A failed check or a size that went backwards is refused: the refusal is stored in
``ledger_witness_refusal`` for auditors and logged at ERROR, because it means the ledger's history
was forked or rewritten.
"""

from __future__ import annotations

import hashlib
import logging
from base64 import b64encode

from celery import shared_task
from django.db import connections, router, transaction
from django.utils import timezone

from . import keys, merkle, proofs
from .models import Checkpoint, Cosignature, WitnessRefusal, WitnessState
from .notarized import latest_notarized
from .notes import NoteError, open_note, parse_checkpoint

log = logging.getLogger("ledger.witness")


def _lock_key(witness_name: str) -> int:
    digest = hashlib.sha256(b"eport.ledger.witness\n" + witness_name.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _lock(using: str, witness_name: str) -> None:
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(witness_name)])


def cosign(
    witness_name: str, checkpoint: Checkpoint, *, using: str | None = None
) -> Cosignature | None:
    """Cosign the checkpoint if it consistently extends what this witness signed; else refuse.

    Returns the cosignature (the existing one if already signed), or None after recording and
    logging a refusal. Only configured witnesses with a key can cosign.
    """
    if witness_name not in keys.witness_names():
        raise ValueError(f"{witness_name!r} is not a configured witness (EPORT_WITNESSES)")
    signer = keys.signer(witness_name)
    ledger_verifier = keys.ledger_verifier()
    using = using or router.db_for_write(Cosignature)
    with transaction.atomic(using=using):
        _lock(using, witness_name)
        return _cosign(using, witness_name, signer, ledger_verifier, checkpoint)


def _cosign(using, witness_name, signer, ledger_verifier, checkpoint) -> Cosignature | None:
    existing = (
        Cosignature.objects.using(using).filter(checkpoint=checkpoint, witness=witness_name).first()
    )
    if existing is not None:
        return existing
    state = WitnessState.objects.using(using).filter(witness=witness_name).first()
    size, root = checkpoint.size, bytes(checkpoint.root)

    def refuse(reason: str) -> None:
        _refuse(using, witness_name, checkpoint, state, reason)

    try:
        body = open_note(checkpoint.note, [ledger_verifier]).text
        parsed = parse_checkpoint(body)
    except NoteError as error:
        return refuse(f"the checkpoint is not validly signed by the ledger key: {error}")
    if (parsed.origin, parsed.size, parsed.root) != (keys.ledger_key_name(), size, root):
        return refuse(
            f"the signed body says origin {parsed.origin!r}, size {parsed.size}, root "
            f"{b64encode(parsed.root).decode()}, which is not the checkpoint stored as size {size}"
        )
    if state is not None:
        signed_size, signed_root = state.size, bytes(state.root)
        if size < signed_size:
            return refuse(
                f"the size went backwards: this witness already signed size {signed_size}"
            )
        if size == signed_size:
            if root != signed_root:
                return refuse(f"a second, different root for size {size}, which it already signed")
        else:
            try:
                proof = proofs.consistency_proof(signed_size, size, using=using)
                merkle.check_consistency(signed_size, size, signed_root, root, proof)
            except (ValueError, proofs.ProofUnavailable) as error:
                return refuse(
                    f"no valid consistency proof from the size {signed_size} it signed: {error}"
                )
    now = timezone.now()
    cosignature = Cosignature(
        checkpoint=checkpoint, witness=witness_name, line=signer.sign(body), created=now
    )
    cosignature.save(using=using, force_insert=True)
    WitnessState.objects.using(using).update_or_create(
        witness=witness_name, defaults={"size": size, "root": root, "updated": now}
    )
    log.info("%s cosigned checkpoint %d", witness_name, size)
    return cosignature


def _refuse(using, witness_name, checkpoint, state, reason) -> None:
    # Logged every time it happens (an alarm), stored once per witness and checkpoint (evidence).
    log.error(
        "WITNESS REFUSAL: %s refused to cosign checkpoint %d: %s. The ledger's history may have "
        "been forked or rewritten; investigate before trusting any newer checkpoint.",
        witness_name,
        checkpoint.size,
        reason,
    )
    refusals = WitnessRefusal.objects.using(using)
    if not refusals.filter(witness=witness_name, size=checkpoint.size, reason=reason).exists():
        WitnessRefusal(
            witness=witness_name,
            size=checkpoint.size,
            root=bytes(checkpoint.root),
            signed_size=state.size if state else None,
            signed_root=bytes(state.root) if state else None,
            reason=reason,
            created=timezone.now(),
        ).save(using=using, force_insert=True)
    return None


def catch_up(witness_name: str, *, using: str | None = None) -> list[Cosignature]:
    """Cosign, in size order, every checkpoint newer than the last this witness signed.

    Stops at the first refusal: a witness never signs past a checkpoint it could not verify. A
    witness with no history starts at the newest notarized checkpoint, or the first if none is.
    """
    using = using or router.db_for_write(Cosignature)
    state = WitnessState.objects.using(using).filter(witness=witness_name).first()
    checkpoints = Checkpoint.objects.using(using).order_by("size")
    if state is not None:
        checkpoints = checkpoints.filter(size__gt=state.size)
    else:
        newest = latest_notarized(using=using)
        if newest is not None:
            # Older checkpoints are already notarized; a newcomer vouches from the newest one on.
            checkpoints = checkpoints.filter(size__gte=newest.size)
    signed = []
    while batch := list(checkpoints[:200]):
        for checkpoint in batch:
            cosignature = cosign(witness_name, checkpoint, using=using)
            if cosignature is None:
                return signed
            signed.append(cosignature)
        checkpoints = checkpoints.filter(size__gt=batch[-1].size)
    return signed


def refusals(*, witness: str | None = None):
    """Recorded refusals, newest first, for auditors."""
    queryset = WitnessRefusal.objects.all()
    return queryset if witness is None else queryset.filter(witness=witness)


# The task sits beside the service it runs; ledger.tasks re-exports it for Celery's autodiscovery.
@shared_task(name="ledger.cosign")
def cosign_task(witness_name: str) -> int:
    """Let one witness cosign every checkpoint it has not signed yet."""
    return len(catch_up(witness_name))
