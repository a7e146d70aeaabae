"""Searching the declarations list: by number, LRN, transport document, HS code, party and date,
within what each person may see."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from eport.declarations import selectors
from eport.declarations.forms import ListFilterForm
from eport.declarations.models import Declaration

from . import factories as f

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def found(user, **filters) -> set[str]:
    return {d.lrn for d in selectors.declaration_list(user, selectors.ListFilters(**filters))}


def listed(client, user, **query) -> set[str]:
    client.force_login(user)
    response = client.get(reverse("declarations:list"), query)
    assert response.status_code == 200
    return {row["lrn"] for row in response.context["rows"]}


@pytest.fixture
def filings(world):
    """Alpha files a laptop import and a T-shirt import; Beta files one with a laptop line."""
    laptops = f.submitted(
        world.trader,
        "yellow",
        lrn="LAPTOPS",
        transport_document="HLCU1111111",
        consignor_name="Hamburg Exports GmbH",
    )
    shirts = f.submitted(
        world.trader,
        "yellow",
        lrn="SHIRTS",
        transport_document="MSCU2222222",
        consignor_name="Saigon Garments",
        items=[
            f.item(hs_code="6109100000", origin_country="VN", invoice_value="400.00"),
            f.item(hs_code="8517120000", origin_country="VN", invoice_value="600.00"),
        ],
    )
    other = f.submitted(
        world.trader2,
        "yellow",
        lrn="BETA-LAPTOPS",
        transport_document="HLCU3333333",
        consignor_name="Hamburg Exports GmbH",
        consignee_name="Beta Imports Ltd.",
    )
    draft = f.draft(world.trader, lrn="DRAFT-SHIRTS", items=[f.item(hs_code="6109100000")])
    return laptops, shirts, other, draft


def test_hs_code_finds_any_item_by_the_start_of_its_code(world, filings):
    assert found(world.trader, hs_code="8471") == {"LAPTOPS"}
    # The second item of SHIRTS matches: one row, however many of its items match.
    assert found(world.trader, hs_code="85") == {"SHIRTS"}
    assert found(world.trader, hs_code="61") == {"SHIRTS", "DRAFT-SHIRTS"}
    assert found(world.auditor, hs_code="847130") == {"LAPTOPS", "BETA-LAPTOPS"}


def test_a_declaration_with_two_matching_items_is_listed_once(world, filings):
    assert len(selectors.declaration_list(world.trader, selectors.ListFilters(hs_code="6"))) == 2


def test_party_names_are_searched_in_any_case_within_each_view(world, filings):
    assert found(world.trader, party="saigon") == {"SHIRTS"}
    assert found(world.trader, party="HAMBURG") == {"LAPTOPS", "DRAFT-SHIRTS"}
    # The officer's office sees both companies' filings, never drafts.
    assert found(world.officer, party="hamburg exports") == {"LAPTOPS", "BETA-LAPTOPS"}
    # The consignee's and the declarant company's names count too.
    assert found(world.auditor, party="beta imports") == {"BETA-LAPTOPS"}
    assert found(world.officer, party="alpha trading") == {"LAPTOPS", "SHIRTS"}


def test_another_offices_officer_finds_nothing(world, filings):
    assert found(world.beijing_officer, hs_code="8471") == set()
    assert found(world.beijing_officer, party="hamburg") == set()


def test_number_lrn_and_transport_document_are_searched(world, filings):
    laptops = filings[0]
    assert found(world.trader, q=laptops.number) == {"LAPTOPS"}
    assert found(world.trader, q="SHIRTS") == {"SHIRTS"}
    assert found(world.trader, q="mscu2222222") == {"SHIRTS"}
    assert found(world.trader, q="HLCU3333333") == set()  # Beta's, not Alpha's


def test_submission_dates_are_whole_days_in_the_local_zone(world, filings):
    laptops, shirts, _other, _draft = filings
    # 23:30 in Shanghai on 1 March is still 1 March there (15:30 UTC).
    Declaration.objects.filter(pk=laptops.pk).update(
        submitted_at=datetime(2026, 3, 1, 23, 30, tzinfo=SHANGHAI)
    )
    Declaration.objects.filter(pk=shirts.pk).update(
        submitted_at=datetime(2026, 3, 2, 0, 0, tzinfo=SHANGHAI)
    )
    march_first = date(2026, 3, 1)

    assert found(world.trader, date_from=march_first, date_to=march_first) == {"LAPTOPS"}
    assert found(world.trader, date_from=date(2026, 3, 2)) == {"SHIRTS"}
    assert found(world.trader, date_to=march_first) == {"LAPTOPS"}


def test_dates_of_last_update_include_drafts(world, filings):
    today = date.today()
    # Drafts were never submitted: only the update dates find them.
    assert "DRAFT-SHIRTS" not in found(world.trader, date_from=today - timedelta(days=1))
    assert "DRAFT-SHIRTS" in found(
        world.trader, date_from=today - timedelta(days=1), date_by=selectors.UPDATED
    )


def test_an_end_before_the_start_is_refused_with_a_clear_message(client, world, filings):
    form = ListFilterForm({"date_from": "2026-03-05", "date_to": "2026-03-01"})

    assert not form.is_valid()
    assert form.errors["date_to"] == [
        "The end date 2026-03-01 is before the start date 2026-03-05: choose an end date on or "
        "after the start date."
    ]
    # The page says so beside the field and searches without the range.
    client.force_login(world.trader)
    page = client.get(
        reverse("declarations:list"), {"date_from": "2026-03-05", "date_to": "2026-03-01"}
    ).content.decode()
    assert "is before the start date 2026-03-05" in page
    assert listed(client, world.trader, date_from="2026-03-05", date_to="2026-03-01") == {
        "LAPTOPS",
        "SHIRTS",
        "DRAFT-SHIRTS",
    }


def test_a_bad_hs_code_or_date_is_named(client, world):
    form = ListFilterForm({"hs_code": "84A1", "date_from": "2026-02-30"})

    assert not form.is_valid()
    assert "up to 10 digits" in form.errors["hs_code"][0]
    assert "year-month-day" in form.errors["date_from"][0]


def test_an_hs_code_is_read_as_a_broker_writes_it(world, filings):
    form = ListFilterForm({"hs_code": "8471.30"})
    assert form.is_valid()
    assert form.list_filters().hs_code == "847130"


def test_the_list_page_searches_with_every_filter(client, world, filings):
    assert listed(client, world.trader, hs_code="8517") == {"SHIRTS"}
    assert listed(client, world.officer, party="saigon") == {"SHIRTS"}
    assert listed(client, world.auditor, hs_code="8471", party="beta") == {"BETA-LAPTOPS"}


def test_the_list_with_an_hs_code_search_reads_no_row_twice(
    client, world, filings, django_assert_max_num_queries
):
    client.force_login(world.auditor)
    client.get(reverse("declarations:list"))  # sessions and caches warm
    for index in range(30):
        f.submitted(world.trader, "yellow", lrn=f"MANY-{index}")
    with django_assert_max_num_queries(12) as queries:
        response = client.get(reverse("declarations:list"), {"hs_code": "8471", "party": "a"})
    assert len(response.context["rows"]) == 25
    assert sum("goodsitem" in query["sql"] for query in queries.captured_queries) <= 1


def api_lrns(client, user, **query) -> set[str]:
    client.force_login(user)
    response = client.get(reverse("api:declarations"), query)
    assert response.status_code == 200, response.content
    return {row["lrn"] for row in response.json()["results"]}


def test_the_api_list_takes_the_same_search(client, world, filings):
    assert api_lrns(client, world.trader, hs_code="61") == {"SHIRTS", "DRAFT-SHIRTS"}
    assert api_lrns(client, world.officer, party="HAMBURG") == {"LAPTOPS", "BETA-LAPTOPS"}
    assert api_lrns(client, world.beijing_officer, party="hamburg") == set()
    today = date.today().isoformat()
    assert api_lrns(client, world.trader, date_from=today, date_by="updated") == {
        "LAPTOPS",
        "SHIRTS",
        "DRAFT-SHIRTS",
    }


def test_the_api_names_an_end_date_before_the_start(client, world, filings):
    client.force_login(world.trader)

    response = client.get(
        reverse("api:declarations"), {"date_from": "2026-03-05", "date_to": "2026-03-01"}
    )

    assert response.status_code in (400, 422)
    assert "is before the start date 2026-03-05" in str(response.json()["errors"]["date_to"])


def test_a_party_word_most_companies_share_is_matched_by_name(world, filings, monkeypatch):
    monkeypatch.setattr(selectors, "PARTY_COMPANIES", 0)

    assert found(world.officer, party="alpha trading") == {"LAPTOPS", "SHIRTS"}
    assert found(world.officer, party="saigon") == {"SHIRTS"}


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        ({"hs_code": "8471"}, "goods_hs_code_prefix"),
        ({"party": "hamburg"}, "decl_consignor_trgm"),
        ({"party": "hamburg"}, "decl_consignee_trgm"),
    ],
)
def test_the_searches_can_be_answered_from_their_indexes(world, postgresql, filters, index):
    """The indexes of migration 0007 match the SQL the search makes (the same expressions)."""
    from django.db import connection

    queryset = selectors.declaration_list(world.auditor, selectors.ListFilters(**filters))
    with connection.cursor() as cursor:
        # A test's few rows are read fastest whole; what matters is that the index can serve.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = queryset.order_by().explain()
    assert index in plan, plan
