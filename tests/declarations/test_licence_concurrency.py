"""What only concurrent transactions on PostgreSQL can show: two releases drawing on one licence,
each enough alone but not both together, never overdraw it."""

from decimal import Decimal

import pytest

from eport.declarations import services
from eport.declarations.errors import TransitionError
from eport.declarations.models import Declaration
from eport.licensing.models import LicenceUsage
from eport.reference import codes
from eport.reference.models import GoodsControl, TariffLine
from eport.reference.services import create_goods_control
from ledger.models import Entry
from ledger.verify import verify_chain
from tests.concurrency import run_together
from tests.licensing import factories as licences

from . import factories as f
from .test_clearance_licences import crude, filed, paid

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def controlled(world):
    """Crude petroleum under import licence control, with a tariff line for it."""
    licences.load_subheadings()
    create_goods_control(
        actor="system:test", hs_prefix="2709", measure=GoodsControl.Measure.IMPORT_LICENCE
    )
    TariffLine.objects.get_or_create(
        hs_prefix="27", defaults={"duty_rate": Decimal("0.00"), "vat_rate": Decimal("13.00")}
    )
    codes.clear_caches()
    return world


@pytest.mark.parametrize(
    ("quantity", "value", "left"),
    [
        # 1,000 KGM and USD 100,000 on the licence: the quantity runs out first ...
        ("600", "10000.00", (Decimal("400.000"), Decimal("90000.00"))),
        # ... or the value does.
        ("100", "60000.00", (Decimal("900.000"), Decimal("40000.00"))),
    ],
    ids=["quantity", "value"],
)
def test_two_releases_against_one_licence_never_overdraw_it(
    postgresql, controlled, quantity, value, left
):
    licence = licences.approved_licence(controlled.trader)
    declarations = [
        paid(
            f.submit(
                filed(controlled.trader, [crude(licence, quantity, value)], lrn=f"RACE-{n}"),
                controlled.trader,
            ),
            controlled.officer if n == 0 else controlled.officer2,
        )
        for n in range(2)
    ]

    def releaser(declaration, officer):
        return lambda: services.release_declaration(
            declaration=declaration, actor=officer, version=declaration.version
        )

    results = run_together(
        [
            releaser(declarations[0], controlled.officer),
            releaser(declarations[1], controlled.officer2),
        ]
    )

    released = [result for result in results if isinstance(result, Declaration)]
    refused = [result for result in results if isinstance(result, TransitionError)]
    assert len(released) == 1 and len(refused) == 1, results
    assert "left" in str(refused[0]) and "Nothing was written off" in str(refused[0])
    licence.refresh_from_db()
    assert (licence.remaining_quantity, licence.remaining_value) == left
    (usage,) = LicenceUsage.objects.filter(licence=licence)
    assert usage.reference == f"{released[0].number}/1"
    loser = next(d for d in declarations if d.pk != released[0].pk)
    assert Declaration.objects.get(pk=loser.pk).status == Declaration.Status.PAID
    assert (
        Entry.objects.filter(subject=licence.ledger_subject, action="licence.written_off").count()
        == 1
    )
    assert verify_chain().ok
