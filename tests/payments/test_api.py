"""Duties and taxes through the REST API alone: agreements, e-payments confirmed by banks,
guarantees, counter payments, the bank's statement, and the refusals each party meets."""

import csv
import io
import itertools
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import schemathesis
import time_machine
from hypothesis import HealthCheck, given, settings
from rest_framework.test import APIClient
from schemathesis import GenerationMode

from eport.api.tokens import create_token
from eport.payments import selectors, services
from eport.payments.models import PaymentInstruction
from eport.payments.statement import COLUMNS
from ledger.selectors import entries_about
from tests.api.test_schemathesis import CHECKS, in_process  # noqa: F401 (fixture)
from tests.declarations import factories as f

from . import factories as pf

ICBC = "ICBKCNBJSHI"
BOC = "BKCHCNBJ300"
ACCOUNT = "6222021001000000001"
SHANGHAI = ZoneInfo("Asia/Shanghai")


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


def at(year, month, day, hour=10):
    return time_machine.travel(datetime(year, month, day, hour, tzinfo=SHANGHAI), tick=True)


def actions(subject) -> list[str]:
    return [entry.action for entry in entries_about(subject.ledger_subject)]


def post(client, url, body=None, **headers):
    return client.post(url, body or {}, format="json", **headers)


def step(client, resource: dict, name: str, **body):
    """POST one of a resource's steps, with its current version unless one is given."""
    body.setdefault("version", resource["version"])
    return post(client, f"{resource['url']}{name}/", body)


def ask_agreement(client, bic=ICBC, account=ACCOUNT):
    return post(client, "/api/v1/agreements/", {"bank": bic, "account_number": account})


def live_agreement(trader, bank, bic=ICBC, account=ACCOUNT) -> dict:
    asked = ask_agreement(api(trader), bic, account)
    assert asked.status_code == 201, asked.json()
    confirmed = step(api(bank), asked.json(), "confirm")
    assert confirmed.status_code == 200, confirmed.json()
    return confirmed.json()


def instruct(client, bill, agreement: dict):
    return post(client, f"/api/v1/bills/{bill.uuid}/payments/", {"agreement": agreement["uuid"]})


def confirmation(bill, reference="ICBC-0001", on=None, **overrides) -> dict:
    on = on or selectors.today()
    return {
        "bill_number": bill.number,
        "amount": f"{selectors.amount_due(bill, on).total:.2f}",
        "currency": "CNY",
        "bank_reference": reference,
        "value_date": on.isoformat(),
        **overrides,
    }


def confirm(client, instruction: dict, body: dict, **headers):
    return post(client, f"{instruction['url']}confirm/", body, **headers)


def issue_guarantee(client, usci, amount="50000.00", reference="G-API-1", **overrides):
    today = selectors.today()
    body = {
        "company": usci,
        "amount": amount,
        "valid_from": (today - timedelta(days=1)).isoformat(),
        "valid_until": (today + timedelta(days=365)).isoformat(),
        "bank_reference": reference,
        **overrides,
    }
    return post(client, "/api/v1/guarantees/", body)


@pytest.fixture
def pending(world):
    """A green-lane bill its trader instructed ICBC to pay from an account under agreement."""
    bill = pf.assessed(world.trader)
    agreement = live_agreement(world.trader, world.bank)
    instructed = instruct(api(world.trader), bill, agreement)
    assert instructed.status_code == 201, instructed.json()
    return bill, instructed.json()


# --- the journeys -----------------------------------------------------------------------------


