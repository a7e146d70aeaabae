"""The duty estimate of a draft: the officers' own assessment, shown before submitting."""

from decimal import Decimal

import pytest
from django.urls import reverse

from eport.declarations import services
from eport.declarations.models import Declaration
from eport.reference.models import TariffLine

from . import factories as f

pytestmark = pytest.mark.django_db

# Two lines under FOB (freight and insurance added, allocated by value) in different chapters,
# with a value that makes the half-up rounding and the allocation's remainders matter.
ITEMS = [
    f.item(hs_code="8471300000", invoice_value="333.33"),
    f.item(hs_code="6109100000", invoice_value="666.67", description="T-shirts"),
]


def amounts(estimate_or_declaration) -> tuple:
    if isinstance(estimate_or_declaration, services.DutyEstimate):
        result = estimate_or_declaration.assessment
        lines = [
            (line.line, line.customs_value, line.duty_rate, line.duty, line.vat_rate, line.vat)
            for line in result.items
        ]
        return lines, (result.customs_value, result.duty_total, result.vat_total)
    declaration = estimate_or_declaration
    lines = [
        (item.line, item.customs_value, item.duty_rate, item.duty, item.vat_rate, item.vat)
        for item in declaration.items.order_by("line")
    ]
    return lines, (declaration.customs_value, declaration.duty_total, declaration.vat_total)


def test_the_estimate_equals_the_officers_assessment_of_the_same_data(world):
    f.lane_rules()
    items = [ITEMS[0], {**ITEMS[1], "origin_country": "VN"}]
    draft = f.ready(world.trader, items=items)
    estimate = services.estimate_duties(draft)
    assert estimate.problems == ()

    declaration = f.submit(draft, world.trader)
    assert declaration.lane == "yellow"
    declaration = services.take_declaration(
        declaration=declaration, actor=world.officer, version=declaration.version
    )
    services.assess_declaration(
        declaration=declaration, actor=world.officer, version=declaration.version
    )

    assert amounts(estimate) == amounts(f.fresh(declaration))
    # Worked by hand: 333.33 x 7.8 = 2599.97 + freight/insurance shares (468.00 in all, 1/3).
    assert amounts(estimate)[1][0] == Decimal("8268.00")


def test_the_estimate_equals_the_automatic_assessment_of_a_green_declaration(world):
    draft = f.ready(world.trader, items=ITEMS)
    estimate = services.estimate_duties(draft)

    declaration = f.submit(draft, world.trader)

    assert declaration.status == Declaration.Status.ASSESSED
    assert amounts(estimate) == amounts(f.fresh(declaration))


def test_a_missing_tariff_line_is_named_instead_of_an_estimate(world):
    draft = f.draft(world.trader, items=[f.item(), f.item(hs_code="0501000000")])

    estimate = services.estimate_duties(draft)

    assert estimate.assessment is None
    assert len(estimate.problems) == 1
    assert "item 2: HS 0501000000" in estimate.problems[0]


def test_a_draft_without_goods_items_says_so(world):
    draft = f.draft(world.trader, items=[])

    estimate = services.estimate_duties(draft)

    assert estimate.assessment is None
    assert "no goods items" in estimate.problems[0]


def test_a_missing_exchange_rate_says_so(world):
    draft = f.draft(world.trader)
    Declaration.objects.filter(pk=draft.pk).update(exchange_rate=Decimal("0"))

    estimate = services.estimate_duties(f.fresh(draft))

    assert estimate.assessment is None
    assert "exchange rate" in estimate.problems[0]


def test_the_estimate_follows_the_tariff_customs_keeps(world):
    draft = f.draft(world.trader)
    before = services.estimate_duties(draft).assessment.duty_total
    TariffLine.objects.filter(hs_prefix="8471").update(duty_rate=Decimal("10.00"))

    after = services.estimate_duties(draft).assessment.duty_total

    assert before == Decimal("0.00")
    assert after > before


def test_the_draft_page_shows_the_estimate_labelled_as_one(client, world):
    draft = f.draft(world.trader)
    client.force_login(world.trader)

    page = client.get(reverse("declarations:detail", args=[draft.uuid])).content.decode()

    estimate = services.estimate_duties(draft).assessment
    assert "Estimate:" in page
    assert "customs assesses the amounts due after you submit" in page
    assert f'data-estimate="customs_value">{estimate.customs_value:,.2f}<' in page
    assert f'data-estimate="vat">{estimate.vat_total:,.2f}<' in page


def test_the_draft_page_explains_why_there_is_no_estimate(client, world):
    draft = f.draft(world.trader, items=[f.item(hs_code="0501000000")])
    client.force_login(world.trader)

    response = client.get(reverse("declarations:detail", args=[draft.uuid]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "No estimate yet." in page
    assert "item 1: HS 0501000000" in page


def test_a_submitted_declaration_shows_no_estimate(client, world):
    declaration = f.submitted(world.trader, "yellow")
    client.force_login(world.trader)

    page = client.get(reverse("declarations:detail", args=[declaration.uuid])).content.decode()

    assert "Estimate:" not in page


def test_the_api_gives_the_same_estimate(client, world):
    draft = f.draft(world.trader, items=ITEMS, invoice_total="1000.00")
    estimate = services.estimate_duties(draft).assessment
    client.force_login(world.trader)

    body = client.get(reverse("api:estimate", args=[draft.uuid])).json()

    assert body["problems"] == []
    assert Decimal(body["customs_value"]) == estimate.customs_value
    assert Decimal(body["vat_total"]) == estimate.vat_total
    assert [Decimal(line["duty"]) for line in body["items"]] == [
        line.duty for line in estimate.items
    ]


def test_the_api_says_why_there_is_no_estimate(client, world):
    draft = f.draft(world.trader, items=[f.item(hs_code="0501000000")])
    client.force_login(world.trader)

    body = client.get(reverse("api:estimate", args=[draft.uuid])).json()

    assert body["items"] == [] and body["duty_total"] is None
    assert "item 1: HS 0501000000" in body["problems"][0]


def test_another_companys_estimate_does_not_exist(client, world):
    draft = f.draft(world.trader)
    client.force_login(world.trader2)

    assert client.get(reverse("api:estimate", args=[draft.uuid])).status_code == 404
