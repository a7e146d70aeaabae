"""Licences through the API: traders apply, licensing officers of the agency decide, each role
sees only what concerns it, and refusals are problem details."""

import datetime

import pytest
from django.utils import timezone

from eport.accounts.models import Agency, User
from eport.licensing import lifecycle
from eport.licensing.models import Licence
from tests.accounts.factories import make_agency, make_user
from tests.licensing import factories as lf

PROBLEM = "application/problem+json"


def body(**overrides) -> dict:
    """A valid application as JSON: crude oil from Saudi Arabia, valid from today for 180 days."""
    today = timezone.localdate()
    data = {
        "flow": "import",
        "hs_code": "2709000000",
        "description": "Crude petroleum oil",
        "quantity": "1000",
        "unit": "KGM",
        "value": "100000.00",
        "currency": "USD",
        "counterparty_country": "SA",
        "valid_from": today.isoformat(),
        "valid_until": (today + datetime.timedelta(days=180)).isoformat(),
    }
    data.update(overrides)
    return data


def url(licence, action: str = "") -> str:
    uuid = licence["uuid"] if isinstance(licence, dict) else licence.uuid
    return f"/api/v1/licences/{uuid}/{action}"


def move(client, licence: dict, action: str, **fields):
    fields.setdefault("version", licence["version"])
    return client.post(url(licence, f"{action}/"), fields, format="json")


@pytest.fixture
def agencies(world):
    """The commerce commission (with two officers), another licensing agency and an inspection
    agency, each with an officer."""
    lf.load_subheadings()
    world.commerce = lf.licensing_agency("SHCOM")
    world.licensing = lf.licensing_officer(world.commerce, username="licensing")
    world.other_commerce = lf.licensing_agency("BJCOM")
    world.other_licensing = lf.licensing_officer(world.other_commerce, username="bj_licensing")
    world.inspector = make_user(
        User.Role.AGENCY, username="inspector", agency=make_agency(Agency.Kind.INSPECTION)
    )
    return world


def numbers(response) -> set[str]:
    return {row["uuid"] for row in response.json()["results"]}


def test_a_trader_applies_and_reads_the_application_back(agencies):
    trader = agencies.client(agencies.trader)

    created = trader.post("/api/v1/licences/", body(agency="SHCOM"), format="json")

    assert created.status_code == 201, created.content
    licence = created.json()
    assert created["Location"] == licence["url"] == url(licence)
    assert licence["status"] == "submitted" and licence["number"] is None
    assert licence["company"] == agencies.alpha.usci and licence["agency"] == "SHCOM"
    assert licence["quantity"] == "1000.000" and licence["value"] == "100000.00"
    assert licence["remaining_quantity"] is None and licence["usages"] == []
    assert {action["name"] for action in licence["actions"]} == {"withdraw"}
    assert trader.get(url(licence)).json() == licence


def test_an_application_with_problems_names_each_field_at_once(agencies):
    trader = agencies.client(agencies.trader)

    refused = trader.post(
        "/api/v1/licences/",
        body(hs_code="9999990000", quantity="0", currency="XXX", agency="SHCOM"),
        format="json",
    )

    assert refused.status_code == 422
    assert refused["Content-Type"] == PROBLEM
    problem = refused.json()
    assert problem["type"] == "/api/problems/validation"
    assert {"hs_code", "quantity", "currency"} <= set(problem["errors"])
    assert not Licence.objects.exists()


def test_an_empty_application_names_every_required_field(agencies):
    schema = agencies.client(agencies.trader).get("/api/schema/", {"format": "json"}).json()

    refused = agencies.client(agencies.trader).post("/api/v1/licences/", {}, format="json")

    assert refused.status_code == 422
    required = schema["components"]["schemas"]["LicenceInRequest"]["required"]
    assert set(required) <= set(refused.json()["errors"])


def test_an_unknown_agency_is_refused_on_its_field(agencies):
    refused = agencies.client(agencies.trader).post(
        "/api/v1/licences/", body(agency="NOPE"), format="json"
    )

    assert refused.status_code == 422
    assert "NOPE" in refused.json()["errors"]["agency"][0]


@pytest.mark.parametrize("who", ["officer", "licensing", "inspector", "auditor"])
def test_only_traders_apply(agencies, who):
    refused = agencies.client(getattr(agencies, who)).post(
        "/api/v1/licences/", body(agency="SHCOM"), format="json"
    )

    assert refused.status_code == 403
    assert refused["Content-Type"] == PROBLEM
    assert refused.json()["detail"].endswith(".")
    assert not Licence.objects.exists()


