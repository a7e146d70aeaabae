import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from eport.accounts.models import CustomsOffice
from eport.core.ledgering import delete_and_record
from eport.reference.models import HsCode, TariffLine
from ledger.models import Entry

pytestmark = pytest.mark.django_db


def run() -> str:
    out = io.StringIO()
    call_command("load_reference", stdout=out)
    return out.getvalue()


@pytest.mark.smoke
def test_loading_brings_the_whole_hs_nomenclature_offices_and_an_illustrative_tariff():
    output = run()

    assert HsCode.objects.filter(level=2).count() == 97
    assert HsCode.objects.filter(level=4).count() == 1229
    assert HsCode.objects.filter(level=6).count() == 5613
    assert HsCode.objects.get(code="01").description == "Animals; live"
    assert HsCode.objects.get(code="010121").parent == "0101"
    assert CustomsOffice.objects.get(code="2201").name == "Shanghai Customs District"
    assert 8 <= CustomsOffice.objects.count() <= 12
    assert TariffLine.objects.count() >= 30
    assert not TariffLine.objects.filter(illustrative=False).exists()
    assert set(TariffLine.objects.values_list("vat_rate", flat=True)) == {
        Decimal("9.00"),
        Decimal("13.00"),
    }
    assert output.count("\n") == 1
    assert "5,613 subheadings" in output
    assert "illustrative tariff lines" in output


def test_every_office_and_tariff_line_loaded_is_traceable_in_the_ledger():
    run()

    entries = Entry.objects.filter(actor="system:reference")
    assert entries.filter(action="office.created").count() == CustomsOffice.objects.count()
    assert entries.filter(action="tariff.created").count() == TariffLine.objects.count()
    wine = entries.get(subject="tariff:2204")
    assert wine.data["changed"] == {
        "hs_prefix": "2204",
        "description": "Wine of fresh grapes",
        "duty_rate": "14.00",
        "vat_rate": "13.00",
        "illustrative": True,
    }


def test_loading_again_changes_nothing_and_records_nothing():
    run()
    entries = Entry.objects.count()

    output = run()

    assert Entry.objects.count() == entries
    assert "ledger entries: 0" in output
    assert "(0 written)" in output


def test_a_reload_keeps_an_officers_edit_and_does_not_revive_a_deleted_line():
    run()
    TariffLine.objects.filter(hs_prefix="2204").update(duty_rate=Decimal("20.00"))
    delete_and_record(actor="system:test", instance=TariffLine.objects.get(hs_prefix="2208"))
    entries = Entry.objects.count()

    run()

    assert TariffLine.objects.get(hs_prefix="2204").duty_rate == Decimal("20.00")
    assert not TariffLine.objects.filter(hs_prefix="2208").exists()
    assert Entry.objects.count() == entries


def test_loading_sets_up_the_tariff_and_risk_editors_group():
    run()

    codenames = set(
        Group.objects.get(name="Tariff and risk editors").permissions.values_list(
            "codename", flat=True
        )
    )
    for model in ("tariffline", "customsoffice", "riskrule"):
        assert {f"{action}_{model}" for action in ("add", "change", "delete", "view")} <= codenames
