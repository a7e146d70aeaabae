"""Inspection and quarantine on the pages: the inspection agency's queue, the declaration page's
inspection panel for everyone who may see the declaration, the pass and fail moves through the
action panel, and the goods items' licence numbers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from eport.accounts.models import Agency, User
from eport.declarations.models import Declaration
from eport.reference import codes
from eport.reference.models import GoodsControl
from tests.accounts.factories import make_agency, make_user

from . import factories as f

QUEUE = "/declarations/inspection/"


@pytest.fixture
def inspected(world):
    """Laptops are on the statutory inspection list; SHCIQ inspects them (ZJCIQ, another
    inspection agency, has an officer too); the trader filed a laptop declaration."""
    GoodsControl.objects.create(
        hs_prefix="847130", measure=GoodsControl.Measure.INSPECTION, description="Laptops"
    )
    codes.clear_caches()
    world.shciq = make_agency(Agency.Kind.INSPECTION, code="SHCIQ")
    world.inspector = make_user(User.Role.AGENCY, username="inspector", agency=world.shciq)
    other = make_agency(Agency.Kind.INSPECTION, code="ZJCIQ", name="Zhejiang Inspection")
    world.other_inspector = make_user(User.Role.AGENCY, username="zj_inspector", agency=other)
    world.declaration = f.submitted(world.trader, "yellow")
    assert world.declaration.inspection_status == Declaration.Inspection.PENDING
    return world


def detail_url(declaration: Declaration) -> str:
    return reverse("declarations:detail", args=[declaration.uuid])


def action_url(declaration: Declaration, move: str) -> str:
    return reverse("declarations:action", args=[declaration.uuid, move])


def test_the_inspector_s_queue_lists_what_waits_for_their_agency_only(client, inspected):
    client.force_login(inspected.inspector)
    page = client.get(QUEUE).content.decode()
    assert inspected.declaration.number in page
    assert "1</strong> declaration waiting for inspection" in page

    client.force_login(inspected.other_inspector)
    page = client.get(QUEUE).content.decode()
    assert inspected.declaration.number not in page
    assert client.get(detail_url(inspected.declaration)).status_code == 404


@pytest.mark.parametrize("who", ["trader", "officer", "auditor"])
def test_the_inspection_queue_does_not_exist_for_anyone_else(client, inspected, who):
    client.force_login(getattr(inspected, who))

    assert client.get(QUEUE).status_code == 404


@pytest.mark.parametrize("who", ["trader", "officer", "auditor", "inspector"])
def test_everyone_who_sees_the_declaration_sees_its_inspection_panel(client, inspected, who):
    client.force_login(getattr(inspected, who))

    page = client.get(detail_url(inspected.declaration)).content.decode()

    panel = page.split('data-testid="inspection-panel"', 1)[1].split("</section>", 1)[0]
    assert "Shanghai Inspection and Quarantine" in panel
    assert 'data-status="pending"' in panel
    assert "8471300000" in panel  # the item on the inspection list


def test_a_declaration_without_controlled_goods_has_no_inspection_panel(client, world):
    declaration = f.submitted(world.trader, "yellow")
    client.force_login(world.trader)

    page = client.get(detail_url(declaration)).content.decode()

    assert 'data-testid="inspection-panel"' not in page


def test_the_inspector_passes_the_goods_from_the_action_panel(client, inspected):
    declaration = inspected.declaration
    client.force_login(inspected.inspector)
    page = client.get(detail_url(declaration)).content.decode()
    assert f'action="{action_url(declaration, "pass_inspection")}"' in page
    assert f'action="{action_url(declaration, "fail_inspection")}"' in page

    response = client.post(
        action_url(declaration, "pass_inspection"),
        {"version": declaration.version, "text": "CIQ-2026-0001"},
        follow=True,
    )

    declaration.refresh_from_db()
    assert declaration.inspection_status == Declaration.Inspection.PASSED
    assert declaration.inspection_certificate == "CIQ-2026-0001"
    page = response.content.decode()
    assert "passed by inspection and quarantine" in page
    assert 'data-testid="inspection-certificate">CIQ-2026-0001' in page
    assert "Inspection passed" in page  # the timeline

    client.force_login(inspected.trader)
    trader_page = client.get(detail_url(declaration)).content.decode()
    assert "Inspection passed" in trader_page
    assert "CIQ-2026-0001" in trader_page

    client.force_login(inspected.inspector)
    assert declaration.number in client.get(QUEUE, {"inspection": "passed"}).content.decode()
    assert declaration.number not in client.get(QUEUE).content.decode()


def test_a_failure_needs_its_reason_and_is_shown_with_it(client, inspected):
    declaration = inspected.declaration
    client.force_login(inspected.inspector)

    response = client.post(
        action_url(declaration, "fail_inspection"), {"version": declaration.version}, follow=True
    )
    assert response.status_code == 200
    declaration.refresh_from_db()
    assert declaration.inspection_status == Declaration.Inspection.PENDING

    client.post(
        action_url(declaration, "fail_inspection"),
        {"version": declaration.version, "text": "Live pests in the packing."},
    )
    client.force_login(inspected.trader)
    page = client.get(detail_url(declaration)).content.decode()

    declaration.refresh_from_db()
    assert declaration.inspection_status == Declaration.Inspection.FAILED
    assert "Live pests in the packing." in page
    assert "customs cannot release them" in page


def test_customs_and_the_trader_are_not_offered_the_inspection_moves(client, inspected):
    for who in ("trader", "officer"):
        client.force_login(getattr(inspected, who))
        moves = {
            move.name for move in client.get(detail_url(inspected.declaration)).context["actions"]
        }
        assert not moves & {"pass_inspection", "fail_inspection"}
        response = client.post(
            action_url(inspected.declaration, "pass_inspection"),
            {"version": inspected.declaration.version, "text": "FORGED-1"},
        )
        assert response.status_code == 302
    inspected.declaration.refresh_from_db()
    assert inspected.declaration.inspection_status == Declaration.Inspection.PENDING


def test_customs_filters_its_queue_by_inspection_result(client, inspected):
    plain = f.submitted(
        inspected.trader,
        "yellow",
        lrn="LRN-PLAIN",
        items=[f.item(hs_code="6109100000", origin_country="VN")],
    )
    client.force_login(inspected.officer)

    waiting = client.get("/declarations/", {"inspection": "pending"}).content.decode()
    none_needed = client.get("/declarations/", {"inspection": "none"}).content.decode()

    assert inspected.declaration.number in waiting
    assert plain.number not in waiting
    assert plain.number in none_needed
    assert inspected.declaration.number not in none_needed


def test_the_inspector_starts_at_the_queue_with_its_own_navigation(client, inspected):
    client.force_login(inspected.inspector)

    assert client.get("/")["Location"] == QUEUE
    labels = [link["label"] for link in client.get(QUEUE).context["nav_links"]]
    assert labels == ["Inspection queue", "API tokens"]


# --- the goods items' licence numbers -----------------------------------------------------------


def test_an_item_s_licence_number_is_typed_on_the_form_and_shown_on_the_page(client, world):
    declaration = f.draft(world.trader)
    client.force_login(world.trader)
    edit = reverse("declarations:edit", args=[declaration.uuid])
    form_page = client.get(edit).content.decode()
    assert 'name="items-0-licence_number"' in form_page
    assert "Licence number" in form_page

    data = dict(client.get(edit).context["form"].initial)
    data.update(
        {
            "version": declaration.version,
            "save": "1",
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "1",
            "items-MIN_NUM_FORMS": "1",
            "items-MAX_NUM_FORMS": "999",
        }
    )
    for name, value in f.item(licence_number="SHCOM2026000001").items():
        data[f"items-0-{name}"] = value
    client.post(edit, data)

    item = declaration.items.get()
    assert item.licence_number == "SHCOM2026000001"
    page = client.get(detail_url(declaration)).content.decode()
    assert 'data-testid="item-licence">SHCOM2026000001' in page


def test_submitting_goods_that_need_a_licence_without_one_names_the_item(client, world):
    GoodsControl.objects.create(
        hs_prefix="847130", measure=GoodsControl.Measure.IMPORT_LICENCE, description="Laptops"
    )
    codes.clear_caches()
    declaration = f.ready(world.trader)
    client.force_login(world.trader)

    response = client.post(
        action_url(declaration, "submit"), {"version": declaration.version}, follow=True
    )

    messages = [str(message) for message in response.context["messages"]]
    assert any(message.startswith("Item 1, licence number: ") for message in messages), messages
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.DRAFT
