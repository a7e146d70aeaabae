"""The whole lifecycle of a declaration through the API alone, one role at a time."""

import pytest

from eport.declarations.models import Declaration
from ledger import keys, notary
from ledger.verify_receipt import verify_receipt
from tests.api.conftest import draft_body
from tests.declarations import factories as f
from tests.ledger.notary_support import ledger_keys  # noqa: F401 (fixture)

PDF = f.PDF


def url(declaration: dict, action: str = "") -> str:
    return f"/api/v1/declarations/{declaration['uuid']}/{action}"


def upload(client, declaration: dict, type_: str, content: bytes = PDF):
    return client.post(
        url(declaration, "documents/"),
        {"type": type_, "reference": f"REF-{type_}", "file": f.upload(content, f"{type_}.pdf")},
        format="multipart",
    )


def file_ready(client, *, lrn="API-1", origin="VN") -> dict:
    """Given a trader's client: a draft with two items, its invoice and bill of lading."""
    body = draft_body(lrn=lrn, origin=origin)
    created = client.post("/api/v1/declarations/", body, format="json")
    assert created.status_code == 201, created.json()
    declaration = created.json()
    assert upload(client, declaration, "380").status_code == 201
    assert upload(client, declaration, "705", PDF + b"bl").status_code == 201
    return client.get(url(declaration)).json()


def move(client, declaration: dict, action: str, **body):
    body.setdefault("version", declaration["version"])
    return client.post(url(declaration, f"{action}/"), body, format="json")


def pay_at_counter(officer, declaration: dict, receipt: str) -> dict:
    """Pay the declaration's tax bill at the customs counter; the declaration as it is then."""
    bill = officer.get(url(declaration, "bill/"))
    assert bill.status_code == 200, bill.content
    paid = officer.post(
        f"/api/v1/bills/{bill.json()['uuid']}/counter-payment/",
        {"receipt_number": receipt},
        format="json",
    )
    assert paid.status_code == 200 and paid.json()["status"] == "paid", paid.content
    return officer.get(url(declaration)).json()


def actions(client, declaration: dict) -> set[str]:
    return {a["name"] for a in client.get(url(declaration)).json()["actions"]}


