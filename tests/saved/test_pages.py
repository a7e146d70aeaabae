"""The saved pages, the pickers in the declaration form, and saving from a declaration's page."""

import json

import pytest
from django.urls import reverse

from eport.declarations.models import Declaration
from eport.saved import services
from eport.saved.models import SavedGoodsLine, SavedParty
from tests.declarations import factories as f
from tests.declarations.test_pages import form_post


def test_a_trader_adds_a_party_from_the_saved_pages(client, world):
    client.force_login(world.trader)

    response = client.post(
        reverse("saved:party_new"),
        {"role": "consignor", "name": "Hamburg Exports GmbH", "country": "de", "party_id": ""},
    )

    assert response.status_code == 302
    assert SavedParty.objects.get().country == "DE"
    page = client.get(reverse("saved:index")).content.decode()
    assert "Hamburg Exports GmbH" in page


def test_a_refused_party_shows_the_declarations_message_next_to_the_field(client, world):
    client.force_login(world.trader)

    response = client.post(
        reverse("saved:party_new"),
        {"role": "consignee", "name": "Alpha", "country": "CN", "party_id": "123"},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "field--error" in page
    error = page[page.index('id="id_party_id_error"') :]
    assert "18 characters" in error[: error.index("</ul>")]
    assert not SavedParty.objects.exists()


def test_a_goods_line_is_added_changed_and_removed_from_the_pages(client, world):
    client.force_login(world.trader)
    values = {"hs_code": "8471300000", "description": "Laptops", "origin_country": "CN"}

    client.post(reverse("saved:goods_line_new"), {**values, "unit": "PCE"})
    line = SavedGoodsLine.objects.get()
    client.post(reverse("saved:goods_line_edit", args=[line.uuid]), {**values, "unit": "SET"})
    line.refresh_from_db()
    changed_unit = line.unit
    client.post(reverse("saved:goods_line_delete", args=[line.uuid]))

    assert changed_unit == "SET"
    assert not SavedGoodsLine.objects.exists()


def test_another_companys_saved_party_is_not_found(client, world):
    party = services.save_party(actor=world.trader, role="consignor", name="Hamburg", country="DE")
    client.force_login(world.trader2)

    edit = client.get(reverse("saved:party_edit", args=[party.uuid]))
    delete = client.post(reverse("saved:party_delete", args=[party.uuid]))

    assert (edit.status_code, delete.status_code) == (404, 404)
    assert SavedParty.objects.filter(pk=party.pk).exists()


@pytest.mark.parametrize("who", ["officer", "auditor"])
def test_the_saved_pages_are_for_traders(client, world, who):
    client.force_login(getattr(world, who))

    assert client.get(reverse("saved:index")).status_code == 403


# In the declaration form ---------------------------------------------------------------------


def test_the_form_offers_the_companys_saved_parties_and_lines(client, world):
    services.save_party(actor=world.trader, role="consignor", name="Hamburg", country="DE")
    services.save_party(actor=world.trader2, role="consignor", name="Beta's own", country="DE")
    services.save_goods_line(
        actor=world.trader,
        hs_code="8517120000",
        description="Phones",
        origin_country="VN",
        unit="PCE",
    )
    client.force_login(world.trader)

    page = client.get(reverse("declarations:new")).content.decode()

    assert 'name="fill-consignor"' in page
    assert "Hamburg (DE)" in page
    assert "Beta&#x27;s own" not in page and "Beta's own" not in page
    assert 'name="fill-item"' in page
    assert 'name="fill-consignee"' not in page  # none saved in that role


def test_use_fills_the_consignor_without_javascript_and_saves_nothing(client, world):
    party = services.save_party(
        actor=world.trader,
        role="consignor",
        name="Hamburg Exports GmbH",
        country="DE",
        party_id="DE123",
    )
    client.force_login(world.trader)
    data = form_post(consignor_name="", consignor_country="", consignor_id="")
    data.pop("save")
    data["fill"] = "consignor"
    data["fill-consignor"] = json.dumps(
        {"name": party.name, "country": party.country, "id": party.party_id}
    )

    response = client.post(reverse("declarations:new"), data)

    form = response.context["form"]
    assert form["consignor_name"].value() == "Hamburg Exports GmbH"
    assert form["consignor_country"].value() == "DE"
    assert form["consignor_id"].value() == "DE123"
    assert not Declaration.objects.exists()


def test_use_fills_the_first_blank_item_or_adds_one(client, world):
    client.force_login(world.trader)
    line = json.dumps(
        {"hs_code": "8517120000", "description": "Phones", "origin_country": "VN", "unit": "PCE"}
    )
    data = form_post()
    data.pop("save")
    data.update({"fill": "item", "fill-item": line})

    added = client.post(reverse("declarations:new"), data).context["formset"]
    data.update({"items-TOTAL_FORMS": "2", **{f"items-1-{k}": "" for k in f.item()}})
    filled = client.post(reverse("declarations:new"), data).context["formset"]

    assert len(added.forms) == 2
    assert added.forms[1]["hs_code"].value() == "8517120000"
    assert added.forms[0]["hs_code"].value() == "8471300000"
    assert len(filled.forms) == 2
    assert filled.forms[1]["description"].value() == "Phones"


def test_use_ignores_values_that_are_not_the_targets_fields(client, world):
    client.force_login(world.trader)
    data = form_post()
    data.pop("save")
    data.update({"fill": "consignor", "fill-consignor": json.dumps({"lrn": "HIJACK"})})

    response = client.post(reverse("declarations:new"), data)

    assert response.context["form"]["lrn"].value() == "LRN-1"


# From a declaration's page ------------------------------------------------------------------


def test_a_declarations_parties_and_lines_are_saved_from_its_page(client, world):
    declaration = f.draft(
        world.trader, items=[f.item(invoice_value="500.00"), f.item(invoice_value="500.00")]
    )
    client.force_login(world.trader)
    url = reverse("saved:from_declaration", args=[declaration.uuid])

    detail = client.get(reverse("declarations:detail", args=[declaration.uuid]))
    client.post(url, {"what": "consignor"})
    client.post(url, {"what": "lines"})
    again = client.post(url, {"what": "consignor"}, follow=True)

    assert url in detail.content.decode()
    party = SavedParty.objects.get()
    assert (party.role, party.name) == ("consignor", "Hamburg Exports GmbH")
    assert SavedGoodsLine.objects.count() == 1  # the two lines are the same goods
    assert "Already saved: Hamburg Exports GmbH." in again.content.decode()


def test_another_companys_declaration_cannot_be_saved_from(client, world):
    declaration = f.draft(world.trader)
    client.force_login(world.trader2)

    response = client.post(
        reverse("saved:from_declaration", args=[declaration.uuid]), {"what": "consignor"}
    )

    assert response.status_code == 404
    assert not SavedParty.objects.exists()
