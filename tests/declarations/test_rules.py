"""Risk rules change only through eport.declarations.rules, checked as the engine reads them."""

import pytest
from django.core.exceptions import ValidationError

from eport.core.ledgering import model_snapshot, state_digest
from eport.declarations import rules
from eport.declarations.models import RiskRule
from ledger.models import Entry

pytestmark = pytest.mark.django_db


def last_entry() -> Entry:
    return Entry.objects.order_by("-seq").first()


def make_rule(**overrides) -> RiskRule:
    values = {"name": "Weapons", "kind": "hs_prefix", "parameter": "93", "lane": "red"}
    values.update(overrides)
    return rules.create_risk_rule(actor="system:test", **values)


def test_a_new_rule_is_recorded_with_all_its_values():
    rule = make_rule(officer_note="Licence check")

    entry = last_entry()
    assert (entry.action, entry.subject) == ("risk_rule.created", f"risk-rule:{rule.pk}")
    assert entry.data == {
        "changed": {
            "name": "Weapons",
            "kind": "hs_prefix",
            "parameter": "93",
            "lane": "red",
            "officer_note": "Licence check",
            "trader_instruction": "Documentary check",
            "active": True,
        },
        "state": state_digest(model_snapshot(rule)),
    }


@pytest.mark.parametrize(
    ("kind", "parameter", "message"),
    [
        ("value_above", "a lot", "the parameter must be a number of 0 or more."),
        ("origin_country", "China", "'CHINA' is not one."),
        ("random_sample", "150", "a sample percentage is between 0 and 100."),
        ("first_declarations", "2.5", "N must be a whole number of declarations"),
    ],
)
def test_a_parameter_the_engine_cannot_read_is_refused(kind, parameter, message):
    with pytest.raises(ValidationError) as caught:
        make_rule(kind=kind, parameter=parameter)

    [refusal] = caught.value.message_dict["parameter"]
    assert message in refusal
    assert not RiskRule.objects.exists()
    assert not Entry.objects.filter(action__startswith="risk_rule.").exists()


def test_an_unknown_kind_is_refused_with_the_kinds():
    with pytest.raises(ValidationError) as caught:
        make_rule(kind="weather")

    assert caught.value.message_dict["kind"][0].startswith(
        "'weather' is not a kind of risk rule; choose one of origin_country,"
    )


def test_a_rule_needs_a_lane_the_engine_knows():
    with pytest.raises(ValidationError) as caught:
        make_rule(lane="green")

    assert "lane" in caught.value.message_dict


def test_a_rule_name_is_used_once():
    make_rule()

    with pytest.raises(ValidationError) as caught:
        make_rule(parameter="2402")

    assert caught.value.message_dict["name"] == ["A risk rule named 'Weapons' already exists."]


def test_a_new_kind_is_checked_against_the_parameter_already_there():
    rule = make_rule(kind="hs_prefix", parameter="93")
    count = Entry.objects.count()

    with pytest.raises(ValidationError) as caught:
        rules.update_risk_rule(rule=rule, actor="system:test", kind="origin_country")

    assert "'93' is not one." in caught.value.message_dict["parameter"][0]
    rule.refresh_from_db()
    assert rule.kind == "hs_prefix"
    assert Entry.objects.count() == count


def test_an_update_records_only_what_changed_with_the_reason():
    rule = make_rule()

    rules.update_risk_rule(
        rule=rule,
        actor="system:test",
        name="Weapons",
        parameter="93,2402",
        lane="red",
        active=False,
        reason="tobacco added",
    )

    rule.refresh_from_db()
    entry = last_entry()
    assert entry.action == "risk_rule.updated"
    assert entry.data == {
        "changed": {"parameter": "93,2402", "active": False},
        "state": state_digest(model_snapshot(rule)),
        "reason": "tobacco added",
    }


def test_a_deleted_rule_is_recorded_with_its_last_state():
    rule = make_rule()
    subject, last_state = rule.ledger_subject, state_digest(model_snapshot(rule))

    rules.delete_risk_rule(rule=rule, actor="system:test")

    entry = last_entry()
    assert not RiskRule.objects.exists()
    assert (entry.action, entry.subject, entry.data) == (
        "risk_rule.deleted",
        subject,
        {"last_state": last_state},
    )
