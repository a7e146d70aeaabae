"""The log's side of the witness protocol (spec sections 4 and 8, C2SP tlog-witness).

Each alliance member runs its own witness (``ledger.witness_server``) with its own key; eport asks
them over HTTP to cosign its latest checkpoint: ``POST <URL>/add-checkpoint`` with the size the
witness last cosigned, a consistency proof from that size, and the signed checkpoint. A witness
checks the proof against what it cosigned before and answers with its ``cosignature/v1`` line, so
a rewritten or forked history is refused by every member, whoever runs eport's database.

All witnesses are asked at once and waited for at most ``EPORT_WITNESS_TIMEOUT`` seconds in all: a
witness that is down or slow delays nothing beyond that, and is asked again at the next
notarization. A 409 answer names the size the witness really holds; the log follows it once with a
proof from that size. Refusals (403: not the ledger's signature; 422: the proof fails; 409 for a
second root at a size already cosigned, or a size beyond any this ledger has) are stored in
``ledger_witness_refusal`` for auditors and logged at ERROR every time: they mean the history a
member saw and the one this database holds differ.

What the log knows of each witness (the size it last cosigned) is ``WitnessState``; the witness's
own state lives with the witness. A development witness (a bare key name in ``EPORT_WITNESSES``)
is the same ``witness_server.Witness`` run in this process, its key and state in EPORT_KEYS_DIR.
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.error
import urllib.request
from base64 import b64encode
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, TimeoutError, as_completed
from dataclasses import dataclass

from celery import shared_task
from django.db import router, transaction
from django.utils import timezone

from . import conf, keys, proofs, witness_server
from .models import Checkpoint, Cosignature, WitnessRefusal, WitnessState
from .notes import NoteError, open_note

log = logging.getLogger("ledger.witness")

MAX_ANSWER = 64 * 1024  # a witness's answer is a line or a size; more is not a witness
USER_AGENT = "eport-ledger (C2SP tlog-witness client)"


@dataclass(frozen=True)
class Answer:
    """A witness's HTTP answer, or ``status`` 0 with the reason it could not be reached."""

    status: int
    body: bytes = b""
    content_type: str = ""
    problem: str = ""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace").strip()


@dataclass(frozen=True)
class Outcome:
    """What asking one witness came to: ``cosigned``, ``refused`` or ``failed``."""

    witness: str
    result: str
    detail: str = ""
    cosignature: Cosignature | None = None


# --- Transports -----------------------------------------------------------------------------------


