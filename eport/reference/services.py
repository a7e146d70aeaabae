"""Changes to tariff lines and goods controls; each commits with its ledger entry (``tariff.*``,
``control.*``).

A tariff line's HS prefix is its identity (its ledger subject is ``tariff:<prefix>``): it never
changes, and a different prefix is a different line. A goods control's identity is its measure and
prefix (``control:<measure>:<prefix>``) alike. Every change to either goes through here, the
reference loader's shipped illustrative lines included.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from eport.core.actors import Actor
from eport.core.ledgering import (
    delete_and_record,
    model_snapshot,
    record_model_change,
    update_and_record,
)

from . import controls
from .models import GoodsControl, TariffLine

Rate = Decimal | str | int


@transaction.atomic
def create_tariff_line(
    *,
    actor: Actor,
    hs_prefix: str,
    duty_rate: Rate,
    vat_rate: Rate,
    description: str = "",
    illustrative: bool = True,
) -> TariffLine:
    """Add the line for an unused HS prefix with valid rates and record ``tariff.created``."""
    line = TariffLine(
        hs_prefix=(hs_prefix or "").strip(),
        description=(description or "").strip(),
        duty_rate=duty_rate,
        vat_rate=vat_rate,
        illustrative=bool(illustrative),
    )
    # Also turns the rates into the Decimals the column stores.
    line.full_clean(validate_unique=False, validate_constraints=False)
    if TariffLine.objects.filter(hs_prefix=line.hs_prefix).exists():
        raise ValidationError(
            {
                "hs_prefix": _("A tariff line for HS prefix %(prefix)s already exists.")
                % {"prefix": line.hs_prefix}
            }
        )
    line.save()
    record_model_change(actor=actor, instance=line, action="created", changed=model_snapshot(line))
    return line


@transaction.atomic
def update_tariff_line(
    *,
    line: TariffLine,
    actor: Actor,
    description: str | None = None,
    duty_rate: Rate | None = None,
    vat_rate: Rate | None = None,
    illustrative: bool | None = None,
    reason: str = "",
) -> TariffLine:
    """Change a line's description, rates or status; record ``tariff.updated`` if any changed."""
    line = TariffLine.objects.select_for_update().get(pk=line.pk)
    changes: dict[str, object] = {}
    if description is not None:
        changes["description"] = description.strip()
    if duty_rate is not None:
        changes["duty_rate"] = duty_rate
    if vat_rate is not None:
        changes["vat_rate"] = vat_rate
    if illustrative is not None:
        changes["illustrative"] = bool(illustrative)
    update_and_record(actor=actor, instance=line, changes=changes, reason=reason)
    return line


@transaction.atomic
def delete_tariff_line(*, line: TariffLine, actor: Actor, reason: str = "") -> None:
    """Remove a line and record ``tariff.deleted`` with its last state."""
    # Goods items keep the duty computed when they were assessed, so no history depends on the
    # line itself; goods declared later fall back to a shorter matching prefix, if any.
    line = TariffLine.objects.select_for_update().get(pk=line.pk)
    delete_and_record(actor=actor, instance=line, reason=reason)


# Goods controls -------------------------------------------------------------------------------


def _forget_controls() -> None:
    # The next lookup in this transaction must see the change, and so must every lookup after it
    # commits (a lookup made in between would have cached the uncommitted rows).
    controls.clear_cache()
    transaction.on_commit(controls.clear_cache)


@transaction.atomic
def create_goods_control(
    *,
    actor: Actor,
    hs_prefix: str,
    measure: str,
    description: str = "",
    illustrative: bool = True,
) -> GoodsControl:
    """Put goods of an HS prefix under a measure not yet on it; record ``control.created``."""
    control = GoodsControl(
        hs_prefix=(hs_prefix or "").strip(),
        measure=measure,
        description=(description or "").strip(),
        illustrative=bool(illustrative),
    )
    control.full_clean(validate_unique=False, validate_constraints=False)
    if GoodsControl.objects.filter(measure=control.measure, hs_prefix=control.hs_prefix).exists():
        raise ValidationError(
            {
                "hs_prefix": _("HS prefix %(prefix)s is already under %(measure)s.")
                % {"prefix": control.hs_prefix, "measure": control.get_measure_display()}
            }
        )
    control.save()
    record_model_change(
        actor=actor, instance=control, action="created", changed=model_snapshot(control)
    )
    _forget_controls()
    return control


@transaction.atomic
def update_goods_control(
    *,
    control: GoodsControl,
    actor: Actor,
    description: str | None = None,
    illustrative: bool | None = None,
    reason: str = "",
) -> GoodsControl:
    """Change a control's description or status; record ``control.updated`` if either changed."""
    control = GoodsControl.objects.select_for_update().get(pk=control.pk)
    changes: dict[str, object] = {}
    if description is not None:
        changes["description"] = description.strip()
    if illustrative is not None:
        changes["illustrative"] = bool(illustrative)
    update_and_record(actor=actor, instance=control, changes=changes, reason=reason)
    _forget_controls()
    return control


@transaction.atomic
def delete_goods_control(*, control: GoodsControl, actor: Actor, reason: str = "") -> None:
    """Lift a control and record ``control.deleted`` with its last state."""
    # Declarations submitted under it keep what was checked then (their items' licence numbers
    # and inspection results); only goods declared later are free of it.
    control = GoodsControl.objects.select_for_update().get(pk=control.pk)
    delete_and_record(actor=actor, instance=control, reason=reason)
    _forget_controls()
