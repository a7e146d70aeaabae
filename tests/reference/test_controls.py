"""Goods controls: which HS codes need a licence or inspection, the services that change the list
(each change with one ledger entry), the shipped illustrative list and its admin."""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from eport.accounts.services import ensure_editor_group
from eport.core.ledgering import model_snapshot, state_digest
from eport.reference import codes, controls, services
from eport.reference.controls import controls_for, needs_inspection, needs_licence
from eport.reference.loading import CONTROLS_FILE
from eport.reference.models import GoodsControl
from ledger.models import Entry
from tests.accounts.factories import make_editor, make_user

pytestmark = pytest.mark.django_db

ACTOR = "system:test"
IMPORT = GoodsControl.Measure.IMPORT_LICENCE
EXPORT = GoodsControl.Measure.EXPORT_LICENCE
INSPECTION = GoodsControl.Measure.INSPECTION


def make_control(hs_prefix="2709", measure=IMPORT, **kwargs) -> GoodsControl:
    return services.create_goods_control(
        actor=ACTOR, hs_prefix=hs_prefix, measure=measure, **kwargs
    )


def last_entry() -> Entry:
    return Entry.objects.order_by("-seq").first()


def load() -> str:
    out = io.StringIO()
    call_command("load_reference", stdout=out)
    return out.getvalue()


# --- controls_for and needs_* -------------------------------------------------------------------


def test_a_code_is_under_every_control_whose_prefix_it_starts_with():
    make_control("1201", IMPORT)
    make_control("1201", INSPECTION)
    make_control("12", EXPORT)
    make_control("1202", INSPECTION)

    assert controls_for("1201100000") == {IMPORT, INSPECTION, EXPORT}
    assert controls_for("1209000000") == {EXPORT}
    assert controls_for("8471300000") == frozenset()


def test_a_licence_is_needed_only_for_the_flow_the_list_names():
    make_control("2709", IMPORT)
    make_control("2846", EXPORT)

    assert needs_licence("2709000000", "import") and not needs_licence("2709000000", "export")
    assert needs_licence("2846901000", "export") and not needs_licence("2846901000", "import")
    assert not needs_licence("8471300000", "import")
    assert not needs_licence("2709000000", "transit")


def test_inspection_is_needed_for_codes_on_the_inspection_list_only():
    make_control("02", INSPECTION)
    make_control("0201", IMPORT)

    assert needs_inspection("0201300000")
    assert not needs_inspection("2709000000")


@pytest.mark.parametrize("code", ["", None, 2709000000])
def test_no_code_is_under_no_control(code):
    make_control("2709", IMPORT)

    assert controls_for(code) == frozenset()


def test_a_change_through_the_services_is_seen_at_once_despite_the_cache():
    assert not needs_inspection("9503000000")  # the empty list is now cached

    control = make_control("9503", INSPECTION)
    assert needs_inspection("9503000000")

    services.delete_goods_control(control=control, actor=ACTOR)
    assert not needs_inspection("9503000000")


def test_clearing_the_reference_caches_forgets_the_controls():
    assert not needs_licence("2709000000", "import")
    # As another process would: written without this process's services.
    GoodsControl.objects.create(hs_prefix="2709", measure=IMPORT)
    assert not needs_licence("2709000000", "import")

    codes.clear_caches()

    assert needs_licence("2709000000", "import")


def test_another_processes_edit_is_read_once_this_processes_copy_has_aged(monkeypatch):
    assert not needs_licence("2709000000", "import")
    GoodsControl.objects.create(hs_prefix="2709", measure=IMPORT)
    assert not needs_licence("2709000000", "import")

    monkeypatch.setattr(controls, "MAX_AGE", -1.0)  # every copy is now too old

    assert needs_licence("2709000000", "import")


# --- services -----------------------------------------------------------------------------------


def test_a_new_control_is_recorded_with_all_its_values_as_stored():
    control = make_control("2709", IMPORT, description=" Petroleum oils, crude ")

    entry = last_entry()
    assert (entry.actor, entry.action, entry.subject) == (
        ACTOR,
        "control.created",
        "control:import_licence:2709",
    )
    assert entry.data == {
        "changed": {
            "hs_prefix": "2709",
            "measure": "import_licence",
            "description": "Petroleum oils, crude",
            "illustrative": True,
        },
        "state": state_digest(model_snapshot(control)),
    }


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"hs_prefix": "2"}, "hs_prefix", "An HS prefix is 2 to 10 digits."),
        ({"hs_prefix": "27O9"}, "hs_prefix", "An HS prefix is 2 to 10 digits."),
        ({"measure": "quota"}, "measure", "Value 'quota' is not a valid choice."),
    ],
)
def test_a_bad_control_is_refused_beside_its_field_and_nothing_is_kept(fields, field, message):
    values = {"hs_prefix": "2709", "measure": IMPORT} | fields

    with pytest.raises(ValidationError) as refused:
        services.create_goods_control(actor=ACTOR, **values)

    assert message in refused.value.message_dict[field]
    assert not GoodsControl.objects.exists()
    assert not Entry.objects.filter(action="control.created").exists()


def test_a_prefix_is_under_a_measure_once_but_may_be_under_several_measures():
    make_control("1201", IMPORT)
    make_control("1201", INSPECTION)
    count = Entry.objects.count()

    with pytest.raises(ValidationError) as refused:
        make_control("1201", IMPORT)

    assert refused.value.message_dict["hs_prefix"] == [
        "HS prefix 1201 is already under Import licence."
    ]
    assert Entry.objects.count() == count


