"""Who sees what: another company's or office's declaration does not exist for you."""

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from eport.declarations import selectors, services
from eport.declarations.models import Declaration

from . import factories as f


def test_each_role_sees_its_own_declarations(world):
    draft = f.draft(world.trader, lrn="DRAFT")
    mine = f.submitted(world.trader, "yellow", lrn="MINE")
    theirs = f.submitted(world.trader2, "yellow", lrn="THEIRS")
    beijing = f.submitted(world.trader2, "yellow", lrn="BJ", office="0101")

    def visible(user):
        return set(selectors.declarations_for(user).values_list("lrn", flat=True))

    assert visible(world.trader) == {"DRAFT", "MINE"}
    assert visible(world.trader2) == {"THEIRS", "BJ"}
    assert visible(world.officer) == {"MINE", "THEIRS"}  # no drafts, no other office
    assert visible(world.beijing_officer) == {"BJ"}
    assert visible(world.auditor) == {"DRAFT", "MINE", "THEIRS", "BJ"}
    assert beijing and draft and mine and theirs


def test_what_you_may_not_see_is_not_found(world):
    declaration = f.ready(world.trader)
    document = declaration.documents.first()
    for outsider in (world.trader2, world.officer):  # officers never see drafts
        with pytest.raises(Http404):
            selectors.get_declaration_for(outsider, declaration.uuid)
        with pytest.raises(Http404):
            selectors.get_document_for(outsider, document.uuid)
    with pytest.raises(Http404):
        selectors.get_declaration_for(world.trader, "not-a-uuid")
    assert selectors.get_declaration_for(world.trader, str(declaration.uuid)) == declaration
    assert selectors.get_document_for(world.auditor, document.uuid) == document


def test_the_queue_puts_red_first_then_the_oldest(world):
    yellow_old = f.submitted(world.trader, "yellow", lrn="Y1")
    red_new = f.submitted(world.trader, "red", lrn="R1")
    yellow_new = f.submitted(world.trader2, "yellow", lrn="Y2")
    f.submitted(world.trader, "green", lrn="G1")  # assessed: still open, waits for payment
    f.draft(world.trader, lrn="D1")

    queue = selectors.officer_queue(world.officer)
    assert [d.lrn for d in queue] == ["R1", "Y1", "Y2", "G1"]
    assert [d.lrn for d in selectors.officer_queue(world.officer, lane="yellow")] == ["Y1", "Y2"]
    assert [d.lrn for d in selectors.officer_queue(world.officer, status="assessed")] == ["G1"]
    assert [d.lrn for d in selectors.officer_queue(world.officer, company=world.beta.usci)] == [
        "Y2"
    ]
    assert list(selectors.officer_queue(world.officer, age_days=1)) == []
    assert list(selectors.officer_queue(world.trader)) == []
    assert yellow_old and red_new and yellow_new


def test_listing_the_queue_costs_one_query(world):
    for n in range(5):
        f.submitted(world.trader, "yellow", lrn=f"Q{n}")
    with CaptureQueriesContext(connection) as queries:
        rows = [
            (d.number, d.company.name, d.office.code)
            for d in selectors.officer_queue(world.officer)
        ]
    assert len(rows) == 5
    assert len(queries) == 1


def test_search_finds_by_number_lrn_and_transport_document(world):
    declaration = f.submitted(world.trader, "yellow", lrn="PO-77", transport_document="MAEU123")
    other = f.submitted(world.trader2, "yellow", lrn="PO-77", transport_document="MAEU999")

    def found(user, q):
        return [d.pk for d in selectors.declaration_list(user, selectors.ListFilters(q=q))]

    assert found(world.trader, declaration.number) == [declaration.pk]
    assert found(world.trader, declaration.number[:9]) == [declaration.pk]
    assert found(world.trader, "PO-77") == [declaration.pk]
    assert found(world.trader, "maeu123") == [declaration.pk]
    assert found(world.trader, "MAEU999") == []  # another company's
    assert sorted(found(world.officer, "PO-77")) == sorted([declaration.pk, other.pk])


def test_the_timeline_lists_every_entry_about_the_declaration_oldest_first(world):
    declaration = f.submitted(world.trader, "yellow")
    services.take_declaration(
        declaration=declaration, actor=world.officer, version=declaration.version
    )
    actions = [entry.action for entry in selectors.timeline(declaration)]
    assert actions == [
        "declaration.created",
        "declaration.document_added",
        "declaration.document_added",
        "declaration.submitted",
        "declaration.risk_assessed",
        "declaration.taken",
    ]
    assert selectors.timeline(declaration)[-1].data["state"] == selectors.state_digest(
        Declaration.objects.get(pk=declaration.pk)
    )