@pytest.mark.smoke
def test_a_yellow_declaration_goes_from_draft_to_release_through_the_api(world):
    trader = world.client(world.trader)
    officer = world.client(world.officer)

    # Trader files: a draft with two items, then the invoice as a multipart upload.
    created = trader.post("/api/v1/declarations/", draft_body(origin="VN"), format="json")
    assert created.status_code == 201
    assert created["Location"] == created.json()["url"]
    draft = created.json()
    assert draft["status"] == "draft" and len(draft["items"]) == 2
    invoice = upload(trader, draft, "380")
    assert invoice.status_code == 201
    assert invoice.json()["sha256"] and invoice.json()["type"] == "380"
    assert invoice.json()["declaration_version"] == draft["version"] + 1
    assert upload(trader, draft, "705", PDF + b"bl").status_code == 201
    draft = trader.get(url(draft)).json()
    assert len(draft["documents"]) == 2
    assert {"edit", "attach", "submit", "cancel"} <= actions(trader, draft)

    submitted = move(trader, draft, "submit")
    assert submitted.status_code == 200, submitted.json()
    declaration = submitted.json()
    assert declaration["status"] == "submitted" and declaration["lane"] == "yellow"
    assert len(declaration["number"]) == 18
    assert declaration["risk"] == ["Documentary check"]  # a trader sees what to expect only

    # The officer finds it in the office's list, sees the rule, takes it and asks a question.
    listed = officer.get("/api/v1/declarations/", {"status": "submitted", "lane": "yellow"})
    assert [row["uuid"] for row in listed.json()["results"]] == [declaration["uuid"]]
    seen = officer.get(url(declaration)).json()
    assert any("Watched origin" in reason for reason in seen["risk"])
    taken = move(officer, seen, "take")
    assert taken.status_code == 200 and taken.json()["status"] == "under_review"
    queried = move(officer, taken.json(), "query", question="Which laptop models are these?")
    assert queried.status_code == 200 and queried.json()["status"] == "query"

    # The trader reads the question and amends a description in answer.
    declaration = trader.get(url(declaration)).json()
    assert declaration["queries"][0]["question"] == "Which laptop models are these?"
    assert "amend" in {a["name"] for a in declaration["actions"]}
    body = draft_body(origin="VN")
    body["items"][0]["description"] = "Laptop computers, model X1"
    amended = move(trader, declaration, "amend", answer="Model X1 and X2.", **body)
    assert amended.status_code == 200, amended.json()
    assert amended.json()["status"] == "under_review"
    assert amended.json()["items"][0]["description"] == "Laptop computers, model X1"

    # The officer assesses with a corrected value, records a payment at the customs counter
    # on the bill assessment issued, and releases the goods.
    current = officer.get(url(declaration)).json()
    assessed = move(
        officer,
        current,
        "assess",
        corrections=[{"line": 2, "invoice_value": "500.00", "reason": "Checked the invoice"}],
    )
    assert assessed.status_code == 200, assessed.json()
    assert assessed.json()["status"] == "assessed"
    assert assessed.json()["customs_value"] is not None
    paid = pay_at_counter(officer, assessed.json(), "CR-2026-0001")
    assert paid["status"] == "paid"
    released = move(officer, paid, "release", note="Goods released")
    assert released.status_code == 200 and released.json()["status"] == "released"

    # The trader reads the timeline: every step, in order, chained by hash.
    timeline = trader.get(url(declaration, "timeline/")).json()
    assert [entry["action"] for entry in timeline] == [
        "declaration.created",
        "declaration.document_added",
        "declaration.document_added",
        "declaration.submitted",
        "declaration.risk_assessed",
        "declaration.taken",
        "declaration.queried",
        "declaration.amended",
        "declaration.assessed",
        "declaration.paid",
        "declaration.released",
    ]
    assert all(len(entry["hash"]) == 64 and entry["data"]["state"] for entry in timeline)
    assert trader.get(url(declaration)).json()["actions"] == []


def test_a_green_declaration_is_assessed_at_once_and_released_on_payment(world):
    trader, officer = world.client(world.trader), world.client(world.officer)
    declaration = move(trader, file_ready(trader, origin="DE"), "submit").json()
    assert declaration["lane"] == "green" and declaration["status"] == "assessed"
    assert move(officer, declaration, "take").status_code == 409
    assert pay_at_counter(officer, declaration, "CR-1")["status"] == "released"


def test_a_red_declaration_is_inspected_before_assessment(world):
    trader, officer = world.client(world.trader), world.client(world.officer)
    declaration = move(trader, file_ready(trader, origin="KP"), "submit").json()
    assert declaration["lane"] == "red"
    declaration = move(officer, declaration, "take").json()
    declaration = move(officer, declaration, "inspect", instructions="Open container 3").json()
    assert declaration["status"] == "inspection"
    missing = move(officer, declaration, "findings", findings="")
    assert missing.status_code == 422
    assert missing.json()["errors"] == {"findings": ["Write what the inspection found."]}
    declaration = move(officer, declaration, "findings", findings="As declared").json()
    assert declaration["status"] == "under_review"
    rejected = move(officer, declaration, "reject", reason="Sanctioned origin")
    assert rejected.json()["status"] == "rejected"


def test_a_trader_cancels_a_draft(world):
    trader = world.client(world.trader)
    draft = trader.post("/api/v1/declarations/", draft_body(), format="json").json()
    cancelled = move(trader, draft, "cancel", reason="Filed twice")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert move(trader, cancelled.json(), "submit").status_code == 409