def test_the_e_payment_journey_through_the_api(world):
    trader, bank = api(world.trader), api(world.bank)
    bill = pf.assessed(world.trader)

    # The trader sees what is due, by when.
    seen = trader.get(f"/api/v1/declarations/{bill.declaration.uuid}/bill/")
    assert seen.status_code == 200, seen.json()
    shown = seen.json()
    assert shown["number"] == bill.number and shown["status"] == "open"
    assert shown["tax"] == f"{bill.tax:.2f}" and shown["currency"] == "CNY"
    assert shown["due_on"] == bill.due_on.isoformat()
    assert shown["due_today"] == {
        "tax": f"{bill.tax:.2f}",
        "surcharge": "0.00",
        "days_late": 0,
        "total": f"{bill.tax:.2f}",
        "on": selectors.today().isoformat(),
    }
    assert trader.get(shown["url"]).json() == shown

    # It asks ICBC for an agreement on one of its accounts; ICBC confirms it.
    asked = ask_agreement(trader, ICBC.lower(), "6222 0210 0100 0000 001")
    assert asked.status_code == 201, asked.json()
    assert asked["Location"] == asked.json()["url"]
    agreement = asked.json()
    assert (agreement["status"], agreement["account_number"]) == ("requested", ACCOUNT)
    assert [a["name"] for a in agreement["actions"]] == ["end"]
    [offered] = bank.get("/api/v1/agreements/?status=requested").json()["results"]
    assert [a["name"] for a in offered["actions"]] == ["confirm", "refuse", "end"]
    confirmed = step(bank, offered, "confirm")
    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["status"] == "active"

    # The trader instructs payment from that account.
    instructed = instruct(trader, bill, confirmed.json())
    assert instructed.status_code == 201, instructed.json()
    assert instructed["Location"] == instructed.json()["url"]
    assert instructed.json()["amount"] == f"{bill.tax:.2f}"

    # The bank lists what waits for it and confirms the debit.
    [waiting] = bank.get("/api/v1/payments/?status=pending").json()["results"]
    assert waiting["bill"]["number"] == bill.number
    assert waiting["account_number"] == ACCOUNT
    assert [a["name"] for a in waiting["actions"]] == ["confirm", "refuse"]
    done = confirm(bank, waiting, confirmation(bill))
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "confirmed"
    assert done.json()["confirmed_amount"] == f"{bill.tax:.2f}"
    assert done.json()["actions"] == []
    assert bank.get("/api/v1/payments/?status=pending").json()["results"] == []

    # The bill is written off and the green-lane declaration released.
    paid = trader.get(shown["url"]).json()
    assert (paid["status"], paid["means"], paid["paid_reference"]) == (
        "paid",
        "e_payment",
        "ICBC-0001",
    )
    assert (paid["surcharge"], paid["paid_amount"]) == ("0.00", f"{bill.tax:.2f}")
    assert paid["due_today"] is None
    assert f.fresh(bill.declaration).status == "released"
    assert actions(bill) == ["bill.issued", "bill.paid"]


def test_a_confirmation_that_differs_is_refused_naming_the_field(world, pending):
    bill, instruction = pending
    bank = api(world.bank)

    short = confirm(bank, instruction, confirmation(bill, amount="1.00"))
    wrong_bill = confirm(bank, instruction, confirmation(bill, bill_number="TB0000"))
    dollars = confirm(bank, instruction, confirmation(bill, currency="USD"))

    assert short.status_code == 422
    assert short["Content-Type"] == "application/problem+json"
    assert list(short.json()["errors"]) == ["amount"]
    assert "too little" in short.json()["errors"]["amount"][0]
    assert f"asks for {bill.tax:.2f} CNY" in short.json()["detail"]
    assert list(wrong_bill.json()["errors"]) == ["bill_number"]
    assert "not TB0000" in wrong_bill.json()["detail"]
    assert list(dollars.json()["errors"]) == ["currency"]
    assert pf.fresh(bill).status == "open"
    assert PaymentInstruction.objects.get().status == "pending"


def test_a_malformed_confirmation_names_each_field(world, pending):
    _, instruction = pending

    refused = confirm(api(world.bank), instruction, {"amount": True, "value_date": "yesterday"})

    assert refused.status_code == 422
    errors = refused.json()["errors"]
    assert {"bill_number", "amount", "currency", "bank_reference", "value_date"} <= set(errors)
    assert "decimal" in errors["amount"][0]
    assert "YYYY-MM-DD" in errors["value_date"][0]


