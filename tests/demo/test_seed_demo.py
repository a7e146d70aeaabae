"""The demo data: every status, all through the ledger, and a second run changes nothing."""

from django.core.management import call_command

from eport.accounts.models import User
from eport.core.actors import SYSTEM_ACTORS
from eport.declarations.models import Declaration
from eport.declarations.snapshot import state_digest
from eport.payments.models import TaxBill
from ledger.models import Entry


def test_seed_demo_covers_every_status_verifies_and_is_idempotent(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo")

    statuses = set(Declaration.objects.values_list("status", flat=True))
    assert statuses == set(Declaration.Status.values)
    assert Declaration.objects.count() == 21
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
    assert Declaration.objects.count() == 21
