import hashlib
from decimal import Decimal

import pytest
import rfc8785
from django.core.exceptions import ValidationError
from django.db import transaction

from eport.accounts.services import ensure_editor_group
from eport.core.ledgering import (
    apply_changes,
    delete_and_record,
    model_snapshot,
    record_model_change,
    record_update,
    state_digest,
    update_and_record,
)
from eport.reference.models import TariffLine
from ledger.models import Entry
from tests.accounts.factories import make_editor

pytestmark = pytest.mark.django_db


def make_line(**kwargs) -> TariffLine:
    values = {"hs_prefix": "8517", "description": "Telephones", "duty_rate": "0", "vat_rate": "13"}
    values.update(kwargs)
    return TariffLine.objects.create(**values)


def test_a_snapshot_holds_decimals_as_the_column_stores_them():
    line = make_line(duty_rate=Decimal("6.5"))

    snapshot = model_snapshot(line)

    assert snapshot == {
        "hs_prefix": "8517",
        "description": "Telephones",
        "duty_rate": "6.50",
        "vat_rate": "13.00",
        "illustrative": True,
    }
    line.refresh_from_db()
    assert model_snapshot(line) == snapshot


def test_a_user_snapshot_refers_to_organisations_by_stable_id_and_holds_no_personal_data():
    user = make_editor(email="someone@example.com", first_name="Wei")

    snapshot = model_snapshot(user)

    assert snapshot == {
        "role": "officer",
        "company": None,
        "office": "office:2201",
        "bank": None,
        "agency": None,
        "is_active": True,
        "is_staff": True,
        "is_superuser": False,
        "groups": ["Tariff and risk editors"],
        "user_permissions": [],
    }


def test_the_state_digest_is_sha256_of_the_rfc8785_bytes():
    snapshot = {"b": "1.50", "a": [1, True, None]}

    assert state_digest(snapshot) == hashlib.sha256(b'{"a":[1,true,null],"b":"1.50"}').hexdigest()
    assert state_digest(snapshot) == hashlib.sha256(rfc8785.dumps(snapshot)).hexdigest()


def test_a_change_is_recorded_with_its_new_values_and_the_state_after_it():
    line = make_line()
    line.duty_rate = Decimal("5")
    line.save()

    entry = record_model_change(
        actor="system:test",
        instance=line,
        action="updated",
        changed={"duty_rate": line.duty_rate},
        reason="tariff notice",
    )

    assert (entry.action, entry.subject) == ("tariff.updated", "tariff:8517")
    assert entry.data == {
        "changed": {"duty_rate": "5"},
        "state": state_digest(model_snapshot(line)),
        "reason": "tariff notice",
    }


def test_a_password_is_never_recorded_even_when_named():
    user = make_editor()

    entry = record_model_change(
        actor="system:test", instance=user, action="updated", changed={"password": user.password}
    )

    assert entry.data["changed"] == {}
    assert user.password.encode() not in bytes(entry.canonical)


def test_a_rolled_back_change_leaves_no_entry():
    line = make_line()
    count = Entry.objects.count()

    with pytest.raises(RuntimeError), transaction.atomic():
        line.duty_rate = Decimal("99")
        line.save()
        record_model_change(
            actor="system:test", instance=line, action="updated", changed={"duty_rate": "99"}
        )
        raise RuntimeError("something later in the same change failed")

    line.refresh_from_db()
    assert line.duty_rate == Decimal("0")
    assert Entry.objects.count() == count


def test_a_deletion_is_recorded_with_the_last_state():
    line = make_line()
    last_state = state_digest(model_snapshot(line))

    entry = delete_and_record(actor="system:test", instance=line, reason="obsolete")

    assert not TariffLine.objects.exists()
    assert (entry.action, entry.subject) == ("tariff.deleted", "tariff:8517")
    assert entry.data == {"last_state": last_state, "reason": "obsolete"}


def test_applying_changes_saves_and_names_only_the_fields_whose_value_differs():
    line = make_line(duty_rate=Decimal("6.5"))

    names = apply_changes(line, {"duty_rate": "6.50", "vat_rate": "9", "description": "Telephones"})

    line.refresh_from_db()
    assert names == ["vat_rate"]
    assert line.vat_rate == Decimal("9.00")


def test_applying_a_bad_value_is_refused_on_its_field():
    line = make_line()

    with pytest.raises(ValidationError) as caught:
        apply_changes(line, {"vat_rate": "-1"})

    assert list(caught.value.message_dict) == ["vat_rate"]


def test_many_to_many_changes_are_applied_and_recorded_by_stable_name():
    user = make_editor()
    user.groups.clear()
    editors = ensure_editor_group()

    names = apply_changes(user, {"groups": [editors], "email": "new@example.com"})
    entry = record_update(actor="system:test", instance=user, names=names)

    assert names == ["groups", "email"]
    assert entry.data["changed"] == {"groups": ["Tariff and risk editors"]}
    assert entry.data["other_fields_changed"] == ["email"]
    assert entry.data["state"] == state_digest(model_snapshot(user))


def test_recording_an_update_with_nothing_changed_writes_nothing():
    line = make_line()
    count = Entry.objects.count()

    names = update_and_record(actor="system:test", instance=line, changes={"duty_rate": "0"})

    assert names == []
    assert Entry.objects.count() == count