def test_a_retried_confirmation_confirms_once(world, pending):
    bill, instruction = pending
    bank = api(world.bank)
    body = confirmation(bill, reference="ICBC-RETRY")
    keyed = {"HTTP_IDEMPOTENCY_KEY": "confirm-0001"}

    first = confirm(bank, instruction, body, **keyed)
    replayed = confirm(bank, instruction, body, **keyed)
    unkeyed = confirm(bank, instruction, body)

    assert first.status_code == replayed.status_code == unkeyed.status_code == 200
    assert replayed["Idempotent-Replayed"] == "true"
    assert replayed.json() == first.json()
    assert unkeyed.json()["status"] == "confirmed"
    assert unkeyed.json()["bank_reference"] == "ICBC-RETRY"
    [entry] = entries_about(f"payment:{instruction['uuid']}").filter(action="payment.confirmed")
    assert entry.data["bank_reference"] == "ICBC-RETRY"
    assert actions(bill) == ["bill.issued", "bill.paid"]
    assert (
        entries_about(bill.declaration.ledger_subject).filter(action="declaration.paid").count()
        == 1
    )
    # Another reference for the same debit is a conflict, not a second payment.
    other = confirm(bank, instruction, {**body, "bank_reference": "ICBC-OTHER"})
    assert other.status_code == 409
    assert "already confirmed under your reference ICBC-RETRY" in other.json()["detail"]


def test_a_bank_refuses_a_debit_and_the_trader_withdraws_the_next(world, pending):
    bill, instruction = pending
    trader, bank = api(world.trader), api(world.bank)

    blank = step(bank, instruction, "refuse", reason=" ")
    assert blank.status_code == 422 and list(blank.json()["errors"]) == ["reason"]
    refused = step(bank, instruction, "refuse", reason="Insufficient funds")
    assert refused.status_code == 200, refused.json()
    assert (refused.json()["status"], refused.json()["reason"]) == (
        "refused",
        "Insufficient funds",
    )
    twice = step(bank, refused.json(), "refuse", reason="Again")
    assert twice.status_code == 409
    assert "refused by the bank, so it cannot be refused" in twice.json()["detail"]

    [agreement] = trader.get("/api/v1/agreements/").json()["results"]
    again = instruct(trader, bill, agreement)
    assert again.status_code == 201, again.json()
    assert [a["name"] for a in again.json()["actions"]] == ["withdraw"]
    stale = step(trader, again.json(), "withdraw", version=7)
    assert stale.status_code == 409
    assert "version 7" in stale.json()["detail"] and "version 1" in stale.json()["detail"]
    withdrawn = step(trader, again.json(), "withdraw")
    assert withdrawn.status_code == 200, withdrawn.json()
    assert withdrawn.json()["status"] == "withdrawn"
    assert pf.fresh(bill).status == "open"
    assert [
        x["status"] for x in trader.get(f"/api/v1/payments/?bill={bill.uuid}").json()["results"]
    ] == ["withdrawn", "refused"]


def test_agreements_refused_ended_and_asked_of_an_unknown_bank(world):
    trader, bank = api(world.trader), api(world.bank)

    unknown = ask_agreement(trader, "NOSUCHBANKX")
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == {"bank": ["No alliance bank has the BIC NOSUCHBANKX."]}
    malformed = ask_agreement(trader, ICBC, "12-34")
    assert (
        malformed.status_code == 422
        and "8 to 34" in malformed.json()["errors"]["account_number"][0]
    )

    asked = ask_agreement(trader).json()
    refused = step(bank, asked, "refuse", reason="No such account")
    assert refused.json()["status"] == "refused" and refused.json()["actions"] == []
    live = live_agreement(world.trader, world.bank, account="6222021001000000002")
    ended = step(trader, live, "end", reason="Account closed")
    assert ended.status_code == 200, ended.json()
    assert (ended.json()["status"], ended.json()["reason"]) == ("ended", "Account closed")
    assert [a["status"] for a in trader.get("/api/v1/agreements/").json()["results"]] == [
        "ended",
        "refused",
    ]


