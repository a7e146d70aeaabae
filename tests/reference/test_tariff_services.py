"""Tariff lines change only through eport.reference.services, each change with one entry."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from eport.core.ledgering import model_snapshot, state_digest
from eport.reference import services
from eport.reference.models import TariffLine
from ledger.models import Entry

pytestmark = pytest.mark.django_db


def last_entry() -> Entry:
    return Entry.objects.order_by("-seq").first()


def make_line(**overrides) -> TariffLine:
    values = {"hs_prefix": "8517", "description": "Telephones", "duty_rate": "0", "vat_rate": "13"}
    values.update(overrides)
    return services.create_tariff_line(actor="system:test", **values)


def test_a_new_line_is_recorded_with_all_its_values_as_stored():
    line = make_line(duty_rate="6.5", illustrative=False)

    entry = last_entry()
    assert (entry.actor, entry.action, entry.subject) == (
        "system:test",
        "tariff.created",
        "tariff:8517",
    )
    assert entry.data == {
        "changed": {
            "hs_prefix": "8517",
            "description": "Telephones",
            "duty_rate": "6.50",
            "vat_rate": "13.00",
            "illustrative": False,
        },
        "state": state_digest(model_snapshot(line)),
    }


def test_a_prefix_can_have_only_one_line():
    make_line()
    count = Entry.objects.count()

    with pytest.raises(ValidationError) as caught:
        make_line(duty_rate="9")

    assert caught.value.message_dict["hs_prefix"] == [
        "A tariff line for HS prefix 8517 already exists."
    ]
    assert Entry.objects.count() == count


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("hs_prefix", "85.17", "An HS prefix is 2 to 10 digits."),
        ("duty_rate", "-1", "Ensure this value is greater than or equal to 0."),
        ("vat_rate", "101", "Ensure this value is less than or equal to 100."),
        ("duty_rate", "a lot", "“a lot” value must be a decimal number."),
    ],
)
def test_a_line_with_a_bad_value_is_refused_on_that_field(field, value, message):
    with pytest.raises(ValidationError) as caught:
        make_line(**{field: value})

    assert caught.value.message_dict[field] == [message]
    assert not TariffLine.objects.exists()
    assert not Entry.objects.filter(action__startswith="tariff.").exists()


def test_an_update_records_only_the_rates_that_changed_and_the_reason():
    line = make_line()

    services.update_tariff_line(
        line=line,
        actor="system:test",
        description="Telephones",
        duty_rate="0.00",
        vat_rate=Decimal("9"),
        reason="tariff notice 2026/1",
    )

    line.refresh_from_db()
    entry = last_entry()
    assert line.vat_rate == Decimal("9.00")
    assert entry.action == "tariff.updated"
    assert entry.data == {
        "changed": {"vat_rate": "9.00"},
        "state": state_digest(model_snapshot(line)),
        "reason": "tariff notice 2026/1",
    }


def test_an_update_that_changes_nothing_records_nothing():
    line = make_line(duty_rate="6.50")
    count = Entry.objects.count()

    services.update_tariff_line(line=line, actor="system:test", duty_rate="6.5")

    assert Entry.objects.count() == count


def test_an_update_moves_the_line_s_updated_time():
    line = make_line()
    TariffLine.objects.filter(pk=line.pk).update(updated_at="2020-01-01T00:00:00Z")

    services.update_tariff_line(line=line, actor="system:test", duty_rate="1")

    line.refresh_from_db()
    assert line.updated_at.year > 2020


def test_a_bad_rate_leaves_the_line_and_the_ledger_as_they_were():
    line = make_line()
    count = Entry.objects.count()

    with pytest.raises(ValidationError) as caught:
        services.update_tariff_line(line=line, actor="system:test", vat_rate="-5")

    assert "vat_rate" in caught.value.message_dict
    line.refresh_from_db()
    assert line.vat_rate == Decimal("13.00")
    assert Entry.objects.count() == count


def test_a_deleted_line_is_recorded_with_its_last_state():
    line = make_line()
    last_state = state_digest(model_snapshot(line))

    services.delete_tariff_line(line=line, actor="system:test", reason="obsolete heading")

    entry = last_entry()
    assert not TariffLine.objects.exists()
    assert (entry.action, entry.subject, entry.data) == (
        "tariff.deleted",
        "tariff:8517",
        {"last_state": last_state, "reason": "obsolete heading"},
    )
