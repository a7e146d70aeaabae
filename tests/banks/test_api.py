"""The bank's journey through the REST API alone: presenting, checking, registering and moving
financings, receipts, and the refusals a bank and a trader meet."""

import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from eport.api.tokens import create_token
from eport.banks.models import Financing
from ledger import keys, notary
from ledger.verify_receipt import verify_receipt
from tests.declarations import factories as f
from tests.ledger.notary_support import ledger_keys  # noqa: F401 (fixture)

from . import factories as bf

ICBC = "ICBKCNBJSHI"
BOC = "BKCHCNBJ300"


@pytest.fixture(autouse=True)
def own_throttle_window(settings):
    settings.EPORT_API_RATE = "100000/minute"


_tokens = itertools.count()


def api(user) -> APIClient:
    """A client holding a fresh API token of ``user``."""
    client = APIClient()
    _, secret = create_token(actor=user, name=f"test client {next(_tokens)}")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def present(client, declaration, bic):
    return client.post(
        f"/api/v1/declarations/{declaration.uuid}/presentations/", {"bank": bic}, format="json"
    )


def register(client, declaration, amount, reference="F-1", headers=None, **overrides):
    body = {
        "declaration": str(getattr(declaration, "uuid", declaration)),
        "instrument": "import_payment",
        "amount": amount,
        "value_date": "2026-12-01",
        "maturity_date": "2027-03-01",
        "bank_reference": reference,
        **overrides,
    }
    return client.post("/api/v1/financings/", body, format="json", **(headers or {}))


def move(client, financing: dict, name: str, **body):
    body.setdefault("version", financing["version"])
    return client.post(f"{financing['url']}{name}/", body, format="json")


@pytest.fixture
def presented(world):
    """A released declaration (1000.00 EUR) its trader presented to both banks."""
    declaration = bf.released(world.trader, world.officer)
    trader = api(world.trader)
    assert present(trader, declaration, ICBC).status_code == 201
    assert present(trader, declaration, BOC.lower()).status_code == 201
    return declaration


def test_the_bank_s_journey_through_the_api(world, presented, ledger_keys):  # noqa: F811
    trader, bank, bank2 = api(world.trader), api(world.bank), api(world.bank2)

    # The trader sees both presentations.
    listed = trader.get(f"/api/v1/declarations/{presented.uuid}/presentations/").json()
    assert sorted(p["bank"]["bic"] for p in listed) == [BOC, ICBC]
    assert all(p["live"] for p in listed)

    # The bank finds it in its workspace with the customs facts and the whole value financeable.
    page = bank.get("/api/v1/bank/declarations/").json()
    [seen] = page["results"]
    assert seen["number"] == presented.number
    assert seen["financeable"] == "1000.00"
    assert seen["items"][0]["hs_code"] == "8471300000"
    assert seen["port_of_discharge"] == "CNSHA"
    checked = bank.post("/api/v1/bank/check/", {"numbers": [presented.number]}, format="json")
    assert checked.json()["answers"] == [
        {
            "number": presented.number,
            "available": True,
            "declaration": seen["url"],
            "balance": "1000.00",
            "currency": "EUR",
        }
    ]

    # Bank 1 registers 60 % and disburses it.
    created = register(bank, presented, "600.00")
    assert created.status_code == 201, created.json()
    assert created["Location"] == created.json()["url"]
    financing = bank.get(created["Location"]).json()
    assert financing["version"] == 1
    assert [a["name"] for a in financing["actions"]] == ["disburse", "cancel"]
    disbursed = move(bank, financing, "disburse")
    assert disbursed.status_code == 200, disbursed.json()
    assert disbursed.json()["status"] == "disbursed"
    assert disbursed.json()["disbursed_amount"] == "600.00"

    # Bank 2 sees only what remains, is refused 50 %, registers 40 %.
    assert bank2.get(seen["url"]).json()["financeable"] == "400.00"
    assert register(bank2, presented, "500.00", "B2-1").status_code == 409
    second = register(bank2, presented, "400.00", "B2-1")
    assert second.status_code == 201, second.json()

    # Bank 1 is repaid; the amount stays consumed.
    repaid = move(bank, disbursed.json(), "repay")
    assert repaid.json()["status"] == "repaid"
    assert repaid.json()["actions"] == []
    assert bank.get(seen["url"]).json()["financeable"] == "0.00"

    # The trader and the auditor see both; each bank only its own.
    assert len(trader.get("/api/v1/financings/").json()["results"]) == 2
    assert len(api(world.auditor).get("/api/v1/financings/").json()["results"]) == 2
    assert [x["bank_reference"] for x in bank.get("/api/v1/financings/").json()["results"]] == [
        "F-1"
    ]

    # Receipts: 409 until notarized, then offline-verifiable.
    receipt_url = second.json()["receipt"]
    waiting = bank2.get(receipt_url)
    assert waiting.status_code == 409 and waiting["Retry-After"]
    notary.notarize(cosign="inline")
    registration = bank2.get(receipt_url).json()
    assert verify_receipt(registration, keys.verifier_keys()).valid
    assert registration["subject"]["amount"] == "400.00"  # still as registered
    moved_on = bank.get(repaid.json()["receipt"]).json()
    assert verify_receipt(moved_on, keys.verifier_keys()).valid
    assert "subject" not in moved_on  # repaid since: the registration's snapshot is gone
    customs = bank.get(seen["receipt"]).json()
    assert verify_receipt(customs, keys.verifier_keys()).valid
    assert customs["subject"]["number"] == presented.number

    # Withdrawal waits until bank 2 has nothing live; then bank 2 no longer sees it.
    to_boc = next(p for p in listed if p["bank"]["bic"] == BOC)
    refused = trader.post(to_boc["withdraw"])
    assert refused.status_code == 409
    assert "live financing" in refused.json()["detail"]
    assert move(bank2, second.json(), "cancel", reason="Client declined").status_code == 200
    withdrawn = trader.post(to_boc["withdraw"])
    assert withdrawn.status_code == 200
    assert withdrawn.json()["live"] is False
    assert bank2.get(seen["url"]).status_code == 404
    assert bank2.get("/api/v1/bank/declarations/").json()["results"] == []


