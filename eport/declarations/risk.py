"""The risk engine: configurable rules -> lane (workflow spec, "Risk lanes").

A pure function over plain values: no database, no settings. The strictest matching lane wins
(red over yellow); no match is green. Random sampling is deterministic: whether a declaration is
sampled is decided by SHA-256 of the configured seed, the rule's name and the declaration's uuid,
so the same declaration under the same rules always lands in the same lane.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from eport.core.money import decimal_from_text

GREEN, YELLOW, RED = "green", "yellow", "red"
STRICTNESS = {GREEN: 0, YELLOW: 1, RED: 2}

ORIGIN_COUNTRY = "origin_country"
DISPATCH_COUNTRY = "dispatch_country"
HS_PREFIX = "hs_prefix"
VALUE_ABOVE = "value_above"
FIRST_DECLARATIONS = "first_declarations"
RANDOM_SAMPLE = "random_sample"
KINDS = (
    ORIGIN_COUNTRY,
    DISPATCH_COUNTRY,
    HS_PREFIX,
    VALUE_ABOVE,
    FIRST_DECLARATIONS,
    RANDOM_SAMPLE,
)

# Sampling draws an integer in [0, SAMPLE_SCALE) and compares it with percent x SAMPLE_SCALE/100.
SAMPLE_SCALE = 1_000_000


class RiskRuleError(ValueError):
    """A rule whose parameter cannot be read; the message names the rule and the fix."""


@dataclass(frozen=True)
class RiskFacts:
    """What the rules look at, taken from a declaration at submission."""

    declaration_uuid: str
    dispatch_country: str
    origin_countries: frozenset[str]
    hs_codes: tuple[str, ...]
    customs_value: Decimal  # CNY, as assessment.customs_values computes it
    previous_declarations: int  # the company's declarations submitted before this one


@dataclass(frozen=True)
class Rule:
    name: str
    kind: str
    parameter: str
    lane: str
    officer_note: str = ""
    trader_instruction: str = ""


@dataclass(frozen=True)
class Match:
    """A rule that matched, and why (shown to officers; ``trader_instruction`` to traders)."""

    name: str
    lane: str
    reason: str
    officer_note: str = ""
    trader_instruction: str = ""

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "lane": self.lane,
            "reason": self.reason,
            "officer_note": self.officer_note,
            "trader_instruction": self.trader_instruction,
        }


@dataclass(frozen=True)
class _Parsed:
    codes: tuple[str, ...] = ()
    number: Decimal = field(default_factory=Decimal)


def parse_parameter(kind: str, parameter: str, *, rule_name: str = "") -> _Parsed:
    """Read a rule's parameter, or raise RiskRuleError saying what to write instead."""

    def refusal(problem: str) -> RiskRuleError:
        if not rule_name:
            return RiskRuleError(problem)
        return RiskRuleError(
            _("Risk rule %(name)s: %(problem)s") % {"name": repr(rule_name), "problem": problem}
        )

    text = (parameter or "").strip()
    if kind in (ORIGIN_COUNTRY, DISPATCH_COUNTRY):
        codes = tuple(code.strip().upper() for code in text.split(",") if code.strip())
        bad = [code for code in codes if len(code) != 2 or not code.isalpha()]
        if not codes or bad:
            raise refusal(
                _(
                    "list ISO 3166 two-letter country codes separated by commas, e.g. 'KP,IR'; "
                    "%(code)s is not one."
                )
                % {"code": repr(bad[0])}
                if bad
                else _("list ISO 3166 two-letter country codes separated by commas, e.g. 'KP,IR'.")
            )
        return _Parsed(codes=codes)
    if kind == HS_PREFIX:
        codes = tuple(code.strip().replace(".", "") for code in text.split(",") if code.strip())
        bad = [code for code in codes if not (code.isdigit() and 2 <= len(code) <= 10)]
        if not codes or bad:
            raise refusal(
                _(
                    "list HS chapters or headings (2 to 10 digits) separated by commas, "
                    "e.g. '93,2402'; %(code)s is not one."
                )
                % {"code": repr(bad[0])}
                if bad
                else _(
                    "list HS chapters or headings (2 to 10 digits) separated by commas, "
                    "e.g. '93,2402'."
                )
            )
        return _Parsed(codes=codes)
    if kind in (VALUE_ABOVE, FIRST_DECLARATIONS, RANDOM_SAMPLE):
        try:
            number = decimal_from_text(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or number < 0:
            raise refusal(_("the parameter must be a number of 0 or more."))
        if kind == FIRST_DECLARATIONS and number != number.to_integral_value():
            raise refusal(_("N must be a whole number of declarations, e.g. '3'."))
        if kind == RANDOM_SAMPLE and number > 100:
            raise refusal(_("a sample percentage is between 0 and 100."))
        return _Parsed(number=number)
    raise refusal(
        _("unknown kind %(kind)s; use one of %(kinds)s.")
        % {"kind": repr(kind), "kinds": ", ".join(KINDS)}
    )


def sample_draw(*, seed: str, rule_name: str, declaration_uuid: str) -> int:
    """A reproducible draw in [0, SAMPLE_SCALE) for one rule and one declaration."""
    digest = hashlib.sha256(f"{seed}\n{rule_name}\n{declaration_uuid}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % SAMPLE_SCALE


def _reason(rule: Rule, facts: RiskFacts, seed: str) -> str | None:
    parsed = parse_parameter(rule.kind, rule.parameter, rule_name=rule.name)
    if rule.kind == ORIGIN_COUNTRY:
        hits = sorted(facts.origin_countries & set(parsed.codes))
        return f"origin {', '.join(hits)}" if hits else None
    if rule.kind == DISPATCH_COUNTRY:
        return (
            f"dispatched from {facts.dispatch_country}"
            if (facts.dispatch_country in parsed.codes)
            else None
        )
    if rule.kind == HS_PREFIX:
        hits = sorted(
            {code for code in facts.hs_codes for prefix in parsed.codes if code.startswith(prefix)}
        )
        return f"HS {', '.join(hits)}" if hits else None
    if rule.kind == VALUE_ABOVE:
        if facts.customs_value > parsed.number:
            return f"customs value {facts.customs_value} CNY above {parsed.number} CNY"
        return None
    if rule.kind == FIRST_DECLARATIONS:
        if facts.previous_declarations < parsed.number:
            return (
                f"declaration {facts.previous_declarations + 1} of the company's first "
                f"{int(parsed.number)}"
            )
        return None
    if rule.kind == RANDOM_SAMPLE:
        draw = sample_draw(seed=seed, rule_name=rule.name, declaration_uuid=facts.declaration_uuid)
        if draw < parsed.number * SAMPLE_SCALE / 100:
            return f"randomly sampled ({parsed.number}%)"
        return None
    raise RiskRuleError(
        _("Risk rule %(name)s: unknown kind %(kind)s.")
        % {"name": repr(rule.name), "kind": repr(rule.kind)}
    )


def assess_risk(facts: RiskFacts, rules: Iterable[Rule], *, seed: str) -> tuple[str, list[Match]]:
    """The lane (strictest matching rule, green if none) and every rule that matched."""
    matched: list[Match] = []
    for rule in sorted(rules, key=lambda rule: rule.name):
        if rule.lane not in (YELLOW, RED):
            raise RiskRuleError(
                _("Risk rule %(name)s: the lane must be yellow or red.") % {"name": repr(rule.name)}
            )
        reason = _reason(rule, facts, seed)
        if reason is not None:
            matched.append(
                Match(
                    name=rule.name,
                    lane=rule.lane,
                    reason=reason,
                    officer_note=rule.officer_note,
                    trader_instruction=rule.trader_instruction,
                )
            )
    lane = max((match.lane for match in matched), key=STRICTNESS.__getitem__, default=GREEN)
    return lane, matched


# Goods under another agency's control (issue 18): not a configurable rule, never green.
AGENCY_CONTROLS = "Agency controls"


def agency_controls_match(
    *,
    licensed: Sequence[tuple[int, str, str]],
    inspected: Sequence[tuple[int, str]],
    inspection_agency: str = "",
) -> Match | None:
    """The yellow-lane match of goods another agency controls, or None when there are none.

    ``licensed``: (line, HS code, cited licence number) of the items under licence control;
    ``inspected``: (line, HS code) of the items on the statutory inspection list, inspected by
    ``inspection_agency``. eport does not release such goods unseen: an officer checks the
    licences, and the release waits for the inspection agency's result.
    """
    if not licensed and not inspected:
        return None
    parts = [
        f"item {line}: HS {code} under licence {number or '(none cited)'}"
        for line, code, number in licensed
    ]
    parts += [
        f"item {line}: HS {code} on the statutory inspection list ({inspection_agency})"
        for line, code in inspected
    ]
    notes, instructions = [], []
    if licensed:
        notes.append("Check the licences cited against the goods")
        instructions.append("Licence check")
    if inspected:
        notes.append(f"release waits for inspection and quarantine by {inspection_agency}")
        instructions.append(f"Inspection and quarantine by {inspection_agency}")
    return Match(
        name=AGENCY_CONTROLS,
        lane=YELLOW,
        reason="; ".join(parts),
        officer_note="; ".join(notes),
        trader_instruction="; ".join(instructions),
    )


def strictest(*lanes: str) -> str:
    """The strictest of these lanes (green for none)."""
    return max(lanes, key=STRICTNESS.__getitem__, default=GREEN)


def trader_instructions(matches: Sequence[dict]) -> list[str]:
    """What a trader is told: the distinct instructions, never rule names or officers' notes."""
    seen: list[str] = []
    for match in matches:
        text = (match.get("trader_instruction") or "").strip() or "Documentary check"
        if text not in seen:
            seen.append(text)
    return seen
