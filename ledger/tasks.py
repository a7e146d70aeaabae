"""Celery tasks: thin wrappers; every range comes from the database, never from arguments.

Each task is defined beside the service it runs (``ledger.notary``, ``ledger.witness``), so the
service that enqueues it imports it without a circle; this module is where Celery finds them.
"""

from .notary import notarize_task as notarize
from .witness import cosign_task as cosign

__all__ = ["cosign", "notarize"]
