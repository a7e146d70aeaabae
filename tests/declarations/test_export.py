"""The declarations list as CSV: same filters, same view of each person, streamed."""

import codecs
import csv
import io
import tracemalloc
from decimal import Decimal

import pytest
from django.urls import reverse

from eport.accounts.models import Company
from eport.declarations.models import Declaration
from eport.declarations.views import export

from . import factories as f

pytestmark = pytest.mark.django_db


def download(client, user, **query):
    client.force_login(user)
    response = client.get(reverse("declarations:export"), query)
    assert response.status_code == 200
    return response


def table(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.fixture
def filings(world):
    green = f.submitted(world.trader, "green", lrn="GREEN-1", transport_document="HLCU1111111")
    yellow = f.submitted(world.trader, "yellow", lrn="YELLOW-1")
    beta = f.submitted(world.trader2, "yellow", lrn="BETA-1")
    draft = f.draft(world.trader, lrn='=HYPERLINK("http://x")', consignor_name="上海贸易有限公司")
    return green, yellow, beta, draft


def test_the_export_streams_a_utf8_csv_with_a_byte_order_mark(client, world, filings):
    response = download(client, world.trader)

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="declarations-')
    rows = table(response)
    assert rows[0][:3] == ["Number", "LRN", "Flow"]
    assert rows[0][8] == "Submitted (Asia/Shanghai)"


def test_the_export_has_each_column_and_assessed_amounts(client, world, filings):
    green = f.fresh(filings[0])

    rows = {row[1]: row for row in table(download(client, world.trader))[1:]}

    row = rows["GREEN-1"]
    assert row[:8] == [
        green.number,
        "GREEN-1",
        "Import",
        "Assessed",
        "Green",
        "Alpha Trading Co., Ltd.",
        "HLCU1111111",
        "2201",
    ]
    # Times carry their zone's offset; amounts are plain decimals a spreadsheet reads.
    assert row[8].endswith("+08:00") and row[9].endswith("+08:00")
    assert [Decimal(cell) for cell in row[10:]] == [
        green.customs_value,
        green.duty_total,
        green.vat_total,
    ]
    assert rows["YELLOW-1"][10:] == ["", "", ""]


def test_each_person_exports_only_what_they_may_see(client, world, filings):
    assert {row[1] for row in table(download(client, world.trader))[1:]} == {
        "GREEN-1",
        "YELLOW-1",
        '\'=HYPERLINK("http://x")',
    }
    # The officer's queue: its office's open declarations, never drafts.
    assert {row[1] for row in table(download(client, world.officer))[1:]} == {
        "GREEN-1",
        "YELLOW-1",
        "BETA-1",
    }
    assert table(download(client, world.beijing_officer))[1:] == []
    assert len(table(download(client, world.auditor))[1:]) == 4


def test_the_export_takes_the_lists_filters(client, world, filings):
    rows = table(download(client, world.auditor, lane="yellow", party="beta"))[1:]

    assert [row[1] for row in rows] == ["BETA-1"]


def test_a_cell_a_spreadsheet_would_run_is_written_as_text():
    assert export.safe_cell("=1+1") == "'=1+1"
    assert export.safe_cell("+86 21") == "'+86 21"
    assert export.safe_cell("-2") == "'-2"
    assert export.safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert export.safe_cell("\t=1") == "'\t=1"
    assert export.safe_cell("HLCU1") == "HLCU1"
    assert export.safe_cell(Decimal("-1.00")) == Decimal("-1.00")


def test_chinese_names_survive_the_round_trip(client, world, filings):
    Company.objects.filter(pk=world.alpha.pk).update(name="上海贸易有限公司")

    rows = table(download(client, world.auditor, party="上海"))[1:]

    assert {row[5] for row in rows} == {"上海贸易有限公司"}
    assert len(rows) == 3


def test_another_person_must_sign_in_first(client):
    response = client.get(reverse("declarations:export"))

    assert response.status_code == 302


def _bulk_declarations(world, count: int) -> None:
    template = f.draft(world.trader, lrn="TEMPLATE")
    fields = {
        field.attname: getattr(template, field.attname)
        for field in Declaration._meta.concrete_fields
        if field.attname not in {"id", "uuid", "lrn", "number"}
    }
    Declaration.objects.bulk_create(
        [Declaration(**fields, lrn=f"BULK-{index:06d}") for index in range(count)],
        batch_size=2000,
    )


def _peak_while(consume) -> int:
    tracemalloc.start()
    try:
        consume()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_large_export_is_streamed_not_held_in_memory(client, world, postgresql, monkeypatch):
    """Peak memory while exporting stays far below what holding the rows would take."""
    monkeypatch.setattr(export, "CHUNK_SIZE", 500)
    _bulk_declarations(world, 8000)
    client.force_login(world.trader)
    response = client.get(reverse("declarations:export"))
    lines = 0

    def consume():
        nonlocal lines
        for chunk in response.streaming_content:
            lines += chunk.count(b"\n")

    streamed_peak = _peak_while(consume)
    assert lines == 8002  # the header, the template draft and the bulk rows

    queryset = Declaration.objects.filter(company=world.alpha).values(*export.COLUMNS)
    held_peak = _peak_while(lambda: list(queryset))
    # The check can tell the two apart: holding every row takes several times the streamed peak.
    assert streamed_peak * 3 < held_peak