def test_an_application_is_made_once_per_idempotency_key(agencies):
    trader = agencies.client(agencies.trader)
    headers = {"HTTP_IDEMPOTENCY_KEY": "apply-crude-1"}

    first = trader.post("/api/v1/licences/", body(agency="SHCOM"), format="json", **headers)
    again = trader.post("/api/v1/licences/", body(agency="SHCOM"), format="json", **headers)
    other = trader.post(
        "/api/v1/licences/", body(agency="SHCOM", quantity="5"), format="json", **headers
    )

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["uuid"] == first.json()["uuid"]
    assert other.status_code == 422
    assert other.json()["type"] == "/api/problems/idempotency-key-reused"
    assert Licence.objects.count() == 1


def test_each_role_lists_only_the_licences_that_concern_it(agencies):
    mine = lf.apply_licence(agencies.trader)  # SHCOM, submitted
    approved = lf.approved_licence(agencies.trader, agencies.licensing)
    theirs = lf.apply_licence(agencies.trader2, agency=agencies.other_commerce)

    def listed(who):
        response = agencies.client(getattr(agencies, who)).get("/api/v1/licences/")
        assert response.status_code == 200
        return numbers(response)

    assert listed("trader") == {str(mine.uuid), str(approved.uuid)}
    assert listed("trader2") == {str(theirs.uuid)}
    assert listed("licensing") == {str(mine.uuid), str(approved.uuid)}
    assert listed("other_licensing") == {str(theirs.uuid)}
    assert listed("officer") == {str(approved.uuid)}
    assert listed("auditor") == {str(mine.uuid), str(approved.uuid), str(theirs.uuid)}
    assert listed("inspector") == set()


def test_the_list_is_filtered_by_status_and_flow(agencies):
    applied = lf.apply_licence(agencies.trader)
    approved = lf.approved_licence(agencies.trader, agencies.licensing)
    trader = agencies.client(agencies.trader)

    assert numbers(trader.get("/api/v1/licences/", {"status": "approved"})) == {str(approved.uuid)}
    assert numbers(trader.get("/api/v1/licences/", {"status": "submitted"})) == {str(applied.uuid)}
    assert numbers(trader.get("/api/v1/licences/", {"flow": "export"})) == set()
    refused = trader.get("/api/v1/licences/", {"status": "granted"})
    assert refused.status_code == 422 and "status" in refused.json()["errors"]


@pytest.mark.parametrize("who", ["trader2", "other_licensing", "inspector"])
def test_a_licence_that_does_not_concern_the_caller_does_not_exist(agencies, who):
    licence = lf.apply_licence(agencies.trader)
    client = agencies.client(getattr(agencies, who))

    for response in (
        client.get(url(licence)),
        client.get(url(licence, "timeline/")),
        client.post(url(licence, "withdraw/"), {"version": 1}, format="json"),
        client.post(url(licence, "approve/"), {"version": 1}, format="json"),
    ):
        assert response.status_code in (403, 404), response.content
        assert response["Content-Type"] == PROBLEM
    assert client.get(url(licence)).status_code == 404
    assert Licence.objects.get().status == Licence.Status.SUBMITTED


def test_a_customs_officer_sees_an_approved_licence_but_not_an_application(agencies):
    applied = lf.apply_licence(agencies.trader)
    approved = lf.approved_licence(agencies.trader, agencies.licensing)
    officer = agencies.client(agencies.officer)

    assert officer.get(url(approved)).status_code == 200
    assert officer.get(url(approved)).json()["actions"] == []
    assert officer.get(url(applied)).status_code == 404


