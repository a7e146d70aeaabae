"""Which goods need another agency: an import or export licence, or statutory inspection.

A goods item's HS code is under every ``GoodsControl`` whose prefix it starts with. The lines are
read once and kept for up to ``MAX_AGE`` seconds per process. Every change through
``eport.reference.services`` (the admin and the loader included) and
``eport.reference.codes.clear_caches()`` forget them at once in the process that made it; other
processes (the other web workers, the task workers) read the change when their copy ages out.
"""

from __future__ import annotations

import time

from .models import GoodsControl

Measure = GoodsControl.Measure

# A licence's flow -> the measure that makes goods need one.
LICENCE_MEASURES = {"import": Measure.IMPORT_LICENCE, "export": Measure.EXPORT_LICENCE}

# How stale another process's edit may be seen: one list query a minute per process at most.
MAX_AGE = 60.0

_cached: tuple[float, tuple[tuple[str, str], ...]] | None = None


def _lines() -> tuple[tuple[str, str], ...]:
    global _cached
    now = time.monotonic()
    if _cached is None or now - _cached[0] > MAX_AGE:
        _cached = (now, tuple(GoodsControl.objects.values_list("hs_prefix", "measure")))
    return _cached[1]


def clear_cache() -> None:
    """Forget the cached lines; called after every change to them."""
    global _cached
    _cached = None


def controls_for(hs_code: str) -> frozenset[str]:
    """The measures (``GoodsControl.Measure`` values) that goods of ``hs_code`` are under."""
    if not isinstance(hs_code, str) or not hs_code:
        return frozenset()
    return frozenset(measure for prefix, measure in _lines() if hs_code.startswith(prefix))


def needs_licence(hs_code: str, flow: str) -> bool:
    """True when goods of ``hs_code`` need a licence for ``flow`` ("import" or "export")."""
    measure = LICENCE_MEASURES.get(flow)
    return measure is not None and measure in controls_for(hs_code)


def needs_inspection(hs_code: str) -> bool:
    """True when goods of ``hs_code`` are on the statutory inspection list."""
    return Measure.INSPECTION in controls_for(hs_code)
