"""Licences and inspection at clearance, through the API: items cite licences, the submission names
each item's licence problem, the inspection agency records its result through the declaration's
move endpoints, release waits for it and writes the items off the licence."""

from decimal import Decimal

import pytest

from eport.accounts.models import Agency, User
from eport.declarations.models import Declaration
from eport.reference import codes
from eport.reference.models import GoodsControl
from tests.accounts.factories import make_agency, make_user
from tests.api.conftest import draft_body
from tests.api.test_lifecycle import move, pay_at_counter, upload, url
from tests.declarations import factories as f
from tests.licensing import factories as lf

PROBLEM = "application/problem+json"
LAPTOPS = "8471300000"


@pytest.fixture
def controlled(world):
    """Laptops need an import licence and statutory inspection; SHCIQ inspects (with an officer
    each for SHCIQ and another inspection agency), SHCOM grants licences."""
    for measure in (GoodsControl.Measure.IMPORT_LICENCE, GoodsControl.Measure.INSPECTION):
        GoodsControl.objects.create(hs_prefix="847130", measure=measure, description="Laptops")
    codes.clear_caches()
    world.shciq = make_agency(Agency.Kind.INSPECTION, code="SHCIQ")
    world.inspector = make_user(User.Role.AGENCY, username="inspector", agency=world.shciq)
    other = make_agency(Agency.Kind.INSPECTION, code="ZJCIQ", name="Zhejiang Inspection")
    world.other_inspector = make_user(User.Role.AGENCY, username="zj_inspector", agency=other)
    world.licensing = lf.licensing_officer(lf.licensing_agency("SHCOM"), username="licensing")
    return world


def laptop_licence(trader, officer, **overrides):
    """An approved import licence for 100 laptops worth EUR 10,000 (the drafts' currency)."""
    terms = {
        "hs_code": LAPTOPS,
        "description": "Laptop computers",
        "unit": "PCE",
        "currency": "EUR",
        "quantity": Decimal("100"),
        "value": Decimal("10000.00"),
    }
    return lf.approved_licence(trader, officer, **{**terms, **overrides})


def filed(client, *licence_numbers: str, lrn="API-CTRL-1") -> dict:
    """A draft of two laptop items (10 PCE, EUR 500.00 each) citing these licence numbers, with
    its invoice and bill of lading."""
    body = draft_body(lrn=lrn, origin="DE")
    for item, number in zip(body["items"], licence_numbers, strict=False):
        item["licence_number"] = number
    created = client.post("/api/v1/declarations/", body, format="json")
    assert created.status_code == 201, created.json()
    declaration = created.json()
    assert upload(client, declaration, "380").status_code == 201
    assert upload(client, declaration, "705", f.PDF + b"bl").status_code == 201
    return client.get(url(declaration)).json()


def test_an_item_s_licence_number_is_written_and_read_back(controlled):
    trader = controlled.client(controlled.trader)

    draft = filed(trader, "L-1", "")

    assert [item["licence_number"] for item in draft["items"]] == ["L-1", ""]
    assert [item["needs_inspection"] for item in draft["items"]] == [False, False]
    assert draft["inspection"] is None
    assert [i["licence_number"] for i in trader.get(url(draft, "items/")).json()] == ["L-1", ""]


def test_submitting_names_each_item_s_licence_problem(controlled):
    theirs = laptop_licence(controlled.trader2, controlled.licensing)
    trader = controlled.client(controlled.trader)
    draft = filed(trader, "", theirs.number)

    refused = move(trader, draft, "submit")

    assert refused.status_code == 422
    assert refused["Content-Type"] == PROBLEM
    errors = refused.json()["errors"]
    assert set(errors) >= {"items.0.licence_number", "items.1.licence_number"}
    # Another company's licence reads as no licence at all.
    assert theirs.number in errors["items.1.licence_number"][0]
    unknown = filed(trader, "", "NO-SUCH-1", lrn="API-CTRL-2")
    unknown_errors = move(trader, unknown, "submit").json()["errors"]
    assert errors["items.1.licence_number"] == [
        message.replace("NO-SUCH-1", theirs.number)
        for message in unknown_errors["items.1.licence_number"]
    ]
    assert trader.get(url(draft)).json()["status"] == "draft"


def test_an_exhausted_licence_is_refused_for_the_items_that_overdraw_it(controlled):
    small = laptop_licence(controlled.trader, controlled.licensing, quantity=Decimal("15"))
    trader = controlled.client(controlled.trader)
    draft = filed(trader, small.number, small.number)

    refused = move(trader, draft, "submit")

    assert refused.status_code == 422
    assert any("items." in key and "licence_number" in key for key in refused.json()["errors"])