def test_a_guarantee_issued_through_the_api_releases_a_bill_until_it_is_paid(world):
    trader, bank = api(world.trader), api(world.bank)
    with at(2026, 12, 6):
        issued = issue_guarantee(bank, world.alpha.usci.lower(), "50000.00")
        assert issued.status_code == 201, issued.json()
        guarantee = issued.json()
        assert issued["Location"] == guarantee["url"]
        assert (guarantee["reserved"], guarantee["remaining"]) == ("0.00", "50000.00")
        assert guarantee["frozen_by"] is None
        [listed] = trader.get("/api/v1/guarantees/").json()["results"]
        assert listed == {**guarantee, "actions": []}  # the bank ends it, not the trader
        bill = pf.assessed(world.trader)

        released = post(
            trader, f"/api/v1/bills/{bill.uuid}/guarantee/", {"guarantee": guarantee["uuid"]}
        )

        assert released.status_code == 200, released.json()
        shown = released.json()
        assert shown["status"] == "guaranteed"
        assert shown["guarantee"] == {
            "uuid": guarantee["uuid"],
            "url": guarantee["url"],
            "bank": ICBC,
        }
        assert shown["guaranteed_due_on"] == "2027-01-07"
        assert f.fresh(bill.declaration).status == "released"
        balance = bank.get(guarantee["url"]).json()
        assert balance["reserved"] == f"{bill.tax:.2f}"
        assert balance["remaining"] == f"{Decimal('50000.00') - bill.tax:.2f}"

    # Unpaid after its aggregate date, the bill freezes the guarantee.
    with at(2027, 1, 8):
        assert bank.get(guarantee["url"]).json()["frozen_by"] == bill.number

    # Paid in the following month, before the aggregate date: the balance comes back.
    with at(2027, 1, 6):
        agreement = live_agreement(world.trader, world.bank)
        instruction = instruct(trader, bill, agreement).json()
        done = confirm(bank, instruction, confirmation(pf.fresh(bill), reference="ICBC-G-1"))
        assert done.status_code == 200, done.json()
        balance = trader.get(guarantee["url"]).json()
    assert (balance["reserved"], balance["remaining"]) == ("0.00", "50000.00")
    assert trader.get(shown["url"]).json()["status"] == "paid"


def test_a_guarantee_is_refused_naming_what_is_wrong(world):
    bank = api(world.bank)

    unknown = issue_guarantee(bank, f.usci("91440300MA5G00000"))
    malformed = issue_guarantee(bank, "91310000MA1FL0000X")
    backwards = issue_guarantee(
        bank, world.alpha.usci, valid_from="2027-01-02", valid_until="2027-01-01"
    )
    short = issue_guarantee(bank, world.alpha.usci, amount="-5")

    assert unknown.status_code == 422
    assert unknown.json()["errors"]["company"] == [
        f"No company is registered under the USCI {f.usci('91440300MA5G00000')}."
    ]
    assert "check character" in malformed.json()["errors"]["company"][0]
    assert "ends before it starts" in backwards.json()["errors"]["valid_until"][0]
    assert "more than zero" in short.json()["errors"]["amount"][0]
    assert issue_guarantee(bank, world.alpha.usci).status_code == 201
    again = issue_guarantee(bank, world.alpha.usci)
    assert again.status_code == 422 and "G-API-1" in again.json()["errors"]["bank_reference"][0]


def test_a_guarantee_that_does_not_cover_the_bill_is_a_conflict(world):
    guarantee = issue_guarantee(api(world.bank), world.alpha.usci, "10.00").json()
    bill = pf.assessed(world.trader)

    refused = post(
        api(world.trader), f"/api/v1/bills/{bill.uuid}/guarantee/", {"guarantee": guarantee["uuid"]}
    )

    assert refused.status_code == 409
    assert "has 10.00 CNY left" in refused.json()["detail"]
    assert pf.fresh(bill).status == "open"


def test_a_bank_ends_a_guarantee_nothing_holds(world):
    bank = api(world.bank)
    guarantee = issue_guarantee(bank, world.alpha.usci).json()
    assert [a["name"] for a in guarantee["actions"]] == ["end"]
    assert api(world.trader).get(guarantee["url"]).json()["actions"] == []

    ended = step(bank, guarantee, "end")

    assert ended.status_code == 200, ended.json()
    assert ended.json()["status"] == "ended" and ended.json()["actions"] == []


