"""Copy as new draft: the service, who may, the declaration page's button and the API action."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from eport.declarations import services
from eport.declarations.errors import NotPermitted
from eport.declarations.fields import HEADER_VALUE_FIELDS, ITEM_FIELDS
from eport.declarations.models import Declaration
from ledger.models import Entry
from tests.banks.factories import released

from . import factories as f


def header_of(declaration):
    return {name: getattr(declaration, name) for name in HEADER_VALUE_FIELDS if name != "lrn"}


def items_of(declaration):
    return [
        {name: getattr(item, name) for name in ITEM_FIELDS}
        for item in declaration.items.order_by("line")
    ]


def test_a_released_declaration_is_copied_as_a_new_draft_with_its_header_and_goods(world):
    original = released(
        world.trader,
        world.officer,
        lrn="PO-7",
        items=[
            f.item(invoice_value="400.00"),
            f.item(hs_code="8517120000", invoice_value="600.00"),
        ],
    )

    copy = services.copy_declaration(declaration=original, actor=world.trader)

    assert copy.pk != original.pk
    assert copy.status == Declaration.Status.DRAFT
    assert copy.company_id == original.company_id
    assert copy.office_id == original.office_id
    assert copy.lrn == "PO-2"
    assert header_of(copy) == header_of(original)
    assert items_of(copy) == items_of(original)
    assert copy.number is None
    assert copy.lane == ""
    assert copy.customs_value is None and copy.duty_total is None
    assert not copy.documents.exists()
    assert all(item.duty is None for item in copy.items.all())


def test_the_copy_is_ledgered_as_a_new_draft_naming_its_original(world):
    original = f.draft(world.trader, lrn="PO-7")

    copy = services.copy_declaration(declaration=original, actor=world.trader)

    entries = list(Entry.objects.filter(subject=copy.ledger_subject).order_by("seq"))
    assert [entry.action for entry in entries] == ["declaration.created"]
    assert entries[0].data["copied_from"] == str(original.uuid)
    assert entries[0].data["lrn"] == copy.lrn


def test_the_suggested_lrn_skips_those_the_company_has_used(world):
    original = f.draft(world.trader, lrn="PO-7")
    f.draft(world.trader, lrn="PO-2")

    first = services.copy_declaration(declaration=original, actor=world.trader)
    second = services.copy_declaration(declaration=original, actor=world.trader)

    assert (first.lrn, second.lrn) == ("PO-3", "PO-4")


def test_a_zero_padded_reference_keeps_its_number_and_a_long_one_stays_within_35(world):
    padded = f.draft(world.trader, lrn="2026-001")
    long = f.draft(world.trader, lrn="X" * 35)

    assert services.copy_declaration(declaration=padded, actor=world.trader).lrn == "2026-001-2"
    assert services.copy_declaration(declaration=long, actor=world.trader).lrn == "X" * 33 + "-2"


def test_the_trader_may_choose_the_new_lrn_and_a_used_one_is_refused(world):
    original = f.draft(world.trader, lrn="PO-7")

    chosen = services.copy_declaration(declaration=original, actor=world.trader, lrn="PO-8")
    with pytest.raises(ValidationError) as refused:
        services.copy_declaration(declaration=original, actor=world.trader, lrn="PO-8")

    assert chosen.lrn == "PO-8"
    assert "already used the LRN" in str(refused.value)
    assert Declaration.objects.filter(company=world.alpha).count() == 2


def test_a_cancelled_declaration_can_be_copied(world):
    original = f.draft(world.trader, lrn="PO-7")
    services.cancel_declaration(declaration=original, actor=world.trader, version=original.version)

    copy = services.copy_declaration(declaration=f.fresh(original), actor=world.trader)

    assert copy.status == Declaration.Status.DRAFT


@pytest.mark.parametrize("who", ["officer", "auditor", "trader2"])
def test_only_the_declarations_own_traders_may_copy_it(world, who):
    original = f.submitted(world.trader, "yellow", lrn="PO-7")

    with pytest.raises(NotPermitted):
        services.copy_declaration(declaration=original, actor=getattr(world, who))

    assert Declaration.objects.count() == 1


# The declaration page -------------------------------------------------------------------------


def copy_url(declaration):
    return reverse("declarations:copy", args=[declaration.uuid])


def test_the_page_offers_the_copy_button_to_traders_only(client, world):
    original = f.submitted(world.trader, "yellow", lrn="PO-7")
    detail = reverse("declarations:detail", args=[original.uuid])

    client.force_login(world.trader)
    trader_page = client.get(detail).content.decode()
    client.force_login(world.officer)
    officer_page = client.get(detail).content.decode()

    assert copy_url(original) in trader_page
    assert "Copy as new draft" in trader_page
    assert copy_url(original) not in officer_page


def test_copying_from_the_page_opens_the_new_draft_for_editing(client, world):
    original = f.submitted(world.trader, "yellow", lrn="PO-7")
    client.force_login(world.trader)

    response = client.post(copy_url(original), follow=True)

    copy = Declaration.objects.get(company=world.alpha, lrn="PO-2")
    assert response.redirect_chain[-1][0] == reverse("declarations:edit", args=[copy.uuid])
    page = response.content.decode()
    assert 'value="PO-2"' in page
    assert "Copied" in page


def test_another_companys_declaration_cannot_be_copied_from_the_page(client, world):
    original = f.draft(world.trader, lrn="PO-7")
    client.force_login(world.trader2)

    response = client.post(copy_url(original))

    assert response.status_code == 404
    assert Declaration.objects.count() == 1


def test_an_officer_posting_the_copy_form_is_refused(client, world):
    original = f.submitted(world.trader, "yellow", lrn="PO-7")
    client.force_login(world.officer)

    response = client.post(copy_url(original))

    assert response.status_code == 403
    assert Declaration.objects.count() == 1


def test_a_copy_that_no_longer_validates_says_why_and_saves_nothing(client, world):
    original = f.draft(world.trader, lrn="PO-7")
    world.shanghai.active = False
    world.shanghai.save(update_fields=["active"])
    client.force_login(world.trader)

    response = client.post(copy_url(original), follow=True)

    assert Declaration.objects.count() == 1
    page = response.content.decode()
    assert "could not be copied" in page
    assert "not an open customs office" in page


# The API --------------------------------------------------------------------------------------


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def api_copy_url(declaration):
    return f"/api/v1/declarations/{declaration.uuid}/copy/"


def test_the_api_copies_a_declaration_and_answers_201_with_the_new_draft(world):
    original = f.submitted(world.trader, "yellow", lrn="PO-7")

    response = api(world.trader).post(api_copy_url(original), {}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["lrn"] == "PO-2"
    assert response["Location"].endswith(f"/api/v1/declarations/{body['uuid']}/")
    assert len(body["items"]) == original.items.count()


def test_the_api_takes_the_new_lrn(world):
    original = f.draft(world.trader, lrn="PO-7")

    response = api(world.trader).post(api_copy_url(original), {"lrn": "PO-9"}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["lrn"] == "PO-9"


def test_the_api_refuses_a_used_lrn_with_a_422_naming_it(world):
    original = f.draft(world.trader, lrn="PO-7")

    response = api(world.trader).post(api_copy_url(original), {"lrn": "PO-7"}, format="json")

    assert response.status_code == 422
    assert "lrn" in response.json()["errors"]
    assert Declaration.objects.count() == 1


def test_the_api_hides_another_companys_declaration_and_refuses_officers(world):
    original = f.submitted(world.trader, "yellow", lrn="PO-7")

    other_company = api(world.trader2).post(api_copy_url(original), {}, format="json")
    officer = api(world.officer).post(api_copy_url(original), {}, format="json")

    assert other_company.status_code == 404
    assert officer.status_code == 403
    assert Declaration.objects.count() == 1
