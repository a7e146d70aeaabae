"""Goods lines from CSV or Excel: the parser (bytes in, rows or problems out) and the page."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from eport.declarations import goods_import
from eport.declarations.goods_import import COLUMNS, read_goods_lines
from eport.declarations.models import Declaration
from ledger.models import Entry

from . import factories as f

HEADER = ",".join(COLUMNS)
# The last column, licence_number, is left blank: laptops need no licence.
GOOD = "8471300000,Laptop computers,CN,10,PCE,20.000,25.000,400.00,1,"
OTHER = "8517120000,Mobile phones,VN,100,PCE,30,35,600.00,"


def csv_bytes(*lines: str, bom: bool = False) -> bytes:
    text = "\r\n".join(lines) + "\r\n"
    return (("\ufeff" if bom else "") + text).encode("utf-8")


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# The reference fixture is a database: Hypothesis shares it between examples, which is safe here.
EXAMPLES = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture]}


@pytest.fixture
def reference(db):
    f.load_reference_rows()


# The parser --------------------------------------------------------------------------------


def test_a_good_csv_gives_its_lines_cleaned_as_the_form_cleans_them(reference):
    result = read_goods_lines(csv_bytes(HEADER, GOOD, OTHER))

    assert result.ok, result.problems
    assert [item["hs_code"] for item in result.items] == ["8471300000", "8517120000"]
    assert result.items[0]["invoice_value"] == Decimal("400.00")
    assert result.items[1]["net_mass"] == Decimal("30.000")
    assert result.items[1]["valuation_method"] == 1  # left empty: the transaction value


def test_utf8_with_a_bom_semicolons_and_blank_lines_are_read(reference):
    content = csv_bytes(
        HEADER.replace(",", ";"), "", GOOD.replace(",", ";"), ";;;;;;;;", bom=True
    ).replace(b"Laptop computers", "笔记本电脑".encode())

    result = read_goods_lines(content)

    assert result.ok, result.problems
    assert result.items[0]["description"] == "笔记本电脑"


def test_every_problem_is_named_by_row_and_column_at_once(reference):
    content = csv_bytes(
        HEADER,
        GOOD,
        "1234,Laptops,CN,10,PCE,20,25,400.00,1",
        "8471300000,,XX,10,PCE,30,25,400.00,1",
    )

    result = read_goods_lines(content)

    assert not result.ok and not result.items
    text = "\n".join(result.problems)
    assert "Row 3, column hs_code: '1234' is not a commodity code" in text
    assert "Row 4, column description: Enter the description of the goods." in text
    assert "Row 4, column origin_country:" in text
    assert "Row 4, column net_mass: The net mass (30.000 kg) is above the gross mass" in text
    assert len(result.problems) == 4


def test_the_columns_may_come_in_any_order_and_valuation_method_may_be_left_out(reference):
    names = [name for name in COLUMNS if name != "valuation_method"][::-1]
    values = dict(zip(COLUMNS, GOOD.split(","), strict=True))

    result = read_goods_lines(csv_bytes(",".join(names), ",".join(values[n] for n in names)))

    assert result.ok, result.problems
    assert result.items[0]["hs_code"] == "8471300000"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (HEADER.replace("hs_code", "hs"), "Unknown column(s) hs"),
        (HEADER.replace(",unit", ""), "Column(s) missing from the first row: unit"),
        (HEADER + ",unit", "Column(s) named twice: unit"),
        ("", "The first row must name the columns"),
    ],
)
def test_a_wrong_header_row_is_named(reference, header, expected):
    result = read_goods_lines(csv_bytes(header, GOOD))

    assert not result.ok
    assert expected in " ".join(result.problems)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "The file is empty"),
        (b"  \r\n\r\n", "The file is empty"),
        (csv_bytes(HEADER), "no goods lines below its first row"),
        ("hs_code;description\n8471300000;Café\n".encode("cp1252"), "is not UTF-8 text"),
        ("hs_code,description\n".encode("utf-16"), "neither CSV nor an Excel workbook"),
        (f.PDF, "neither CSV nor an Excel workbook"),
        (b"name,address\nACME,Berlin\n", "The first row names none of the columns"),
        (b"PK\x03\x04 not really a zip", "neither CSV nor an Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old Excel .xls workbook"),
        (b"x" * (goods_import.MAX_BYTES + 1), "larger than 2 MB"),
    ],
)
def test_files_that_cannot_be_read_are_told_why(reference, content, expected):
    result = read_goods_lines(content)

    assert not result.ok and not result.items
    assert expected in " ".join(result.problems)


def test_more_rows_than_a_declaration_holds_are_refused(reference):
    result = read_goods_lines(csv_bytes(HEADER, *[GOOD] * 4), max_rows=3)

    assert result.problems == [
        "The file has more than 3 goods lines, the most a declaration holds; split them over "
        "several declarations."
    ]


def test_a_row_longer_than_the_header_is_named(reference):
    result = read_goods_lines(csv_bytes(HEADER, GOOD + ",extra"))

    assert result.problems == ["Row 2 has more cells than the first row has columns."]


def test_a_good_workbook_is_read_with_numbers_as_typed(reference):
    content = xlsx_bytes(
        [list(COLUMNS), ["8471300000", "Laptops", "CN", 10, "PCE", 20.5, 25, 400.1, 1]]
    )

    result = read_goods_lines(content)

    assert result.ok, result.problems
    item = result.items[0]
    assert (item["net_mass"], item["gross_mass"], item["invoice_value"]) == (
        Decimal("20.500"),
        Decimal("25.000"),
        Decimal("400.10"),
    )


def test_a_formula_in_a_workbook_is_refused_by_row_and_column(reference):
    content = xlsx_bytes(
        [
            list(COLUMNS),
            ["8471300000", "Laptops", "CN", 10, "PCE", 20, 25, "=200*2", 1],
        ]
    )

    result = read_goods_lines(content)

    assert result.problems == [
        "Row 2, column invoice_value: this cell holds a formula; type (or paste) its value instead."
    ]


def test_the_templates_have_the_documented_header_row_and_a_valid_example(reference):
    rows = list(csv.reader(io.StringIO(goods_import.template_csv().decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(goods_import.template_xlsx())).active

    assert rows[0] == list(COLUMNS)
    assert [cell.value for cell in sheet[1]] == list(COLUMNS)
    assert read_goods_lines(goods_import.template_csv()).ok
    assert read_goods_lines(goods_import.template_xlsx()).ok


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(content=st.binary(max_size=400))
def test_any_bytes_give_lines_or_problems_never_an_exception(reference, content):
    result = read_goods_lines(content)

    assert result.ok != bool(result.problems)
    assert not (result.items and result.problems)


cell_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20).filter(
    lambda text: not text.lstrip().startswith("=")
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.lists(cell_text, min_size=9, max_size=9), min_size=1, max_size=5))
def test_any_table_written_as_csv_is_checked_row_by_row(reference, rows):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(rows)

    result = read_goods_lines(buffer.getvalue().encode("utf-8"))

    assert result.ok != bool(result.problems)
    for problem in result.problems:
        assert problem.startswith("Row ") or "no goods lines" in problem or "CSV" in problem


# The draft's import page --------------------------------------------------------------------


def import_url(declaration):
    return reverse("declarations:goods_import", args=[declaration.uuid])


def upload(content: bytes, name="goods.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_the_page_documents_the_columns_and_offers_both_templates(client, world):
    draft = f.draft(world.trader)
    client.force_login(world.trader)

    page = client.get(import_url(draft)).content.decode()

    for name in COLUMNS:
        assert f'<td class="mono">{name}</td>' in page
    assert reverse("declarations:goods_import_template", args=["csv"]) in page
    assert reverse("declarations:goods_import_template", args=["xlsx"]) in page


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_the_templates_download(client, world, extension):
    client.force_login(world.trader)

    response = client.get(reverse("declarations:goods_import_template", args=[extension]))

    assert response.status_code == 200
    assert f"goods-lines.{extension}" in response["Content-Disposition"]


def test_imported_lines_are_added_to_the_draft_through_update_draft(client, world):
    draft = f.draft(world.trader, items=[f.item(invoice_value="1000.00")])
    client.force_login(world.trader)

    response = client.post(
        import_url(draft),
        {"upload": upload(csv_bytes(HEADER, GOOD, OTHER)), "mode": "add", "version": draft.version},
    )

    assert response.status_code == 302
    draft = f.fresh(draft)
    assert [item.hs_code for item in draft.items.order_by("line")] == [
        "8471300000",
        "8471300000",
        "8517120000",
    ]
    actions = [e.action for e in Entry.objects.filter(subject=draft.ledger_subject)]
    assert actions[-1] == "declaration.updated"


def test_replace_mode_replaces_the_drafts_lines(client, world):
    draft = f.draft(world.trader)
    client.force_login(world.trader)

    client.post(
        import_url(draft),
        {"upload": upload(csv_bytes(HEADER, OTHER)), "mode": "replace", "version": draft.version},
    )

    assert [item.hs_code for item in f.fresh(draft).items.all()] == ["8517120000"]


def test_a_file_with_problems_lists_them_all_and_saves_nothing(client, world):
    draft = f.draft(world.trader)
    before = (draft.version, Entry.objects.count())
    client.force_login(world.trader)

    response = client.post(
        import_url(draft),
        {
            "upload": upload(csv_bytes(HEADER, GOOD, "1234,,CN,10,PCE,20,25,400,1")),
            "mode": "add",
            "version": draft.version,
        },
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was imported: 2 problems to fix" in page
    assert "Row 3, column hs_code:" in page
    assert "Row 3, column description:" in page
    draft = f.fresh(draft)
    assert (draft.version, Entry.objects.count()) == before
    assert draft.items.count() == 1


def test_a_workbook_upload_is_imported(client, world):
    draft = f.draft(world.trader)
    client.force_login(world.trader)
    content = xlsx_bytes([list(COLUMNS), GOOD.split(",")])

    response = client.post(
        import_url(draft),
        {"upload": upload(content, "goods.xlsx"), "mode": "replace", "version": draft.version},
    )

    assert response.status_code == 302
    assert f.fresh(draft).items.get().description == "Laptop computers"


def test_a_stale_version_is_refused_and_saves_nothing(client, world):
    draft = f.draft(world.trader)
    client.force_login(world.trader)

    response = client.post(
        import_url(draft),
        {"upload": upload(csv_bytes(HEADER, GOOD)), "mode": "add", "version": draft.version + 5},
    )

    assert response.status_code == 400
    assert f.fresh(draft).items.count() == 1


def test_only_a_draft_of_ones_own_company_takes_an_import(client, world):
    submitted = f.submitted(world.trader, "yellow", lrn="SUB-1")
    draft = f.draft(world.trader, lrn="D-1")

    client.force_login(world.trader)
    not_a_draft = client.get(import_url(submitted))
    client.force_login(world.trader2)
    other_company = client.get(import_url(draft))

    assert not_a_draft.status_code == 302
    assert other_company.status_code == 404
    assert Declaration.objects.get(pk=submitted.pk).items.count() == 1
