"""The demo data: every status, all through the ledger, and a second run changes nothing."""

from decimal import Decimal

from django.core.management import call_command

from eport.accounts.models import User
from eport.core.actors import SYSTEM_ACTORS
from eport.declarations.models import Declaration
from eport.declarations.snapshot import state_digest
from eport.licensing.models import Licence, LicenceUsage
from eport.payments.models import TaxBill
from ledger.models import Entry


def test_seed_demo_covers_every_status_verifies_and_is_idempotent(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo")

    statuses = set(Declaration.objects.values_list("status", flat=True))
    assert statuses == set(Declaration.Status.values)
    assert Declaration.objects.count() == 24
    officer = User.objects.get(username="officer")
    assert officer.is_staff and officer.groups.filter(name="Tariff and risk editors").exists()
    assert User.objects.get(username="trader").check_password("eport-demo")
    for declaration in Declaration.objects.select_related("company", "office"):
        last = Entry.objects.filter(subject=declaration.ledger_subject).order_by("-seq").first()
        assert last.data["state"] == state_digest(declaration), declaration.lrn
    # Each assessed declaration has its bill; the paid and released ones were paid at a customs
    # counter, the receipt recorded by the officer.
    assert set(TaxBill.objects.values_list("declaration__status", flat=True)) == {
        "assessed",
        "paid",
        "released",
    }
    for bill in TaxBill.objects.exclude(declaration__status="assessed"):
        assert (bill.status, bill.means, bill.paid_by) == ("paid", "counter", officer)
        assert bill.paid_reference == f"CR-{bill.declaration.number}"
        assert bill.paid_amount == bill.tax
    assert not TaxBill.objects.filter(declaration__status="assessed").exclude(status="open")
    call_command("verify_ledger")
    # Every component of eport that wrote an entry has a name a person can read on a timeline.
    components = set(
        Entry.objects.filter(actor__startswith="system:").values_list("actor", flat=True)
    )
    assert {"system:risk", "system:assessment", "system:clearance", "system:seed"} <= components
    assert components <= set(SYSTEM_ACTORS)

    entries = Entry.objects.count()
    call_command("seed_demo")
    assert Entry.objects.count() == entries
    assert Declaration.objects.count() == 24


def test_seed_demo_brings_the_agencies_their_officers_licences_and_inspected_filings(
    db, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo")

    licensing = User.objects.get(username="licensing")
    inspector = User.objects.get(username="inspector")
    assert licensing.is_licensing_officer and licensing.agency.code == "SHCOM"
    assert inspector.is_inspector and inspector.agency.code == "SHCIQ"
    assert inspector.check_password("eport-demo")

    licences = {licence.description: licence for licence in Licence.objects.all()}
    assert {name: licence.status for name, licence in licences.items()} == {
        "Boneless beef, chilled": "approved",
        "Natural graphite flakes": "approved",
        "Soya beans for crushing": "submitted",
        "Crude petroleum oil": "query",
    }
    assert {licence.agency.code for licence in licences.values()} == {"SHCOM"}
    # The beef licence was partly written off by the released declaration that cites it.
    beef = licences["Boneless beef, chilled"]
    released = Declaration.objects.get(lrn="DEMO-A17")
    assert released.status == "released" and released.inspection_status == "passed"
    assert released.inspection_certificate == "SHCIQ-2026-000417"
    assert released.items.get().licence_number == beef.number
    assert (beef.remaining_quantity, beef.remaining_value) == (
        Decimal("15000.000"),
        Decimal("180000.00"),
    )
    [usage] = LicenceUsage.objects.filter(licence=beef)
    assert usage.reference == f"{released.number}/1"
    graphite = licences["Natural graphite flakes"]
    assert graphite.remaining_value == graphite.value

    waiting = Declaration.objects.get(lrn="DEMO-A18")
    assert (waiting.status, waiting.inspection_status) == ("submitted", "pending")
    assert waiting.inspection_agency == inspector.agency
    failed = Declaration.objects.get(lrn="DEMO-A19")
    assert (failed.status, failed.inspection_status) == ("rejected", "failed")
    # Filings of goods on no list wait for no agency.
    assert not Declaration.objects.filter(lrn="DEMO-A04").exclude(inspection_status="").exists()

    actions = set(Entry.objects.values_list("action", flat=True))
    assert {
        "agency.created",
        "control.created",
        "licence.applied",
        "licence.approved",
        "licence.queried",
        "licence.written_off",
    } <= actions
    call_command("verify_ledger")

    entries = Entry.objects.count()
    call_command("seed_demo")
    assert Entry.objects.count() == entries
    assert Licence.objects.count() == 4
