"""The admin: declarations are read-only, risk rule edits are checked and ledgered."""

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
