"""Answering a query: the trader's changes are kept as a diff the officer can read."""

import pytest
from django.core.exceptions import ValidationError

from eport.declarations import services
from eport.declarations.models import Amendment

from . import factories as f


@pytest.fixture
def queried(world):
    declaration = f.submitted(world.trader, "yellow")
    declaration = services.take_declaration(
        declaration=declaration, actor=world.officer, version=declaration.version
    )
    return services.raise_query(
        declaration=declaration,
        actor=world.officer,
        version=declaration.version,
        question="Is the value right? Send the certificate of origin.",
    )


def test_an_amendment_keeps_before_after_and_the_diff(world, queried):
    certificate = f.attach(queried, world.trader, "861", content=f.PDF + b"co")
    queried.refresh_from_db()
    services.amend_declaration(
        declaration=queried,
        actor=world.trader,
        header=f.header(invoice_total="1100.00"),
        items=[f.item(origin_country="VN", invoice_value="1100.00")],
        answer="The price was 1100; certificate attached.",
        version=queried.version,
    )
    amendment = Amendment.objects.get()
    assert amendment.before["invoice_total"] == "1000.00"
    assert amendment.after["invoice_total"] == "1100.00"
    assert {"field": "invoice_total", "old": "1000.00", "new": "1100.00"} in amendment.changes
    assert {
        "field": "invoice_value",
        "line": 1,
        "old": "1000.00",
        "new": "1100.00",
    } in amendment.changes
    added = [change for change in amendment.changes if change["field"] == "document"]
    assert added == [
        {
            "field": "document",
            "old": None,
            "new": {
                "uuid": str(certificate.uuid),
                "type": "861",
                "reference": "REF-861",
                "issued_on": None,
                "sha256": certificate.sha256,
            },
        }
    ]
    query = amendment.query
    assert (query.answer, query.answered_by) == (
        "The price was 1100; certificate attached.",
        world.trader,
    )


def test_an_amendment_must_answer_and_still_be_complete(world, queried):
    with pytest.raises(ValidationError) as error:
        services.amend_declaration(
            declaration=queried,
            actor=world.trader,
            header=f.header(invoice_total="1100.00"),
            items=[f.item(origin_country="VN")],
            answer="Fixed",
            version=queried.version,
        )
    assert "add up to 1,000.00" in error.value.message_dict["__all__"][0]
    with pytest.raises(ValidationError) as error:
        services.amend_declaration(
            declaration=queried,
            actor=world.trader,
            header=f.header(),
            items=[f.item(origin_country="VN")],
            answer="",
            version=queried.version,
        )
    assert error.value.message_dict == {"answer": ["Write your answer to the officer's question."]}
    assert f.fresh(queried).status == "query"
    assert not Amendment.objects.exists()