def test_an_officer_records_a_counter_payment(world):
    bill = pf.assessed(world.trader)
    officer = api(world.officer)
    url = f"/api/v1/bills/{bill.uuid}/counter-payment/"

    blank = post(officer, url, {"receipt_number": "  "})
    paid = post(officer, url, {"receipt_number": "CR-2026-0001"})
    twice = post(officer, url, {"receipt_number": "CR-2026-0002"})

    assert blank.status_code == 422 and list(blank.json()["errors"]) == ["receipt_number"]
    assert paid.status_code == 200, paid.json()
    assert (paid.json()["status"], paid.json()["means"], paid.json()["paid_reference"]) == (
        "paid",
        "counter",
        "CR-2026-0001",
    )
    assert twice.status_code == 409 and "already paid" in twice.json()["detail"]
    assert f.fresh(bill.declaration).status == "released"
    assert [b["number"] for b in officer.get("/api/v1/bills/").json()["results"]] == [bill.number]


# --- who may do and see what ------------------------------------------------------------------


def test_a_role_that_may_never_take_a_step_is_refused_before_its_body_is_read(world, pending):
    bill, instruction = pending
    agreement = api(world.trader).get("/api/v1/agreements/").json()["results"][0]
    refusals = [
        (world.trader, f"{instruction['url']}confirm/"),
        (world.trader, f"{instruction['url']}refuse/"),
        (world.bank, f"{instruction['url']}withdraw/"),
        (world.officer, f"{agreement['url']}end/"),
        (world.bank, "/api/v1/agreements/"),
        (world.trader, "/api/v1/guarantees/"),
        (world.bank, f"/api/v1/bills/{bill.uuid}/payments/"),
        (world.officer, f"/api/v1/bills/{bill.uuid}/guarantee/"),
        (world.trader, f"/api/v1/bills/{bill.uuid}/counter-payment/"),
        (world.auditor, f"/api/v1/bills/{bill.uuid}/counter-payment/"),
        (world.bank, f"/api/v1/bills/{bill.uuid}/counter-payment/"),
    ]
    for person, url in refusals:
        response = api(person).post(url, "{not json", content_type="application/json")
        assert response.status_code == 403, (person.username, url, response.json())
        assert response["Content-Type"] == "application/problem+json"
    statement = api(world.trader).get(f"/api/v1/bank/statements/{selectors.today()}/")
    assert statement.status_code == 403
    assert "Only bank staff" in statement.json()["detail"]


def test_officers_and_auditors_read_but_are_offered_no_step(world, pending):
    bill, instruction = pending
    officer, auditor = api(world.officer), api(world.auditor)

    [seen_by_officer] = officer.get("/api/v1/payments/").json()["results"]
    [seen_by_auditor] = auditor.get("/api/v1/payments/?status=pending").json()["results"]

    assert seen_by_officer["uuid"] == seen_by_auditor["uuid"] == instruction["uuid"]
    assert seen_by_officer["actions"] == seen_by_auditor["actions"] == []
    assert officer.get(f"/api/v1/declarations/{bill.declaration.uuid}/bill/").status_code == 200
    assert [a["actions"] for a in auditor.get("/api/v1/agreements/").json()["results"]] == [[]]
    assert officer.get("/api/v1/agreements/").json()["results"] == []
    assert auditor.get(f"/api/v1/bills/{bill.uuid}/").json()["number"] == bill.number
    assert auditor.get("/api/v1/payments/?status=confirmed").json()["results"] == []