def _post_http(url: str, body: bytes, timeout: float) -> Answer:
    # The URL's scheme was checked to be http or https when the configuration was read.
    request = urllib.request.Request(  # noqa: S310
        url + "/add-checkpoint",
        data=body,
        method="POST",
        headers={"Content-Type": "text/plain; charset=utf-8", "User-Agent": USER_AGENT},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return Answer(
                response.status, response.read(MAX_ANSWER), response.headers.get_content_type()
            )
    except urllib.error.HTTPError as error:
        with error:
            return Answer(error.code, error.read(MAX_ANSWER), error.headers.get_content_type())
    except (OSError, ValueError) as error:  # refused, reset, timed out, bad URL, TLS failure
        return Answer(0, problem=str(getattr(error, "reason", error)) or type(error).__name__)


_local: dict[tuple, witness_server.Witness] = {}
_local_lock = threading.Lock()


def local_witness(name: str) -> witness_server.Witness:
    """The development witness ``name``, run in this process from its key in EPORT_KEYS_DIR.

    It is the witness program itself (``witness_server.Witness``), trusting the ledger's key, with
    its state in ``<EPORT_KEYS_DIR>/<name>.state.sqlite3``.
    """
    signer = keys.signer(name)
    ledger = keys.ledger_verifier()
    state = keys.key_file(name, ".state.sqlite3")
    cache_key = (name, signer.key_id, str(ledger), str(state))
    with _local_lock:
        found = _local.get(cache_key)
        if found is None:
            if not signer.cosigner:
                raise keys.KeyNotFound(
                    f"the development witness key of {name!r} in {keys.key_file(name)} is a plain "
                    "0x01 key; witnesses cosign in cosignature/v1 now: remove the file and run "
                    "`manage.py ledger_keygen` to make a new one"
                )
            found = _local[cache_key] = witness_server.Witness(signer, [ledger], state)
    return found


def _post(endpoint: keys.WitnessEndpoint, body: bytes, timeout: float) -> Answer:
    if endpoint.remote:
        return _post_http(endpoint.url, body, timeout)
    try:
        response = local_witness(endpoint.name).add_checkpoint(body)
    except (keys.KeyNotFound, OSError, ValueError) as error:
        return Answer(0, problem=str(error))
    return Answer(response.status, response.body, response.content_type.split(";")[0])


def _post_all(requests: dict[str, tuple[keys.WitnessEndpoint, bytes]], deadline: float):
    """Send every request at once; yield ``(name, answer)`` as each arrives, then the witnesses
    that did not answer by the deadline, so each cosignature is stored the moment it comes."""
    if not requests:
        return
    pool = ThreadPoolExecutor(max_workers=len(requests), thread_name_prefix="witness")
    try:
        futures = {
            pool.submit(_post, endpoint, body, max(0.05, deadline - time.monotonic())): name
            for name, (endpoint, body) in requests.items()
        }
        answered = set()
        try:
            # Each request has its own timeout; the grace covers a thread's start and its clock.
            for future in as_completed(
                futures, timeout=max(0.0, deadline - time.monotonic()) + 0.5
            ):
                answered.add(futures[future])
                yield futures[future], future.result()
        except TimeoutError:
            pass
        for name in requests:
            if name not in answered:
                yield name, Answer(0, problem="no answer within EPORT_WITNESS_TIMEOUT")
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # a late thread ends at its own timeout


# --- Asking witnesses -----------------------------------------------------------------------------


def request_body(old_size: int, checkpoint: Checkpoint, *, using: str) -> bytes:
    """The add-checkpoint body: ``old <size>``, the consistency proof, a blank line, the note."""
    proof = []
    if 0 < old_size < checkpoint.size:
        proof = proofs.consistency_proof(old_size, checkpoint.size, using=using)
    lines = [f"old {old_size}\n", *(b64encode(hash_).decode() + "\n" for hash_ in proof), "\n"]
    return ("".join(lines) + checkpoint.note).encode("utf-8")


def ask(
    checkpoints: dict[str, Checkpoint], *, using: str | None = None, timeout: float | None = None
) -> dict[str, Outcome]:
    """Ask each named witness, all at once, to cosign its checkpoint; return the outcomes.

    Cosignatures are verified with the witness's configured key before they are stored.
    """
    using = using or router.db_for_write(Cosignature)
    deadline = time.monotonic() + (conf.witness_timeout() if timeout is None else timeout)
    endpoints = {endpoint.name: endpoint for endpoint in keys.witness_endpoints()}
    unknown = set(checkpoints) - set(endpoints)
    if unknown:
        raise ValueError(f"{sorted(unknown)!r} not configured witnesses (EPORT_WITNESSES)")
    known = dict(WitnessState.objects.using(using).values_list("witness", "size"))
    old = {name: known.get(name, 0) for name in checkpoints}
    # A size the witness holds beyond the checkpoint cannot be proved; start from 0 and follow.
    old = {name: size if size <= checkpoints[name].size else 0 for name, size in old.items()}
    outcomes: dict[str, Outcome] = {}
    pending = dict(checkpoints)
    for attempt in range(2):
        requests = {}
        for name, checkpoint in pending.items():
            try:
                requests[name] = (endpoints[name], request_body(old[name], checkpoint, using=using))
            except proofs.ProofUnavailable as error:
                outcomes[name] = _refused(
                    using,
                    name,
                    checkpoint,
                    old[name],
                    f"no consistency proof from size "
                    f"{old[name]}, which the witness cosigned, can be made: {error}",
                )
        follow = {}
        # Each answer is acted on as it arrives: the checkpoint is notarized once the quorum's
        # cosignatures are stored, while a slow witness still has until the deadline.
        for name, answer in _post_all(requests, deadline):
            checkpoint = pending[name]
            if answer.status == 409 and attempt == 0:
                size = _size(answer)
                if size is not None and size != old[name] and size <= checkpoint.size:
                    old[name] = size  # the witness holds another size: prove from there
                    follow[name] = checkpoint
                    continue
            outcomes[name] = _outcome(using, endpoints[name], checkpoint, old[name], answer)
        pending = follow
        if not pending:
            break
    return outcomes


def _size(answer: Answer) -> int | None:
    text = answer.text
    if answer.content_type != witness_server.SIZE_CONTENT_TYPE or not text.isdigit():
        return None
    return int(text)


def _outcome(
    using: str, endpoint: keys.WitnessEndpoint, checkpoint: Checkpoint, old: int, answer: Answer
) -> Outcome:
    name, size = endpoint.name, checkpoint.size
    if answer.status == 200:
        return _store(using, endpoint, checkpoint, answer)
    if answer.status == 0:
        log.warning("witness %s is unreachable: %s", name, answer.problem)
        return Outcome(name, "failed", f"unreachable: {answer.problem}")
    if answer.status == 409:
        held = _size(answer)
        if held is None:
            why = f"409 without a size it holds: {answer.text[:200]!r}"
        elif held > size:
            why = (
                f"it already cosigned size {held}, larger than this checkpoint's {size}: the log "
                "went backwards, losing or rewriting entries that witness had seen"
            )
        else:
            why = f"a second, different root for size {held}, which it already cosigned"
        return _refused(using, name, checkpoint, held, why)
    if answer.status in (403, 422):
        what = "not the ledger's signature" if answer.status == 403 else "the proof fails"
        return _refused(
            using, name, checkpoint, old, f"{answer.status} ({what}): {answer.text[:500]}"
        )
    log.error(
        "witness %s answered %d to checkpoint %d: %s", name, answer.status, size, answer.text[:500]
    )
    return Outcome(name, "failed", f"{answer.status}: {answer.text[:200]}")


def _store(
    using: str, endpoint: keys.WitnessEndpoint, checkpoint: Checkpoint, answer: Answer
) -> Outcome:
    name = endpoint.name
    verifier = keys.verifier(name)
    try:
        opened = open_note(checkpoint.note + answer.body.decode("utf-8"), [verifier])
        line = next(
            signature.line
            for signature in opened.signatures
            if (signature.name, signature.key_id) == (verifier.name, verifier.key_id)
        )
    except (NoteError, UnicodeDecodeError, StopIteration) as error:
        log.error("witness %s answered 200 without a valid cosignature: %s", name, error)
        return Outcome(name, "failed", f"no valid cosignature in its answer: {error}")
    now = timezone.now()
    with transaction.atomic(using=using):
        Cosignature.objects.using(using).bulk_create(
            [Cosignature(checkpoint=checkpoint, witness=name, line=line, created=now)],
            ignore_conflicts=True,  # a concurrent notarization stored it first: same checkpoint
        )
        states = WitnessState.objects.using(using)
        fields = {"size": checkpoint.size, "root": bytes(checkpoint.root), "updated": now}
        moved = states.filter(witness=name, size__lte=checkpoint.size).update(**fields)
        if not moved and not states.filter(witness=name).exists():
            states.bulk_create([WitnessState(witness=name, **fields)], ignore_conflicts=True)
    stored = Cosignature.objects.using(using).get(checkpoint=checkpoint, witness=name)
    log.info("%s cosigned checkpoint %d", name, checkpoint.size)
    return Outcome(name, "cosigned", cosignature=stored)


def _refused(using: str, name: str, checkpoint: Checkpoint, held: int | None, why: str) -> Outcome:
    # Logged every time it happens (an alarm), stored once per witness and reason (evidence).
    log.error(
        "WITNESS REFUSAL: %s refused to cosign checkpoint %d: %s. The ledger's history may have "
        "been forked or rewritten; investigate before trusting any newer checkpoint.",
        name,
        checkpoint.size,
        why,
    )
    state = WitnessState.objects.using(using).filter(witness=name).first()
    refusals = WitnessRefusal.objects.using(using)
    if not refusals.filter(witness=name, size=checkpoint.size, reason=why).exists():
        WitnessRefusal(
            witness=name,
            size=checkpoint.size,
            root=bytes(checkpoint.root),
            signed_size=held if held else (state.size if state else None),
            signed_root=bytes(state.root) if state and (not held or held == state.size) else None,
            reason=why,
            created=timezone.now(),
        ).save(using=using, force_insert=True)
    return Outcome(name, "refused", why)


def cosign(witness_name: str, checkpoint: Checkpoint, *, using: str | None = None):
    """Ask one witness to cosign one checkpoint; the cosignature, or None (refused or failed)."""
    if witness_name not in keys.witness_names():
        raise ValueError(f"{witness_name!r} is not a configured witness (EPORT_WITNESSES)")
    using = using or router.db_for_write(Cosignature)
    existing = (
        Cosignature.objects.using(using).filter(checkpoint=checkpoint, witness=witness_name).first()
    )
    if existing is not None:
        return existing
    return ask({witness_name: checkpoint}, using=using)[witness_name].cosignature


def pending(*, using: str | None = None) -> tuple[Checkpoint | None, list[str]]:
    """The latest checkpoint and the configured witnesses that have not cosigned it."""
    using = using or router.db_for_read(Checkpoint)
    latest = Checkpoint.objects.using(using).order_by("-size").first()
    if latest is None:
        return None, []
    signed = set(
        Cosignature.objects.using(using).filter(checkpoint=latest).values_list("witness", flat=True)
    )
    return latest, [name for name in keys.witness_names() if name not in signed]


def catch_up(names: Iterable[str] | None = None, *, using: str | None = None) -> dict[str, Outcome]:
    """Ask every witness that has not cosigned the latest checkpoint to cosign it, all at once.

    A witness only ever needs the latest: its consistency proof covers every checkpoint between.
    """
    using = using or router.db_for_write(Cosignature)
    latest, behind = pending(using=using)
    if names is not None:
        behind = [name for name in behind if name in set(names)]
    if latest is None or not behind:
        return {}
    return ask(dict.fromkeys(behind, latest), using=using)


def refusals(*, witness: str | None = None):
    """Recorded refusals, newest first, for auditors."""
    queryset = WitnessRefusal.objects.all()
    return queryset if witness is None else queryset.filter(witness=witness)


# The task sits beside the service it runs; ledger.tasks re-exports it for Celery's autodiscovery.
@shared_task(name="ledger.cosign")
def cosign_task(witness_name: str | None = None) -> int:
    """Ask the witnesses behind (or just one) to cosign the latest checkpoint; count the new."""
    outcomes = catch_up(None if witness_name is None else [witness_name])
    return sum(outcome.result == "cosigned" for outcome in outcomes.values())
