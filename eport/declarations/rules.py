"""Changes to risk rules; each one commits with its ledger entry (``risk_rule.*``).

A rule's parameter is read here by the risk engine's own reader (``risk.parse_parameter``), so
every rule that is saved is one the engine can apply at the next submission.
"""

from __future__ import annotations

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

from .models import RiskRule
from .risk import RiskRuleError, parse_parameter


def check_rule_parameter(kind: str, parameter: str) -> None:
    """Raise ValidationError, on ``kind`` or ``parameter``, unless the engine can read the rule."""
    if kind not in RiskRule.Kind.values:
        raise ValidationError(
            {
                "kind": _("%(kind)r is not a kind of risk rule; choose one of %(choices)s.")
                % {"kind": kind, "choices": ", ".join(RiskRule.Kind.values)}
            }
        )
    try:
        parse_parameter(kind, parameter)
    except RiskRuleError as error:
        raise ValidationError({"parameter": str(error)}) from None


def _unused_name(name: str, *, rule: RiskRule | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Enter the rule's name.")})
    taken = RiskRule.objects.filter(name=name)
    if rule is not None:
        taken = taken.exclude(pk=rule.pk)
    if taken.exists():
        raise ValidationError(
            {"name": _("A risk rule named %(name)r already exists.") % {"name": name}}
        )
    return name


@transaction.atomic
def create_risk_rule(
    *,
    actor: Actor,
    name: str,
    kind: str,
    parameter: str,
    lane: str,
    officer_note: str = "",
    trader_instruction: str | None = None,
    active: bool = True,
) -> RiskRule:
    """Add a rule the engine can read, under an unused name, and record ``risk_rule.created``.

    Without ``trader_instruction`` the trader is told the model's default ("Documentary check").
    """
    parameter = (parameter or "").strip()
    check_rule_parameter(kind, parameter)
    rule = RiskRule(
        name=_unused_name(name),
        kind=kind,
        parameter=parameter,
        lane=lane,
        officer_note=(officer_note or "").strip(),
        active=bool(active),
    )
    if trader_instruction is not None:
        rule.trader_instruction = trader_instruction.strip()
    rule.full_clean(validate_unique=False, validate_constraints=False)
    rule.save()
    record_model_change(actor=actor, instance=rule, action="created", changed=model_snapshot(rule))
    return rule


@transaction.atomic
def update_risk_rule(
    *,
    rule: RiskRule,
    actor: Actor,
    name: str | None = None,
    kind: str | None = None,
    parameter: str | None = None,
    lane: str | None = None,
    officer_note: str | None = None,
    trader_instruction: str | None = None,
    active: bool | None = None,
    reason: str = "",
) -> RiskRule:
    """Change a rule so the engine can still read it; record ``risk_rule.updated`` if it changed."""
    rule = RiskRule.objects.select_for_update().get(pk=rule.pk)
    changes: dict[str, object] = {}
    if name is not None:
        changes["name"] = _unused_name(name, rule=rule)
    if kind is not None or parameter is not None:
        # A new kind must be checked with the parameter it will read, and the other way round.
        kind = rule.kind if kind is None else kind
        parameter = rule.parameter if parameter is None else parameter.strip()
        check_rule_parameter(kind, parameter)
        changes.update(kind=kind, parameter=parameter)
    for field, value in (
        ("lane", lane),
        ("officer_note", officer_note),
        ("trader_instruction", trader_instruction),
    ):
        if value is not None:
            changes[field] = value.strip()
    if active is not None:
        changes["active"] = bool(active)
    update_and_record(actor=actor, instance=rule, changes=changes, reason=reason)
    return rule


@transaction.atomic
def delete_risk_rule(*, rule: RiskRule, actor: Actor, reason: str = "") -> None:
    """Remove a rule and record ``risk_rule.deleted`` with its last state."""
    # Declarations keep the matches (name, lane, reason) they were routed by, so deleting a rule
    # changes only future submissions.
    rule = RiskRule.objects.select_for_update().get(pk=rule.pk)
    delete_and_record(actor=actor, instance=rule, reason=reason)
