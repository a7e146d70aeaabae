"""Filing a draft and uploading its invoice cost a fixed number of queries, whatever the number
of goods items: a new query per item, or a second read of what was just written, fails here."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from eport.api import serializers as s
from tests.api.conftest import draft_body
from tests.declarations import factories as f

# Statements sent, transaction control included: the token; BEGIN; the office; the draft between
# SAVEPOINT and RELEASE (a used LRN is reported after its IntegrityError); every item in one
# INSERT; the ledger append; COMMIT.
CREATE_QUERIES = 9
# The token; the declaration (whether the caller may see it); BEGIN; its lock; the document; the
# new version; items and documents for the state digest; the ledger append; COMMIT.
UPLOAD_QUERIES = 10


def _create(client, items: int, lrn: str):
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            "/api/v1/declarations/", draft_body(lrn=lrn, items=items), format="json"
        )
    assert response.status_code == 201, response.json()
    return response.json(), [query["sql"][:60] for query in queries]


@pytest.mark.parametrize("items", [1, 10])
def test_filing_a_draft_takes_the_same_queries_for_one_item_or_ten(world, items):
    trader = world.client(world.trader)
    _create(trader, 1, "WARM-1")  # the first request of a process reads what it caches

    declaration, queries = _create(trader, items, f"PERF-{items}")

    assert len(declaration["items"]) == items
    assert len(queries) <= CREATE_QUERIES, queries


def test_uploading_an_invoice_takes_a_fixed_number_of_queries(world):
    trader = world.client(world.trader)
    declaration, _queries = _create(trader, 10, "PERF-UP")

    with CaptureQueriesContext(connection) as queries:
        response = trader.post(
            f"/api/v1/declarations/{declaration['uuid']}/documents/",
            {"type": "380", "reference": "INV-1", "file": f.upload(f.PDF, "invoice.pdf")},
            format="multipart",
        )

    assert response.status_code == 201, response.json()
    assert response.json()["declaration_version"] == declaration["version"] + 1
    assert len(queries) <= UPLOAD_QUERIES, [query["sql"][:60] for query in queries]


def test_each_request_checks_its_own_fields():
    first = s.DraftInSerializer(data={"lrn": 7})
    second = s.DraftInSerializer(data={"lrn": "PO-1"})

    assert not first.is_valid()
    assert first.errors["lrn"] == ["Give text (a JSON string)."]
    second.is_valid()
    assert "lrn" not in second.errors
    assert first.fields["lrn"] is not second.fields["lrn"]
    assert first.fields["lrn"].parent is first and second.fields["lrn"].parent is second
    item_fields = first.fields["items"].child.fields
    assert item_fields["unit"] is not second.fields["items"].child.fields["unit"]
