"""Submitting a green declaration (numbered, routed, assessed and billed in one transaction) costs
a fixed number of queries, whatever the number of goods items: a query per item, a second read
of what the transaction holds, or a savepoint more fails here."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from eport.api.tokens import create_token
from eport.declarations import services
from eport.declarations.models import Declaration
from eport.notifications.models import Notification
from eport.outbox.models import OutboxMessage
from eport.payments.models import TaxBill
from eport.reference import controls
from ledger.models import Entry

from . import factories as f

# The declaration's lock, its items, its documents, the risk rules, the tariff, the number,
# the items' assessed amounts, the declaration's row, three ledger entries; the traders told and
# their notification; the bill (is there one already?), the bill and its ledger entry.
SUBMIT_QUERIES = 16
# A trader with an e-mail address: whether they want this kind by e-mail, and the e-mail's
# outbox row.
EMAIL_QUERIES = 2
# Over the API: the token (and its last use), the declaration (whom it is visible to), and the
# response's queries; nothing the submission holds is read again.
API_QUERIES = SUBMIT_QUERIES + 4


@pytest.fixture(autouse=True)
def goods_controls_read(world):
    """The goods controls are read once per process and kept, as in a running server."""
    controls.controls_for("0")


def _ready(trader, items: int, lrn: str) -> Declaration:
    value = f"{1000 / items:.2f}"
    total = f"{float(value) * items:.2f}"
    return f.ready(
        trader,
        lrn=lrn,
        invoice_total=total,
        items=[f.item(invoice_value=value, description=f"Laptop {n}") for n in range(items)],
    )


def _submit_counted(declaration: Declaration, trader) -> tuple[Declaration, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        submitted = services.submit_declaration(
            declaration=declaration, actor=trader, version=declaration.version
        )
    statements = [
        query["sql"] for query in queries.captured_queries if "SAVEPOINT" not in query["sql"]
    ]
    return submitted, statements


@pytest.mark.parametrize("items", [1, 10])
def test_a_green_submission_takes_the_same_queries_for_one_item_or_ten(world, items):
    declaration = _ready(world.trader, items, f"PERF-{items}")

    submitted, statements = _submit_counted(declaration, world.trader)

    assert (submitted.status, submitted.lane) == ("assessed", "green")
    assert len(statements) <= SUBMIT_QUERIES, "\n".join(statements)
    # The ledger and the other domains hear of it as before.
    actions = list(
        Entry.objects.filter(subject=submitted.ledger_subject)
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions[-3:] == [
        "declaration.submitted",
        "declaration.risk_assessed",
        "declaration.assessed",
    ]
    assert TaxBill.objects.filter(declaration=submitted).count() == 1
    assert Notification.objects.filter(recipient=world.trader, kind="assessed").count() == 1


def test_the_submission_reads_the_office_it_holds_and_no_savepoint_for_the_bill(world):
    declaration = _ready(world.trader, 2, "PERF-HELD")

    with CaptureQueriesContext(connection) as queries:
        services.submit_declaration(
            declaration=declaration, actor=world.trader, version=declaration.version
        )

    sql = [query["sql"] for query in queries.captured_queries]
    assert not [s for s in sql if 'FROM "accounts_customsoffice"' in s]
    # One savepoint pair: the submission's own (the test runs in a transaction).
    assert len([s for s in sql if s.startswith("SAVEPOINT")]) == 1


def test_a_trader_with_an_address_costs_two_queries_more(world):
    world.trader.email = "trader@example.com"
    world.trader.save(update_fields=["email"])
    declaration = _ready(world.trader, 2, "PERF-MAIL")

    _submitted, statements = _submit_counted(declaration, world.trader)

    assert len(statements) <= SUBMIT_QUERIES + EMAIL_QUERIES, "\n".join(statements)
    told = Notification.objects.get(recipient=world.trader, kind="assessed")
    assert OutboxMessage.objects.filter(task="notifications.send_email", args=[told.pk]).exists()


def test_an_office_closed_since_the_draft_still_stops_the_submission(world):
    declaration = _ready(world.trader, 1, "PERF-CLOSED")
    world.shanghai.active = False
    world.shanghai.save(update_fields=["active"])

    with pytest.raises(ValidationError) as caught:
        services.submit_declaration(
            declaration=declaration, actor=world.trader, version=declaration.version
        )

    assert caught.value.message_dict["office"] == [
        "'2201' is not an open customs office; choose the office of lodgement."
    ]
    assert f.fresh(declaration).status == "draft"


def test_submitting_over_the_api_reads_nothing_the_submission_holds(world):
    declaration = _ready(world.trader, 10, "PERF-API")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {create_token(actor=world.trader, name='p')[1]}")

    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"/api/v1/declarations/{declaration.uuid}/submit/",
            {"version": declaration.version},
            format="json",
        )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "assessed"
    assert [d["declaration_version"] for d in body["documents"]] == [body["version"]] * 2
    statements = [
        query["sql"] for query in queries.captured_queries if "SAVEPOINT" not in query["sql"]
    ]
    assert len(statements) <= API_QUERIES, "\n".join(statements)
    # The view checks only that the trader may see it (its id); the service locks and reads it.
    seen = [s for s in statements if 'FROM "declarations_declaration"' in s]
    assert seen[0].startswith('SELECT "declarations_declaration"."id" FROM'), seen[0]
    assert "FOR UPDATE" in seen[1], seen[1]
    commit = max(i for i, s in enumerate(statements) if s.startswith("UPDATE"))
    after = [s for s in statements[commit + 1 :] if 'FROM "declarations_declaration"' in s]
    assert not after, after


def test_every_trader_told_by_e_mail_is_queued_in_one_insert(world):
    traders = [world.trader]
    for n in range(2):
        traders.append(f.user(f"colleague{n}", "trader", company=world.alpha))
    for n, trader in enumerate(traders):
        trader.email = f"trader{n}@example.com"
        trader.save(update_fields=["email"])
    declaration = _ready(world.trader, 2, "PERF-MANY")

    _submitted, statements = _submit_counted(declaration, world.trader)

    assert len(statements) <= SUBMIT_QUERIES + EMAIL_QUERIES, "\n".join(statements)
    told = Notification.objects.filter(kind="assessed", recipient__in=traders)
    assert told.count() == 3
    queued = OutboxMessage.objects.filter(task="notifications.send_email")
    assert sorted(message.args for message in queued) == sorted([row.pk] for row in told)


def test_issuing_the_bill_again_returns_the_first_and_records_nothing(world):
    from eport.core import actors
    from eport.payments import services as payments

    submitted = f.submit(_ready(world.trader, 1, "PERF-BILL"), world.trader)
    bill = TaxBill.objects.get(declaration=submitted)
    entries = Entry.objects.count()

    again = payments.issue_bill(declaration=submitted, actor=actors.ASSESSMENT)

    assert (again.pk, again.number) == (bill.pk, bill.number)
    assert Entry.objects.count() == entries


def _declaration_reads(statements: list[str]) -> list[str]:
    tables = ('"declarations_declaration"', '"accounts_company"', '"accounts_customsoffice"')
    return [s for s in statements if s.startswith("SELECT") and any(t in s for t in tables)]


def test_a_move_reads_its_declaration_company_and_office_once_in_its_lock(world):
    declaration = _ready(world.trader, 2, "PERF-LOCK")

    _submitted, statements = _submit_counted(f.fresh(declaration), world.trader)

    # One statement, locking only the declaration's row: the office and company are read with
    # it (every entry's state names them) and never again.
    (lock,) = _declaration_reads(statements)
    assert 'FOR UPDATE OF "declarations_declaration"' in lock, lock
    assert 'JOIN "accounts_company"' in lock and 'JOIN "accounts_customsoffice"' in lock, lock


def test_an_upload_reads_its_declaration_company_and_office_once_in_its_lock(world):
    declaration = f.draft(world.trader, lrn="PERF-LOCK-UP")

    with CaptureQueriesContext(connection) as queries:
        services.add_document(
            declaration=Declaration(pk=declaration.pk),
            actor=world.trader,
            type="380",
            reference="INV-LOCK",
            issued_on=None,
            upload=f.upload(),
        )

    statements = [query["sql"] for query in queries.captured_queries]
    (lock,) = _declaration_reads(statements)
    assert 'FOR UPDATE OF "declarations_declaration"' in lock, lock
