"""The release note reads as a printed customs document: the office by code and name, amounts
with thousands separators, the release time with its zone, and a table of the goods lines."""

import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse

from eport.audit import receipts as declaration_receipts
from eport.audit.release_note import release_note_pdf
from eport.declarations.snapshot import snapshot
from ledger import conf as ledger_conf
from ledger import notary
from tests.audit.conftest import release
from tests.declarations import factories as f

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext")


def text_of(pdf: bytes, tmp_path, *, layout: bool = False) -> str:
    path = tmp_path / "note.pdf"
    path.write_bytes(pdf)
    command = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def note_of(client, declaration, tmp_path, **kwargs) -> str:
    response = client.get(
        reverse("audit:release_note", args=[declaration.uuid]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    return text_of(response.content, tmp_path, **kwargs)


@pytest.fixture
def big_release(world, ledger_keys):
    """A released declaration worth more than a million CNY, with two goods lines."""
    items = [
        f.item(hs_code="8471300000", description="Laptop computers", invoice_value="150000.00"),
        f.item(
            hs_code="8517120000",
            description="Mobile telephones",
            quantity="1200",
            invoice_value="50000.00",
        ),
    ]
    declaration = f.submitted(world.trader, lane="green", items=items, invoice_total="200000.00")
    declaration = release(declaration, world.officer)
    notary.notarize_pending(cosign="inline")
    return declaration


def test_the_note_names_the_office_and_groups_the_thousands(client, world, big_release, tmp_path):
    client.force_login(world.trader)

    text = " ".join(note_of(client, big_release, tmp_path).split())

    assert "Office of lodgement 2201 Shanghai Customs District" in text
    customs_value = big_release.customs_value
    assert customs_value > Decimal("1000000")
    assert f"{customs_value:,.2f} CNY" in text
    assert f"{big_release.duty_total:,.2f} CNY" in text
    assert "200,000.00 EUR" in text
    assert f"{customs_value:.2f}" not in text


def test_the_note_says_when_the_goods_were_released_with_the_zone(
    client, world, big_release, tmp_path
):
    client.force_login(world.trader)

    text = " ".join(note_of(client, big_release, tmp_path).split())

    assert re.search(r"Released \d{1,2} \w{3} \d{4} \d{2}:\d{2}:\d{2} UTC\+8", text)


def test_the_note_lists_every_goods_line(client, world, big_release, tmp_path):
    client.force_login(world.trader)

    lines = note_of(client, big_release, tmp_path, layout=True).splitlines()

    heading = next(line for line in lines if "HS code" in line)
    for word in ("Line", "Description", "Quantity", "Value (CNY)", "Duty (CNY)", "VAT (CNY)"):
        assert word in heading
    rows = [" ".join(line.split()) for line in lines if re.match(r"\s*[12]\s+\d{10}\s", line)]
    assert len(rows) == 2
    first, second = f.fresh(big_release).items.order_by("line")
    assert rows[0].startswith("1 8471300000 Laptop computers 10 PCE")
    assert f"{first.customs_value:,.2f} {first.duty:,.2f} {first.vat:,.2f}" in rows[0]
    assert rows[1].startswith("2 8517120000 Mobile telephones 1,200 PCE")
    assert f"{second.customs_value:,.2f} {second.duty:,.2f} {second.vat:,.2f}" in rows[1]


def test_a_long_goods_list_runs_onto_more_pages(world, big_release, tmp_path):
    state = snapshot(big_release)
    line = state["items"][0]
    state["items"] = [{**line, "line": number} for number in range(1, 121)]
    entry = declaration_receipts.release_entry(big_release)

    pdf = release_note_pdf(
        snapshot=state, entry=entry, site_url="https://eport.example", origin=ledger_conf.origin()
    )

    text = text_of(pdf, tmp_path, layout=True)
    pages = text.split("\f")
    assert len([page for page in pages if page.strip()]) >= 3
    numbers = [int(m.group(1)) for m in re.finditer(r"^\s*(\d+)\s+8471300000\s", text, re.M)]
    assert numbers == list(range(1, 121))
    # Each page after the first repeats the table's heading, and the check stays at the end.
    assert all("HS code" in page for page in pages[1:] if re.search(r"8471300000", page))
    assert "verify_receipt" in pages[-1] or "verify_receipt" in pages[-2]