def test_the_agency_queries_the_trader_answers_and_the_agency_approves(agencies):
    trader = agencies.client(agencies.trader)
    officer = agencies.client(agencies.licensing)
    licence = trader.post("/api/v1/licences/", body(agency="SHCOM"), format="json").json()
    assert {a["name"] for a in officer.get(url(licence)).json()["actions"]} == {
        "query",
        "approve",
        "refuse",
    }

    queried = move(officer, licence, "query", question="Which refinery receives the oil?")
    assert queried.status_code == 200, queried.content
    assert queried.json()["status"] == "query"
    assert queried.json()["query"] == "Which refinery receives the oil?"

    answered = move(trader, queried.json(), "answer", answer="Our Zhoushan refinery.")
    assert answered.status_code == 200, answered.content
    assert answered.json()["status"] == "submitted"

    until = timezone.localdate() + datetime.timedelta(days=90)
    approved = move(
        officer, answered.json(), "approve", valid_until=until.isoformat(), note="Granted."
    )
    assert approved.status_code == 200, approved.content
    licence = approved.json()
    assert licence["status"] == "approved" and licence["number"]
    assert licence["valid_until"] == until.isoformat()
    assert licence["remaining_quantity"] == "1000.000"
    assert licence["remaining_value"] == "100000.00"
    assert licence["actions"] == []

    timeline = trader.get(url(licence, "timeline/"))
    assert timeline.status_code == 200
    assert [entry["action"] for entry in timeline.json()] == [
        "licence.applied",
        "licence.queried",
        "licence.answered",
        "licence.approved",
    ]
    assert {entry["subject"] for entry in timeline.json()} == {f"licence:{licence['uuid']}"}


def test_a_refusal_needs_its_reason_and_is_final(agencies):
    officer = agencies.client(agencies.licensing)
    licence = agencies.client(agencies.trader).post(
        "/api/v1/licences/", body(agency="SHCOM"), format="json"
    )
    licence = licence.json()

    blank = move(officer, licence, "refuse", reason="  ")
    missing = move(officer, licence, "refuse")
    refused = move(officer, licence, "refuse", reason="Quota exhausted for this year.")
    again = move(officer, refused.json(), "approve")

    assert blank.status_code == missing.status_code == 422
    assert "reason" in blank.json()["errors"] and "reason" in missing.json()["errors"]
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    assert refused.json()["decision_reason"] == "Quota exhausted for this year."
    assert again.status_code == 409
    assert again["Content-Type"] == PROBLEM
    assert again.json()["type"] == "/api/problems/conflict"
    assert "refused" in again.json()["detail"]


def test_a_move_on_an_old_version_is_stale(agencies):
    trader = agencies.client(agencies.trader)
    licence = trader.post("/api/v1/licences/", body(agency="SHCOM"), format="json").json()
    move(agencies.client(agencies.licensing), licence, "query", question="Which refinery?")

    stale = move(trader, licence, "withdraw")

    assert stale.status_code == 409
    assert stale.json()["type"] == "/api/problems/stale"
    assert Licence.objects.get().status == Licence.Status.QUERY


@pytest.mark.parametrize(
    ("who", "action"),
    [("trader", "approve"), ("licensing", "withdraw"), ("auditor", "refuse"), ("officer", "query")],
)
def test_the_wrong_role_is_refused_before_the_request_is_read(agencies, who, action):
    licence = lf.apply_licence(agencies.trader)

    refused = agencies.client(getattr(agencies, who)).post(
        url(licence, f"{action}/"), {}, format="json"
    )

    assert refused.status_code == 403
    assert refused["Content-Type"] == PROBLEM
    assert refused.json()["detail"].endswith(".")


def test_a_move_is_made_once_per_idempotency_key(agencies):
    officer = agencies.client(agencies.licensing)
    licence = lf.apply_licence(agencies.trader)
    headers = {"HTTP_IDEMPOTENCY_KEY": "approve-1"}

    first = officer.post(url(licence, "approve/"), {"version": 1}, format="json", **headers)
    again = officer.post(url(licence, "approve/"), {"version": 1}, format="json", **headers)

    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["number"] == first.json()["number"]


def test_the_schema_has_an_endpoint_for_every_licence_move(agencies):
    schema = agencies.client(agencies.trader).get("/api/schema/", {"format": "json"}).json()
    for licence_move in lifecycle.MOVES.values():
        operation = schema["paths"][f"/api/v1/licences/{{uuid}}/{licence_move.endpoint}"]["post"]
        assert operation["summary"] == str(licence_move.summary)
        body_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        component = schema["components"]["schemas"][body_ref.rsplit("/", 1)[-1]]
        assert {"version"} | {i.name for i in licence_move.inputs} <= set(component["properties"])
        required = {"version"} | {i.name for i in licence_move.inputs if i.required}
        assert required <= set(component["required"])
    statuses = schema["components"]["schemas"]["LicenceStatusEnum"]["enum"]
    assert set(statuses) == set(Licence.Status.values)