def test_an_amount_beyond_the_balance_is_refused_naming_what_remains(world, presented):
    assert register(api(world.bank), presented, "600.00").status_code == 201

    refused = register(api(world.bank2), presented, "500.00", "B2-1")

    assert refused.status_code == 409
    assert refused["Content-Type"] == "application/problem+json"
    assert "400.00 EUR remain" in refused.json()["detail"]
    assert Financing.objects.count() == 1


def test_a_move_on_a_stale_version_is_refused(world, presented):
    bank = api(world.bank)
    financing = register(bank, presented, "100.00").json()
    assert move(bank, financing, "disburse", amount="50.00").status_code == 200

    stale = move(bank, financing, "repay")

    assert stale.status_code == 409
    assert "version 1" in stale.json()["detail"] and "version 2" in stale.json()["detail"]
    assert Financing.objects.get().status == Financing.Status.DISBURSED


def test_a_registration_retried_with_its_idempotency_key_is_made_once(world, presented):
    bank = api(world.bank)
    headers = {"HTTP_IDEMPOTENCY_KEY": "reg-0001"}

    first = register(bank, presented, "100.00", headers=headers)
    again = register(bank, presented, "100.00", headers=headers)

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert Financing.objects.count() == 1
    different = register(bank, presented, "200.00", headers=headers)
    assert different.status_code == 422


def test_a_move_retried_with_its_idempotency_key_is_made_once(world, presented):
    bank = api(world.bank)
    financing = register(bank, presented, "100.00").json()
    url = f"{financing['url']}disburse/"

    first = bank.post(url, {"version": 1}, format="json", HTTP_IDEMPOTENCY_KEY="d-1")
    again = bank.post(url, {"version": 1}, format="json", HTTP_IDEMPOTENCY_KEY="d-1")

    assert first.status_code == again.status_code == 200
    assert again.json()["version"] == 2
    assert Financing.objects.get().version == 2


@pytest.mark.parametrize(
    ("who", "method", "path"),
    [
        ("trader", "post", "/api/v1/financings/"),
        ("officer", "post", "/api/v1/financings/"),
        ("auditor", "post", "/api/v1/financings/"),
        ("trader", "post", "/api/v1/bank/check/"),
        ("bank", "post", "/api/v1/declarations/{declaration}/presentations/"),
        ("auditor", "post", "/api/v1/declarations/{declaration}/presentations/"),
        ("trader", "post", "/api/v1/financings/{financing}/cancel/"),
        ("bank", "post", "/api/v1/presentations/{presentation}/withdraw/"),
    ],
)
def test_a_role_that_may_not_act_is_refused_before_its_body_is_read(
    world, presented, who, method, path
):
    financing = register(api(world.bank), presented, "10.00").json()
    presentation = presented.presentations.first()
    url = path.format(
        declaration=presented.uuid, financing=financing["uuid"], presentation=presentation.uuid
    )

    refused = getattr(api(getattr(world, who)), method)(
        url, b"{not json", content_type="application/json"
    )

    assert refused.status_code == 403, refused.json()
    assert refused["Content-Type"] == "application/problem+json"


def test_a_bank_is_refused_for_a_declaration_not_presented_to_it_as_for_an_unknown_one(world):
    unpresented = bf.released(world.trader, world.officer, lrn="R-2")
    bank = api(world.bank)

    for uuid in (unpresented.uuid, "00000000-0000-4000-8000-000000000000"):
        refused = register(bank, uuid, "1.00")
        assert refused.status_code == 422
        assert refused.json()["errors"] == {
            "declaration": ["No declaration with this id is presented to your bank."]
        }


def test_presenting_names_an_unknown_bic_and_refuses_an_unreleased_declaration(world):
    trader = api(world.trader)
    released = bf.released(world.trader, world.officer)
    unknown = present(trader, released, "DEUTDEFFXXX")
    assert unknown.status_code == 422
    assert "DEUTDEFFXXX" in unknown.json()["errors"]["bank"][0]
    draft = f.draft(world.trader, lrn="D-1")
    assert present(trader, draft, ICBC).status_code == 409
    assert present(trader, released, ICBC).status_code == 201
    assert present(trader, released, ICBC).status_code == 409


def test_the_batch_check_takes_a_csv_upload(world, presented):
    csv = f'number\n"{presented.number}"\n310120260000000000;{presented.number}\n'.encode()
    upload = SimpleUploadedFile("numbers.csv", csv, content_type="text/csv")

    answered = api(world.bank).post("/api/v1/bank/check/", {"file": upload}, format="multipart")

    assert answered.status_code == 200, answered.json()
    answers = answered.json()["answers"]
    assert [(a["number"], a["available"]) for a in answers] == [
        ("number", False),
        (presented.number, True),
        ("310120260000000000", False),
    ]


def test_the_batch_check_refuses_more_than_a_thousand_numbers(world):
    numbers = [f"{n:018d}" for n in range(1001)]

    refused = api(world.bank).post("/api/v1/bank/check/", {"numbers": numbers}, format="json")

    assert refused.status_code == 422
    assert list(refused.json()["errors"]) == ["numbers"]