def test_an_update_records_only_what_changed_and_nothing_when_nothing_did():
    control = make_control("2709", IMPORT, description="Crude oil")

    services.update_goods_control(
        control=control, actor=ACTOR, description="Crude oil", illustrative=False, reason="checked"
    )
    entry = last_entry()
    services.update_goods_control(control=control, actor=ACTOR, illustrative=False)

    assert entry.action == "control.updated"
    assert entry.data["changed"] == {"illustrative": False}
    assert entry.data["reason"] == "checked"
    assert last_entry() == entry


def test_deleting_a_control_records_its_last_state_and_lifts_it():
    control = make_control("2709", IMPORT)
    last_state = state_digest(model_snapshot(control))

    services.delete_goods_control(control=control, actor=ACTOR, reason="lifted")

    entry = last_entry()
    assert (entry.action, entry.subject) == ("control.deleted", "control:import_licence:2709")
    assert entry.data == {"last_state": last_state, "reason": "lifted"}
    assert not GoodsControl.objects.exists()
    assert not needs_licence("2709000000", "import")


# --- the shipped illustrative list --------------------------------------------------------------


def test_loading_brings_an_illustrative_list_of_every_measure_each_line_ledgered():
    output = load()

    controls = GoodsControl.objects.all()
    assert {control.measure for control in controls} == {IMPORT, EXPORT, INSPECTION}
    assert not controls.filter(illustrative=False).exists()
    assert "illustrative goods controls: 21 (21 new)" in output
    entries = Entry.objects.filter(actor="system:reference", action="control.created")
    assert entries.count() == controls.count() == 21
    assert needs_licence("2709000000", "import") and needs_licence("2846901000", "export")
    assert needs_inspection("0201300000") and needs_inspection("9503000000")


def test_a_reload_records_nothing_keeps_an_edit_and_does_not_revive_a_deleted_control():
    load()
    rice = GoodsControl.objects.get(measure=EXPORT, hs_prefix="1006")
    services.update_goods_control(control=rice, actor=ACTOR, description="Rice, milled")
    toys = GoodsControl.objects.get(measure=INSPECTION, hs_prefix="9503")
    services.delete_goods_control(control=toys, actor=ACTOR)
    entries = Entry.objects.count()

    output = load()

    assert "illustrative goods controls: 20 (0 new)" in output
    assert Entry.objects.count() == entries
    assert GoodsControl.objects.get(measure=EXPORT, hs_prefix="1006").description == "Rice, milled"
    assert not GoodsControl.objects.filter(measure=INSPECTION, hs_prefix="9503").exists()


# The HS codes filings made before the list existed declare (tests, benchmarks, the demo, the
# scripts): none of them may suddenly need a licence or inspection.
EARLIER_FILINGS = [
    "0501000000",
    "0901210000",
    "2204210000",
    "2208300000",
    "3004900000",
    "3304990000",
    "6109100000",
    "6403990000",
    "8401100000",
    "8414300000",
    "8471300000",
    "8501100000",
    "8507600000",
    "8517120000",
    "8517130000",
    "8517620000",
    "8528720000",
    "8542310000",
    "8703800000",
    "8708990000",
    "9018909000",
    "9301100000",
    "9303200000",
    "9403600000",
    "9999990000",
]


@pytest.mark.parametrize("code", EARLIER_FILINGS)
def test_goods_earlier_filings_declare_are_off_the_shipped_list(code):
    with CONTROLS_FILE.open(encoding="utf-8") as handle:
        prefixes = [row["hs_prefix"] for row in csv.DictReader(handle)]

    assert not code.startswith(tuple(prefixes))


# --- the admin ----------------------------------------------------------------------------------


@pytest.fixture
def editor(client):
    user = make_editor()
    client.force_login(user)
    return user


def test_an_editor_adds_a_control_in_the_admin_through_the_service(client, editor):
    response = client.post(
        reverse("admin:reference_goodscontrol_add"),
        {"hs_prefix": "2612", "measure": EXPORT, "description": "Uranium ores"},
    )

    assert response.status_code == 302
    entry = last_entry()
    assert (entry.actor, entry.action) == (f"user:{editor.pk}", "control.created")
    assert entry.data["changed"]["illustrative"] is False
    assert needs_licence("2612100000", "export")


def test_the_admin_keeps_a_controls_identity_and_labels_the_shipped_lines(client, editor):
    load()
    rice = GoodsControl.objects.get(measure=EXPORT, hs_prefix="1006")

    client.post(
        reverse("admin:reference_goodscontrol_change", args=[rice.pk]),
        {"hs_prefix": "1005", "measure": IMPORT, "description": "Rice", "illustrative": "on"},
    )
    listing = client.get(reverse("admin:reference_goodscontrol_changelist"))

    rice.refresh_from_db()
    assert (rice.hs_prefix, rice.measure) == ("1006", EXPORT)
    assert "Illustrative" in listing.text


def test_an_editor_deletes_a_control_in_the_admin_through_the_service(client, editor):
    control = make_control("9503", INSPECTION)

    response = client.post(
        reverse("admin:reference_goodscontrol_delete", args=[control.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert last_entry().action == "control.deleted"
    assert not needs_inspection("9503000000")


def test_the_tariff_and_risk_editors_may_add_change_and_delete_goods_controls():
    codenames = set(ensure_editor_group().permissions.values_list("codename", flat=True))

    assert {f"{action}_goodscontrol" for action in ("add", "change", "delete", "view")} <= codenames


def test_staff_outside_the_editors_group_cannot_change_controls(client):
    client.force_login(make_user("officer", is_staff=True))

    response = client.post(
        reverse("admin:reference_goodscontrol_add"), {"hs_prefix": "2612", "measure": EXPORT}
    )

    assert response.status_code == 403
    assert not GoodsControl.objects.exists()
