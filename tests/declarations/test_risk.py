"""Risk lanes: each rule kind, the strictest lane wins, reproducible sampling."""

import uuid
from decimal import Decimal

import pytest

from eport.declarations import selectors
from eport.declarations.risk import RiskFacts, RiskRuleError, Rule, assess_risk, parse_parameter

from . import factories as f


def facts(**overrides):
    values = {
        "declaration_uuid": "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
        "dispatch_country": "DE",
        "origin_countries": frozenset({"DE"}),
        "hs_codes": ("8471300000",),
        "customs_value": Decimal("7800.00"),
        "previous_declarations": 10,
    }
    values.update(overrides)
    return RiskFacts(**values)


@pytest.mark.parametrize(
    ("kind", "parameter", "matching", "other"),
    [
        ("origin_country", "KP,IR", {"origin_countries": frozenset({"DE", "IR"})}, {}),
        ("dispatch_country", "ru, by", {"dispatch_country": "BY"}, {}),
        ("hs_prefix", "93,2402", {"hs_codes": ("8471300000", "9301100000")}, {}),
        ("value_above", "100000", {"customs_value": Decimal("100000.01")}, {}),
        ("first_declarations", "3", {"previous_declarations": 2}, {"previous_declarations": 3}),
        ("random_sample", "100", {}, None),
    ],
)
def test_each_rule_kind_matches_what_it_says(kind, parameter, matching, other):
    rule = Rule(name="rule", kind=kind, parameter=parameter, lane="yellow")
    lane, matched = assess_risk(facts(**matching), [rule], seed="s")
    assert lane == "yellow" and [m.name for m in matched] == ["rule"]
    if other is not None:
        assert assess_risk(facts(**other), [rule], seed="s") == ("green", [])


def test_no_match_is_green():
    rules = [Rule("r", "origin_country", "KP", "red"), Rule("s", "random_sample", "0", "red")]
    assert assess_risk(facts(), rules, seed="s") == ("green", [])


def test_the_strictest_lane_wins_and_every_match_is_kept():
    rules = [
        Rule("first timers", "first_declarations", "50", "yellow"),
        Rule("weapons", "hs_prefix", "93", "red"),
        Rule("laptops", "hs_prefix", "8471", "yellow"),
    ]
    lane, matched = assess_risk(facts(hs_codes=("9301100000", "8471300000")), rules, seed="s")
    assert lane == "red"
    assert [m.name for m in matched] == ["first timers", "laptops", "weapons"]


def test_sampling_is_reproducible_and_close_to_its_percentage():
    rule = Rule("sample", "random_sample", "25", "yellow")
    uuids = [str(uuid.UUID(int=n)) for n in range(4000)]
    lanes = [assess_risk(facts(declaration_uuid=u), [rule], seed="seed")[0] for u in uuids]
    again = [assess_risk(facts(declaration_uuid=u), [rule], seed="seed")[0] for u in uuids]
    other_seed = [assess_risk(facts(declaration_uuid=u), [rule], seed="other")[0] for u in uuids]
    assert lanes == again
    assert lanes != other_seed
    assert 0.22 < lanes.count("yellow") / len(lanes) < 0.28


@pytest.mark.parametrize(
    ("kind", "parameter", "message"),
    [
        ("origin_country", "China", "two-letter country codes"),
        ("hs_prefix", "9", "2 to 10 digits"),
        ("value_above", "lots", "a number"),
        ("first_declarations", "2.5", "whole number"),
        ("random_sample", "150", "between 0 and 100"),
    ],
)
def test_a_bad_parameter_is_explained(kind, parameter, message):
    with pytest.raises(RiskRuleError, match=message):
        parse_parameter(kind, parameter, rule_name="r")


def test_the_lane_and_rule_names_are_ledgered_and_traders_see_only_instructions(world):
    declaration = f.submitted(world.trader, "red")
    entry = f.fresh(declaration)
    from ledger.models import Entry

    risk_entry = Entry.objects.get(subject=entry.ledger_subject, action="declaration.risk_assessed")
    assert risk_entry.actor == "system:risk"
    assert risk_entry.data["lane"] == "red"
    assert risk_entry.data["rules"] == ["Sanctioned origin"]
    assert selectors.risk_reasons_for(world.trader, declaration) == ["Physical inspection"]
    officer_view = selectors.risk_reasons_for(world.officer, declaration)
    assert "Sanctioned origin" in officer_view[0]
    assert "Check for sanctions evasion" in officer_view[0]


def test_first_declarations_count_the_company_s_earlier_submissions(world):
    from eport.declarations.models import RiskRule

    RiskRule.objects.create(
        name="New trader", kind="first_declarations", parameter="1", lane="yellow"
    )
    first = f.submit(f.ready(world.trader, lrn="ONE"), world.trader)
    second = f.submit(f.ready(world.trader, lrn="TWO"), world.trader)
    other_company = f.submit(f.ready(world.trader2, lrn="ONE"), world.trader2)
    assert (first.lane, second.lane, other_company.lane) == ("yellow", "green", "yellow")
