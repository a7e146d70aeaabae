"""The admin: declarations are read-only, risk rule edits are checked and ledgered."""

from eport.declarations import rules
from eport.declarations.models import RiskRule
from ledger.models import Entry

from . import factories as f


def rule_form(**overrides):
    data = {
        "name": "Weapons",
        "kind": "hs_prefix",
        "parameter": "93",
        "lane": "red",
        "officer_note": "Licence check",
        "trader_instruction": "Physical inspection",
        "active": "on",
    }
    data.update(overrides)
    return data


def test_a_risk_rule_added_in_the_admin_is_ledgered(admin_client, db):
    response = admin_client.post("/admin/declarations/riskrule/add/", rule_form())
    assert response.status_code == 302
    rule = RiskRule.objects.get()
    entry = Entry.objects.get(subject=rule.ledger_subject)
    assert entry.action == "risk_rule.created"
    assert entry.actor.startswith("user:")
    assert entry.data["changed"]["parameter"] == "93"


def test_a_bad_risk_rule_parameter_is_refused_in_the_admin(admin_client, db):
    response = admin_client.post(
        "/admin/declarations/riskrule/add/", rule_form(kind="value_above", parameter="a lot")
    )
    assert response.status_code == 200
    assert "the parameter must be a number" in response.content.decode()
    assert not RiskRule.objects.exists()


def test_declarations_are_read_only_in_the_admin(admin_client, world):
    declaration = f.draft(world.trader)
    page = admin_client.get(f"/admin/declarations/declaration/{declaration.pk}/change/")
    assert page.status_code == 200
    assert "LRN-1" in page.content.decode()
    assert admin_client.get("/admin/declarations/declaration/add/").status_code == 403
    response = admin_client.post(
        f"/admin/declarations/declaration/{declaration.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403


def rule_in_ledger(rule: RiskRule) -> list[str]:
    return list(
        Entry.objects.filter(subject=rule.ledger_subject)
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_a_risk_rule_changed_in_the_admin_is_one_updated_entry(admin_client, db):
    rule = rules.create_risk_rule(
        actor="system:test", name="Weapons", kind="hs_prefix", parameter="93", lane="red"
    )

    response = admin_client.post(
        f"/admin/declarations/riskrule/{rule.pk}/change/", rule_form(parameter="93,2402")
    )

    assert response.status_code == 302
    assert rule_in_ledger(rule) == ["risk_rule.created", "risk_rule.updated"]
    entry = Entry.objects.filter(subject=rule.ledger_subject).order_by("-seq").first()
    assert entry.data["changed"] == {
        "parameter": "93,2402",
        "officer_note": "Licence check",
        "trader_instruction": "Physical inspection",
    }


def test_a_bad_parameter_on_an_existing_rule_is_shown_beside_it_and_nothing_changes(
    admin_client, db
):
    rule = rules.create_risk_rule(
        actor="system:test", name="Weapons", kind="hs_prefix", parameter="93", lane="red"
    )

    response = admin_client.post(
        f"/admin/declarations/riskrule/{rule.pk}/change/",
        rule_form(kind="origin_country", parameter="93"),
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["parameter"] == [
        "list ISO 3166 two-letter country codes separated by commas, e.g. 'KP,IR'; '93' is not one."
    ]
    rule.refresh_from_db()
    assert (rule.kind, rule.parameter) == ("hs_prefix", "93")
    assert rule_in_ledger(rule) == ["risk_rule.created"]


def test_a_risk_rule_deleted_in_the_admin_is_ledgered(admin_client, db):
    rule = rules.create_risk_rule(
        actor="system:test", name="Weapons", kind="hs_prefix", parameter="93", lane="red"
    )

    response = admin_client.post(f"/admin/declarations/riskrule/{rule.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not RiskRule.objects.exists()
    assert rule_in_ledger(rule) == ["risk_rule.created", "risk_rule.deleted"]