def test_inspection_and_release_through_the_api_write_the_items_off_the_licence(controlled):
    licence = laptop_licence(controlled.trader, controlled.licensing)
    trader = controlled.client(controlled.trader)
    officer = controlled.client(controlled.officer)
    inspector = controlled.client(controlled.inspector)
    other_inspector = controlled.client(controlled.other_inspector)

    submitted = move(trader, filed(trader, licence.number, licence.number), "submit")
    assert submitted.status_code == 200, submitted.json()
    declaration = submitted.json()
    assert declaration["lane"] in ("yellow", "red")
    assert declaration["inspection"]["status"] == "pending"
    assert declaration["inspection"]["agency"] == "SHCIQ"
    assert declaration["inspection"]["inspected_at"] is None
    assert [item["needs_inspection"] for item in declaration["items"]] == [True, True]

    # The inspection agency finds it in its own list; another agency does not see it.
    pending = inspector.get("/api/v1/declarations/", {"inspection": "pending"})
    assert [row["uuid"] for row in pending.json()["results"]] == [declaration["uuid"]]
    assert inspector.get("/api/v1/declarations/", {"inspection": "passed"}).json()["results"] == []
    assert other_inspector.get("/api/v1/declarations/").json()["results"] == []
    assert other_inspector.get(url(declaration)).status_code == 404
    seen = inspector.get(url(declaration)).json()
    assert {a["name"] for a in seen["actions"]} == {"pass_inspection", "fail_inspection"}
    assert {a["href"] for a in seen["actions"]} == {
        url(declaration, "inspection/pass/"),
        url(declaration, "inspection/fail/"),
    }

    # Customs takes, assesses and collects the duties; release waits for the inspection.
    declaration = move(officer, officer.get(url(declaration)).json(), "take").json()
    assessed = move(officer, declaration, "assess")
    assert assessed.status_code == 200, assessed.json()
    paid = pay_at_counter(officer, assessed.json(), "CR-CTRL-1")
    assert "release" not in {a["name"] for a in paid["actions"]}
    waiting = move(officer, paid, "release")
    assert waiting.status_code == 409
    assert waiting.json()["type"] == "/api/problems/conflict"
    assert "inspection" in waiting.json()["detail"]

    passed = move(
        inspector,
        inspector.get(url(declaration)).json(),
        "inspection/pass",
        certificate="CIQ-2026-0001",
    )
    assert passed.status_code == 200, passed.json()
    assert passed.json()["inspection"]["status"] == "passed"
    assert passed.json()["inspection"]["certificate"] == "CIQ-2026-0001"
    assert passed.json()["inspection"]["inspected_at"]
    assert inspector.get("/api/v1/declarations/", {"inspection": "passed"}).json()["results"]

    released = move(officer, officer.get(url(declaration)).json(), "release")
    assert released.status_code == 200, released.json()
    assert released.json()["status"] == "released"

    # The licence shows what the release wrote off it.
    shown = trader.get(f"/api/v1/licences/{licence.uuid}/").json()
    assert shown["remaining_quantity"] == "80.000"
    assert shown["remaining_value"] == "9000.00"
    number = released.json()["number"]
    assert [(u["reference"], u["quantity"], u["value"]) for u in shown["usages"]] == [
        (f"{number}/1", "10.000", "500.00"),
        (f"{number}/2", "10.000", "500.00"),
    ]
    timeline = [e["action"] for e in trader.get(url(declaration, "timeline/")).json()]
    assert "declaration.inspection_passed" in timeline


def test_a_failed_inspection_is_recorded_with_its_reason_and_is_final(controlled):
    licence = laptop_licence(controlled.trader, controlled.licensing)
    trader = controlled.client(controlled.trader)
    inspector = controlled.client(controlled.inspector)
    declaration = move(trader, filed(trader, licence.number, licence.number), "submit").json()

    missing = move(inspector, declaration, "inspection/fail")
    failed = move(inspector, declaration, "inspection/fail", reason="Batteries not certified.")
    again = move(inspector, failed.json(), "inspection/pass", certificate="CIQ-1")

    assert missing.status_code == 422 and "reason" in missing.json()["errors"]
    assert failed.status_code == 200, failed.json()
    assert failed.json()["inspection"]["status"] == "failed"
    assert failed.json()["inspection"]["reason"] == "Batteries not certified."
    assert again.status_code == 409 and again.json()["type"] == "/api/problems/conflict"
    assert trader.get(url(declaration)).json()["inspection"]["status"] == "failed"


@pytest.mark.parametrize("who", ["trader", "officer", "licensing", "auditor"])
def test_only_the_inspection_agency_records_an_inspection(controlled, who):
    licence = laptop_licence(controlled.trader, controlled.licensing)
    trader = controlled.client(controlled.trader)
    declaration = move(trader, filed(trader, licence.number, licence.number), "submit").json()

    refused = move(
        controlled.client(getattr(controlled, who)),
        declaration,
        "inspection/pass",
        certificate="CIQ-1",
    )

    assert refused.status_code in (403, 404)
    assert refused["Content-Type"] == PROBLEM
    assert Declaration.objects.get().inspection_status == Declaration.Inspection.PENDING


def test_another_inspection_agency_cannot_record_the_result(controlled):
    licence = laptop_licence(controlled.trader, controlled.licensing)
    trader = controlled.client(controlled.trader)
    declaration = move(trader, filed(trader, licence.number, licence.number), "submit").json()

    refused = move(
        controlled.client(controlled.other_inspector),
        declaration,
        "inspection/pass",
        certificate="CIQ-1",
    )

    assert refused.status_code == 404
    assert Declaration.objects.get().inspection_status == Declaration.Inspection.PENDING


def test_an_agency_officer_creates_a_token_and_reads_with_it(controlled):
    client = controlled.client(controlled.inspector)  # a token made by create_token

    assert client.get("/api/v1/declarations/").status_code == 200
    assert client.get("/api/v1/licences/").json()["results"] == []


def test_an_unknown_inspection_filter_is_a_422_naming_it(controlled):
    refused = controlled.client(controlled.inspector).get(
        "/api/v1/declarations/", {"inspection": "maybe"}
    )

    assert refused.status_code == 422
    assert "inspection" in refused.json()["errors"]
