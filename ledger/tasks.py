"""Celery tasks: thin wrappers; every range comes from the database, never from arguments."""

from celery import shared_task

from . import notary, witness


@shared_task(name="ledger.notarize")
def notarize() -> int:
    """Notarize every entry appended since the last checkpoint, then ask witnesses to cosign."""
    return len(notary.notarize_pending(cosign="tasks"))


@shared_task(name="ledger.cosign")
def cosign(witness_name: str) -> int:
    """Let one witness cosign every checkpoint it has not signed yet."""
    return len(witness.catch_up(witness_name))
