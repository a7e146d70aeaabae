"""Which goods need another agency: an import or export licence, or statutory inspection.

A goods item's HS code is under every ``GoodsControl`` whose prefix it starts with. The lines are
read once per process and kept; every change through ``eport.reference.services`` (the admin and
the loader included) and ``eport.reference.codes.clear_caches()`` forget them, so the next lookup
reads them afresh.
"""

from __future__ import annotations

from functools import lru_cache

from .models import GoodsControl

Measure = GoodsControl.Measure

# A licence's flow -> the measure that makes goods need one.
LICENCE_MEASURES = {"import": Measure.IMPORT_LICENCE, "export": Measure.EXPORT_LICENCE}


@lru_cache(maxsize=1)
def _lines() -> tuple[tuple[str, str], ...]:
    return tuple(GoodsControl.objects.values_list("hs_prefix", "measure"))


def clear_cache() -> None:
    """Forget the cached lines; called after every change to them."""
    _lines.cache_clear()


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
