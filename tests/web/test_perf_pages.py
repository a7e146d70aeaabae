"""The busiest pages read the database a fixed number of times, however many rows they show:
the office's queue, the trader's dashboard and a declaration's page."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from eport.declarations import services
from eport.web.templatetags.eport import moment, time_tag
from tests.audit.conftest import release
from tests.declarations import conftest as declarations
from tests.declarations import factories as f
from tests.ledger.notary_support import ledger_keys  # noqa: F401

# What each page reads once the session is warm: session, user, its rows, its counts, the bell.
# The declarations tests' people and media folder.
world = declarations.world
media_root = declarations.media_root

QUEUE_QUERIES = 6  # + the colleagues of the bulk bar and the count waiting to be taken
DASHBOARD_QUERIES = 5  # + the counts by status
AUDITOR_QUERIES = 4  # the register: its rows only
# + goods, documents, queries, inspections, timeline and its names, the bill (and, for a
# released one, its receipt); an officer also reads amendments, notes, the post-clearance pick
# and the colleagues a declaration may be reassigned to.
DECLARATION_QUERIES = {"trader": 13, "officer": 15}
# A released one: + the latest notarized checkpoint (is the receipt ready?), its release entry
# found in the timeline already read; an officer reads the post-clearance pick, and no colleagues
# (nobody can reassign it).
RELEASED_QUERIES = {"trader": 13, "officer": 15}


@pytest.fixture
def filings(world):
    """Declarations in every lane, some taken by an officer, so each row shows all it can."""
    made = []
    for index, lane in enumerate(["green", "yellow", "red"] * 2):
        declaration = f.submitted(world.trader, lane, lrn=f"PERF-{index}")
        if lane == "yellow":
            declaration = services.take_declaration(
                declaration=declaration, actor=world.officer, version=declaration.version
            )
        made.append(declaration)
    return made


def count_queries(client, user, url, django_assert_max_num_queries, limit, **query):
    client.force_login(user)
    client.get(url, query)  # the session and the per-process caches warm
    with django_assert_max_num_queries(limit) as queries:
        response = client.get(url, query)
    assert response.status_code == 200
    return response, len(queries.captured_queries)


def more_filings(world, count):
    for index in range(count):
        f.submitted(world.trader, "yellow", lrn=f"MORE-{index}")


def test_the_queue_reads_the_same_queries_for_a_page_of_any_length(
    client, world, filings, django_assert_max_num_queries
):
    url = reverse("declarations:list")
    _response, few = count_queries(
        client, world.officer, url, django_assert_max_num_queries, QUEUE_QUERIES
    )
    more_filings(world, 4)
    response, many = count_queries(
        client, world.officer, url, django_assert_max_num_queries, QUEUE_QUERIES
    )
    assert many == few
    assert len(response.context["rows"]) == 10
    assert b"data-waiting" in response.content


def test_a_filtered_queue_reads_no_more(client, world, filings, django_assert_max_num_queries):
    count_queries(
        client,
        world.officer,
        reverse("declarations:list"),
        django_assert_max_num_queries,
        QUEUE_QUERIES,
        lane="yellow",
        company=world.alpha.usci,
    )


def test_the_dashboard_reads_the_same_queries_for_a_page_of_any_length(
    client, world, filings, django_assert_max_num_queries
):
    url = reverse("declarations:list")
    _response, few = count_queries(
        client, world.trader, url, django_assert_max_num_queries, DASHBOARD_QUERIES
    )
    more_filings(world, 4)
    response, many = count_queries(
        client, world.trader, url, django_assert_max_num_queries, DASHBOARD_QUERIES
    )
    assert many == few
    assert b"stat__count" in response.content


@pytest.mark.parametrize("who", ["trader", "officer"])
def test_a_declaration_page_reads_a_fixed_number_of_queries(
    client, world, filings, django_assert_max_num_queries, who
):
    declaration = filings[1]  # yellow, taken by the officer: a timeline of several entries
    count_queries(
        client,
        getattr(world, who),
        reverse("declarations:detail", args=[declaration.uuid]),
        django_assert_max_num_queries,
        DECLARATION_QUERIES[who],
    )


def test_the_list_rows_read_no_column_later(client, world, filings, django_assert_max_num_queries):
    """The list reads only the columns its rows show; a row that needed another would read it
    once per row."""
    client.force_login(world.officer)
    url = reverse("declarations:list")
    client.get(url)
    with django_assert_max_num_queries(QUEUE_QUERIES) as queries:
        client.get(url)
    assert sum("declarations_declaration" in q["sql"] for q in queries.captured_queries) == 2


INSTANT = datetime(2026, 12, 6, 6, 3, 7, tzinfo=UTC)


def test_a_time_made_once_still_reads_in_each_language_and_zone():
    """Times are made once per instant, language and zone: none of them leaks into another."""
    with translation.override("en"):
        assert moment(INSTANT) == "6 Dec 2026 14:03 UTC+8"
        # The same instant in another zone is the same time and reads the same.
        assert moment(INSTANT.astimezone(ZoneInfo("America/Sao_Paulo"))) == moment(INSTANT)
        with timezone.override(ZoneInfo("Europe/London")):
            assert moment(INSTANT) == "6 Dec 2026 06:03 UTC"
        assert moment(INSTANT, "seconds") == "6 Dec 2026 14:03:07 UTC+8"
    with translation.override("zh-hans"):
        assert moment(INSTANT) == "2026年12月6日 14:03 UTC+8"
        assert time_tag(INSTANT) == (
            '<time datetime="2026-12-06T06:03:07Z">2026年12月6日 14:03 UTC+8</time>'
        )
    with translation.override("en"):
        assert "Dec" in time_tag(INSTANT)


def test_a_naive_time_is_still_refused():
    with pytest.raises(ValueError):
        moment(datetime(2026, 12, 6, 6, 3))


def test_the_auditors_register_reads_the_same_queries_for_a_page_of_any_length(
    client, world, filings, django_assert_max_num_queries
):
    url = reverse("declarations:list")
    _response, few = count_queries(
        client, world.auditor, url, django_assert_max_num_queries, AUDITOR_QUERIES
    )
    more_filings(world, 4)
    response, many = count_queries(
        client, world.auditor, url, django_assert_max_num_queries, AUDITOR_QUERIES
    )
    assert many == few
    assert world.alpha.name.encode() in response.content


@pytest.mark.parametrize("who", ["trader", "officer"])
def test_a_released_declarations_page_reads_its_ledger_once_and_its_bill_alone(
    client,
    world,
    ledger_keys,  # noqa: F811
    django_assert_max_num_queries,
    who,
):
    """The release receipt's check finds the release entry in the timeline the page read; the
    bill panel reads the bill's own columns, joined to no company, office or guarantee."""
    declaration = release(f.submitted(world.trader, lane="green"), world.officer)
    response, _count = count_queries(
        client,
        getattr(world, who),
        reverse("declarations:detail", args=[declaration.uuid]),
        django_assert_max_num_queries,
        RELEASED_QUERIES[who],
    )
    body = response.content.decode()
    assert 'data-testid="bill-panel"' in body and 'data-testid="receipts-link"' in body
    with django_assert_max_num_queries(RELEASED_QUERIES[who]) as queries:
        client.get(reverse("declarations:detail", args=[declaration.uuid]))
    sql = [query["sql"] for query in queries.captured_queries]
    assert sum('FROM "ledger_entry"' in one for one in sql) == 1
    (bill,) = [one for one in sql if 'FROM "payments_taxbill"' in one]
    for table in ("accounts_company", "accounts_customsoffice", "payments_guarantee"):
        assert table not in bill