def test_another_company_s_or_bank_s_objects_are_not_found(world, pending):
    bill, instruction = pending
    trader2, bank2 = api(world.trader2), api(world.bank2)
    agreement = api(world.trader).get("/api/v1/agreements/").json()["results"][0]
    guarantee = issue_guarantee(api(world.bank), world.alpha.usci).json()

    for client, url in (
        (trader2, f"/api/v1/bills/{bill.uuid}/"),
        (trader2, f"/api/v1/declarations/{bill.declaration.uuid}/bill/"),
        (trader2, instruction["url"]),
        (trader2, agreement["url"]),
        (trader2, guarantee["url"]),
        (bank2, f"/api/v1/bills/{bill.uuid}/"),
        (bank2, instruction["url"]),
        (bank2, agreement["url"]),
        (bank2, guarantee["url"]),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/problem+json"
    assert confirm(bank2, instruction, confirmation(bill)).status_code == 404
    assert step(bank2, agreement, "end").status_code == 404
    assert step(bank2, guarantee, "end").status_code == 404
    assert post(trader2, f"/api/v1/bills/{bill.uuid}/payments/", {}).status_code == 404
    for listing in ("bills", "payments", "agreements", "guarantees"):
        assert bank2.get(f"/api/v1/{listing}/").json()["results"] == [], listing
        assert trader2.get(f"/api/v1/{listing}/").json()["results"] == [], listing

    # Naming another company's agreement or guarantee in a body is a problem with that field.
    other_bill = pf.assessed(world.trader2)
    borrowed = instruct(trader2, other_bill, agreement)
    assert borrowed.status_code == 422
    assert list(borrowed.json()["errors"]) == ["agreement"]
    borrowed = post(
        trader2, f"/api/v1/bills/{other_bill.uuid}/guarantee/", {"guarantee": guarantee["uuid"]}
    )
    assert borrowed.status_code == 422 and list(borrowed.json()["errors"]) == ["guarantee"]


def test_a_bank_sees_no_other_bank_s_figures_on_a_bill(world):
    """ICBC guarantees the bill, BOC debits it: each sees the bill, neither the other's part."""
    icbc, boc, trader = api(world.bank), api(world.bank2), api(world.trader)
    guarantee = issue_guarantee(icbc, world.alpha.usci).json()
    bill = pf.assessed(world.trader)
    assert post(
        trader, f"/api/v1/bills/{bill.uuid}/guarantee/", {"guarantee": guarantee["uuid"]}
    ).json()["status"] == ("guaranteed")
    agreement = live_agreement(world.trader, world.bank2, BOC)
    instruction = instruct(trader, bill, agreement).json()
    assert confirm(boc, instruction, confirmation(pf.fresh(bill), "BOC-77")).status_code == 200

    by_icbc = icbc.get(f"/api/v1/bills/{bill.uuid}/").json()
    by_boc = boc.get(f"/api/v1/bills/{bill.uuid}/").json()
    [listed_by_icbc] = icbc.get("/api/v1/bills/").json()["results"]
    by_trader = trader.get(f"/api/v1/bills/{bill.uuid}/").json()

    assert by_icbc["guarantee"]["bank"] == ICBC and by_icbc["paid_reference"] is None
    assert listed_by_icbc == by_icbc
    assert by_boc["guarantee"] is None and by_boc["paid_reference"] == "BOC-77"
    assert by_trader["guarantee"]["bank"] == ICBC and by_trader["paid_reference"] == "BOC-77"
    assert icbc.get("/api/v1/payments/").json()["results"] == []


# --- the bank's statement ---------------------------------------------------------------------


def test_the_statement_lists_the_bank_s_confirmations_of_a_value_date(world, pending):
    bill, instruction = pending
    bank = api(world.bank)
    today = selectors.today()
    assert confirm(bank, instruction, confirmation(bill, "ICBC-=1")).status_code == 200

    statement = bank.get(f"/api/v1/bank/statements/{today.isoformat()}/")

    assert statement.status_code == 200
    assert statement["Content-Type"] == "text/csv; charset=utf-8"
    assert f"statement-{ICBC}-{today.isoformat()}.csv" in statement["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(statement.content.decode())))
    [row] = rows
    confirmed = PaymentInstruction.objects.get()
    assert row == {
        "value_date": today.isoformat(),
        "bank_reference": "ICBC-=1",
        "bill_number": bill.number,
        "declaration_number": bill.declaration.number,
        "company_usci": world.alpha.usci,
        "company_name": world.alpha.name,
        "account_number": ACCOUNT,
        "tax": f"{bill.tax:.2f}",
        "surcharge": "0.00",
        "amount": f"{bill.tax:.2f}",
        "currency": "CNY",
        "confirmed_at": confirmed.decided_at.astimezone(SHANGHAI).isoformat(timespec="seconds"),
    }
    # Another bank's statement of the same day, and the bank's of another day, are empty.
    other = api(world.bank2).get(f"/api/v1/bank/statements/{today.isoformat()}/")
    assert other.content.decode().splitlines() == [",".join(COLUMNS)]
    yesterday = (today - timedelta(days=1)).isoformat()
    assert len(bank.get(f"/api/v1/bank/statements/{yesterday}/").content.splitlines()) == 1


def test_a_formula_in_a_statement_cell_is_quoted(world):
    bill = pf.assessed(world.trader)
    world.alpha.name = "=HYPERLINK(evil)"
    world.alpha.save()
    agreement = pf.agreement(world.trader, world.bank)
    instruction = services.instruct_payment(bill=bill, actor=world.trader, agreement=agreement)
    pf.confirm(instruction, world.bank, reference="-1+1")

    text = api(world.bank).get(f"/api/v1/bank/statements/{selectors.today()}/").content.decode()

    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["company_name"] == "'=HYPERLINK(evil)" and row["bank_reference"] == "'-1+1"


@pytest.mark.parametrize("value_date", ["2026-13-01", "2026-02-30", "yesterday", "20261201"])
def test_a_statement_of_a_date_that_is_not_one_is_not_found(world, value_date):
    refused = api(world.bank).get(f"/api/v1/bank/statements/{value_date}/", HTTP_ACCEPT="text/csv")

    assert refused.status_code == 404
    assert refused["Content-Type"] == "application/problem+json"
    assert "YYYY-MM-DD" in refused.json()["detail"]


# --- the documented answers, fuzzed with real objects -----------------------------------------

EXAMPLES = 8
PAYMENT_PATHS = ("/bills/", "/payments/", "/agreements/", "/guarantees/", "/bank/statements/")


@pytest.fixture
def payment_objects(world):
    """A bill paid through ICBC, another released against ICBC's guarantee, and agreements."""
    paid = pf.assessed(world.trader, lrn="FUZZ-PAID")
    agreement = pf.agreement(world.trader, world.bank)
    instruction = services.instruct_payment(bill=paid, actor=world.trader, agreement=agreement)
    pf.confirm(instruction, world.bank, reference="FUZZ-1")
    guarantee = pf.guarantee(world.bank, world.alpha, reference="FUZZ-G")
    guaranteed = pf.assessed(world.trader, lrn="FUZZ-GUARANTEED")
    services.release_against_guarantee(bill=guaranteed, actor=world.trader, guarantee=guarantee)
    return {
        "/api/v1/bills/": str(guaranteed.uuid),
        "/api/v1/payments/": str(instruction.uuid),
        "/api/v1/agreements/": str(agreement.uuid),
        "/api/v1/guarantees/": str(guarantee.uuid),
    }


@pytest.mark.parametrize("who", ["trader", "bank"])
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_payments_operations_answer_as_documented(
    world,
    in_process,  # noqa: F811
    payment_objects,
    who,
    mode,
):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", in_process)
    operations = [
        operation
        for operation in (result.ok() for result in schema.get_all_operations())
        if any(part in operation.path for part in PAYMENT_PATHS)
    ]
    assert len(operations) >= 20
    _, secret = create_token(actor=getattr(world, who), name="schemathesis")
    headers = {"Authorization": f"Bearer {secret}"}
    failures = []
    for operation in operations:
        parameters = {}
        if "{uuid}" in operation.path:
            prefix = next(p for p in payment_objects if operation.path.startswith(p))
            parameters = {"uuid": payment_objects[prefix]}

        @given(case=operation.as_strategy(generation_mode=mode, path_parameters=parameters))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case):
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS)

        try:
            exercise()
        except Exception as failure:  # collected, so one run reports every operation's problem
            failures.append(f"{operation.method.upper()} {operation.path}: {failure}")
    assert not failures, "\n\n".join(failures)