def test_a_trader_edits_a_draft_and_its_items(world):
    trader = world.client(world.trader)
    draft = trader.post("/api/v1/declarations/", draft_body(), format="json").json()
    body = draft_body(incoterm="CIF", version=draft["version"])
    edited = trader.put(url(draft), body, format="json")
    assert edited.status_code == 200 and edited.json()["incoterm"] == "CIF"
    items = [f.item(invoice_value="1000.00", description="One lot of laptops")]
    replaced = trader.put(
        url(draft, "items/"), {"version": edited.json()["version"], "items": items}, format="json"
    )
    assert replaced.status_code == 200, replaced.json()
    assert [item["description"] for item in replaced.json()["items"]] == ["One lot of laptops"]
    assert replaced.json()["incoterm"] == "CIF"
    assert [i["line"] for i in trader.get(url(draft, "items/")).json()] == [1]


def test_a_document_is_downloaded_and_removed(world):
    trader = world.client(world.trader)
    draft = trader.post("/api/v1/declarations/", draft_body(), format="json").json()
    document = upload(trader, draft, "380").json()
    download = trader.get(document["download"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert world.client(world.trader2).get(document["download"]).status_code == 404
    removed = trader.delete(f"/api/v1/documents/{document['uuid']}/")
    assert removed.status_code == 204
    assert trader.get(f"/api/v1/documents/{document['uuid']}/").status_code == 404


def test_a_file_that_is_not_a_pdf_png_or_jpeg_is_refused_by_field(world):
    trader = world.client(world.trader)
    draft = trader.post("/api/v1/declarations/", draft_body(), format="json").json()
    refused = upload(trader, draft, "380", f.EXE)
    assert refused.status_code == 422
    assert refused["Content-Type"] == "application/problem+json"
    assert list(refused.json()["errors"]) == ["file"]


def test_submitting_without_the_mandatory_documents_names_what_is_missing(world):
    trader = world.client(world.trader)
    draft = trader.post("/api/v1/declarations/", draft_body(), format="json").json()
    refused = move(trader, draft, "submit")
    assert refused.status_code == 422
    assert "documents" in refused.json()["errors"]


def test_every_problem_in_a_draft_is_reported_at_once_with_the_domains_keys(world):
    trader = world.client(world.trader)
    body = draft_body()
    body["invoice_total"] = "abc"
    body["items"][1]["hs_code"] = "12"
    body["items"][1]["net_mass"] = "30.000"  # above the gross mass
    refused = trader.post("/api/v1/declarations/", body, format="json")
    assert refused.status_code == 422
    errors = refused.json()["errors"]
    assert {"invoice_total", "items.1.hs_code", "items.1.net_mass"} <= set(errors)


# Refusals per role -----------------------------------------------------------------------------


def test_another_companys_declaration_does_not_exist(world):
    trader = world.client(world.trader)
    declaration = file_ready(trader)
    other = world.client(world.trader2)
    assert other.get(url(declaration)).status_code == 404
    assert other.get(url(declaration, "timeline/")).status_code == 404
    assert move(other, declaration, "submit").status_code == 404
    assert other.get("/api/v1/declarations/").json()["results"] == []
    document = declaration["documents"][0]
    assert other.delete(f"/api/v1/documents/{document['uuid']}/").status_code == 404


def test_another_offices_officer_cannot_find_the_declaration(world):
    trader = world.client(world.trader)
    declaration = move(trader, file_ready(trader), "submit").json()
    beijing = world.client(world.beijing_officer)
    assert beijing.get(url(declaration)).status_code == 404
    assert move(beijing, declaration, "take").status_code == 404


def test_officers_never_see_drafts(world):
    trader = world.client(world.trader)
    draft = trader.post("/api/v1/declarations/", draft_body(), format="json").json()
    assert world.client(world.officer).get(url(draft)).status_code == 404


@pytest.mark.parametrize("action", ["take", "query", "assess", "release", "reject"])
def test_a_trader_cannot_make_an_officers_move(world, action):
    trader = world.client(world.trader)
    declaration = move(trader, file_ready(trader), "submit").json()
    refused = move(trader, declaration, action, question="q", reference="r", reason="r")
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    assert "Only customs officers" in refused.json()["detail"]


@pytest.mark.parametrize("action", ["submit", "cancel"])
def test_an_officer_cannot_make_a_traders_move(world, action):
    trader = world.client(world.trader)
    declaration = move(trader, file_ready(trader), "submit").json()
    refused = move(world.client(world.officer), declaration, action)
    assert refused.status_code == 403


def test_an_officer_cannot_file_a_declaration(world):
    refused = world.client(world.officer).post("/api/v1/declarations/", draft_body(), format="json")
    assert refused.status_code == 403
    assert not Declaration.objects.exists()


def test_an_auditor_reads_everything_and_changes_nothing(world):
    trader = world.client(world.trader)
    declaration = move(trader, file_ready(trader), "submit").json()
    auditor = world.client(world.auditor)
    assert auditor.get(url(declaration)).status_code == 200
    assert auditor.get(url(declaration, "timeline/")).status_code == 200
    assert auditor.get(url(declaration))["Content-Type"] == "application/json"
    refused = move(auditor, declaration, "take")
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("Auditors have read-only access")
    assert auditor.post("/api/v1/declarations/", draft_body(), format="json").status_code == 403


def test_only_the_officer_who_took_a_declaration_queries_it(world):
    trader = world.client(world.trader)
    declaration = move(trader, file_ready(trader), "submit").json()
    declaration = move(world.client(world.officer), declaration, "take").json()
    refused = move(world.client(world.officer2), declaration, "query", question="Why?")
    assert refused.status_code == 409
    assert refused.json()["type"] == "/api/problems/conflict"


def test_a_second_officer_taking_the_same_declaration_is_told_it_moved_on(world):
    trader = world.client(world.trader)
    declaration = move(trader, file_ready(trader), "submit").json()
    move(world.client(world.officer), declaration, "take")
    refused = move(world.client(world.officer2), declaration, "take")
    assert refused.status_code == 409
    assert "already under review by another officer" in refused.json()["detail"]


def test_editing_an_old_version_is_refused_as_stale(world):
    trader = world.client(world.trader)
    draft = trader.post("/api/v1/declarations/", draft_body(), format="json").json()
    trader.put(url(draft), draft_body(incoterm="CIF", version=draft["version"]), format="json")
    old = draft_body(incoterm="EXW", version=draft["version"])
    stale = trader.put(url(draft), old, format="json")
    assert stale.status_code == 409
    assert stale.json()["type"] == "/api/problems/stale"
    assert trader.get(url(draft)).json()["incoterm"] == "CIF"


def test_a_browser_session_uses_the_api_with_its_csrf_token(world):
    client = world.client(world.trader, token=False)
    assert client.get("/api/v1/declarations/").status_code == 200
    client.enforce_csrf_checks = True
    client.handler.enforce_csrf_checks = True
    refused = client.post("/api/v1/declarations/", draft_body(), format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]


# Receipts --------------------------------------------------------------------------------------


def test_a_trader_fetches_a_receipt_that_verifies_offline(world, ledger_keys):  # noqa: F811
    trader = world.client(world.trader)
    declaration = move(trader, file_ready(trader, origin="DE"), "submit").json()
    early = trader.get(url(declaration, "receipt/"))
    assert early.status_code == 409
    assert early["Retry-After"]
    notary.notarize(cosign="inline")

    receipt = trader.get(url(declaration, "receipt/"))
    assert receipt.status_code == 200, receipt.json()
    body = receipt.json()
    assert body["format"] == "eport-receipt/v1"
    assert body["subject"]["uuid"] == declaration["uuid"]
    assert verify_receipt(body, keys.verifier_keys()).valid
    assert world.client(world.trader2).get(url(declaration, "receipt/")).status_code == 404
