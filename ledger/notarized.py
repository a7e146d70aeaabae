"""Which checkpoints count as notarized: signed by the ledger and a quorum of witnesses.

Shared by the notary, the witnesses, verification, receipts and the public /ledger/ views, and it
imports none of them, so each can import it at the top of the module.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db import router
from django.db.models import Count, OuterRef, Subquery

from . import conf, keys
from .models import Checkpoint, Cosignature


def quorum() -> int:
    """The number of configured witnesses whose cosignatures make a checkpoint notarized."""
    value = conf.witness_quorum()
    witnesses = keys.witness_names()
    if not isinstance(value, int) or not 0 <= value <= len(witnesses):
        raise ImproperlyConfigured(
            f"EPORT_WITNESS_QUORUM is {value!r}; it must be between 0 and the "
            f"{len(witnesses)} configured witnesses"
        )
    return value


def _cosignature_count():
    return Subquery(
        Cosignature.objects.filter(checkpoint=OuterRef("pk"), witness__in=keys.witness_names())
        .order_by()
        .values("checkpoint")
        .annotate(count=Count("id"))
        .values("count")
    )


def notarized_checkpoints(*, using: str | None = None):
    """Checkpoints signed by the ledger and by at least the quorum of configured witnesses."""
    queryset = Checkpoint.objects.using(using or router.db_for_read(Checkpoint))
    needed = quorum()
    if needed == 0:
        return queryset
    return queryset.alias(cosigned=_cosignature_count()).filter(cosigned__gte=needed)


_COSIGNED_AT_LEAST = (
    " AND (SELECT COUNT(*) FROM ledger_cosignature s WHERE s.checkpoint_size = c.size"
    " AND s.witness IN ({names})) >= %s"
)


def _notarized_raw(where: str, params: list, order: str, using: str | None) -> Checkpoint | None:
    # Raw SQL: the ORM's correlated-subquery compilation cost more than the query itself, and
    # every proof request looks up its checkpoint.
    needed = quorum()
    names = keys.witness_names()
    condition = where
    if needed:
        placeholders = ", ".join(["%s"] * len(names))
        condition += _COSIGNED_AT_LEAST.replace("{names}", placeholders)
        params = [*params, *names, needed]
    # Only constant fragments and placeholders are joined here; values travel as parameters.
    sql = "SELECT c.size, c.root, c.note, c.created FROM ledger_checkpoint c WHERE "
    sql += condition + " ORDER BY c.size " + order + " LIMIT 1"
    found = list(Checkpoint.objects.using(using or router.db_for_read(Checkpoint)).raw(sql, params))
    return found[0] if found else None


def latest_notarized(*, using: str | None = None) -> Checkpoint | None:
    """The notarized checkpoint of the largest size, or None."""
    return _notarized_raw("c.size > 0", [], "DESC", using)


def notarized(size: int, *, using: str | None = None) -> Checkpoint | None:
    """The notarized checkpoint of exactly this size, or None."""
    return _notarized_raw("c.size = %s", [size], "ASC", using)


def is_notarized(checkpoint: Checkpoint) -> bool:
    """True once the checkpoint carries the quorum of configured witnesses' cosignatures."""
    return notarized_checkpoints().filter(size=checkpoint.size).exists()


def signed_note(checkpoint: Checkpoint) -> str:
    """The checkpoint's signed note: the ledger's signature, then each cosignature as it came."""
    lines = checkpoint.cosignatures.order_by("id").values_list("line", flat=True)
    return checkpoint.note + "".join(lines)
