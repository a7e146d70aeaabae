"""On PostgreSQL: concurrent releases writing off one licence never overdraw it, and concurrent
approvals of one agency never share a number."""

from decimal import Decimal

import pytest
from django.db import transaction

from eport.accounts.models import User
from eport.licensing import services
from eport.licensing.clearance import Citation, write_off
from eport.licensing.errors import LicenceError
from eport.licensing.models import Licence, LicenceUsage
from ledger.models import Entry
from tests.accounts.factories import make_user
from tests.concurrency import run_together

from . import factories as f

pytestmark = pytest.mark.django_db(transaction=True)

# Twelve releases drawing 1,560 KGM in all against a licence of 1,000 KGM (and one of them more
# value than is left on its own).
QUANTITIES = [Decimal(q) for q in (90, 110, 70, 130, 160, 150, 80, 120, 100, 200, 175, 175)]


def release(licence, index, quantity):
    def run():
        with transaction.atomic():
            write_off(
                company_id=licence.company_id,
                citations=[
                    Citation(1, "2709000000", quantity, "KGM", quantity * 100, licence.number)
                ],
                reference_prefix=f"DECL-{index:02d}",
                actor="system:test",
            )
        return quantity

    return run


def test_concurrent_releases_never_overdraw_a_licence(postgresql):
    trader = make_user()
    licence = f.approved_licence(trader)
    assert sum(QUANTITIES) > licence.quantity

    results = run_together(
        [release(licence, n, q) for n, q in enumerate(QUANTITIES)], join_timeout=120
    )

    written = [r for r in results if isinstance(r, Decimal)]
    refused = [r for r in results if not isinstance(r, Decimal)]
    assert written and refused, results
    assert all(isinstance(error, LicenceError) for error in refused), refused
    licence.refresh_from_db()
    assert licence.remaining_quantity == licence.quantity - sum(written) >= 0
    assert licence.remaining_value == licence.value - 100 * sum(written) >= 0
    assert sorted(u.quantity for u in LicenceUsage.objects.filter(licence=licence)) == sorted(
        written
    )
    entries = Entry.objects.filter(subject=licence.ledger_subject, action="licence.written_off")
    assert entries.count() == len(written)
    # Each refusal saw what the releases before it left.
    assert all("left; releasing" in str(error) for error in refused)


def test_concurrent_approvals_of_one_agency_take_distinct_numbers(postgresql):
    trader = make_user()
    officer = f.licensing_officer()
    applications = [f.apply_licence(trader) for _ in range(6)]

    def approve(pk):
        def run():
            actor = User.objects.select_related("agency").get(pk=officer.pk)
            licence = Licence.objects.get(pk=pk)
            return services.approve_licence(licence=licence, actor=actor, version=1).number

        return run

    numbers = run_together([approve(a.pk) for a in applications], join_timeout=120)

    assert all(isinstance(n, str) for n in numbers), numbers
    assert sorted(int(n[-6:]) for n in numbers) == [1, 2, 3, 4, 5, 6]
