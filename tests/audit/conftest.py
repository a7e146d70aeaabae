import pytest
from django.core.cache import cache

from eport.payments import services as payments
from ledger import keys, notary
from tests.declarations import factories as f
from tests.declarations.conftest import media_root, world  # noqa: F401
from tests.ledger.notary_support import ledger_keys  # noqa: F401


@pytest.fixture(autouse=True)
def fresh_cache():
    # The /verify/ rate limit counts in the cache; each test starts with a full budget.
    cache.clear()
    yield
    cache.clear()


def release(declaration, officer):
    """Take a submitted green-lane declaration through payment, which releases it."""
    payments.record_counter_payment(
        bill=f.fresh(declaration).tax_bill, actor=officer, receipt_number="CR-1"
    )
    return f.fresh(declaration)


@pytest.fixture
def released(world, ledger_keys):  # noqa: F811
    """A released green-lane declaration of the world's trader, notarized and cosigned."""
    declaration = f.submitted(world.trader, lane="green")
    declaration = release(declaration, world.officer)
    assert declaration.status == "released"
    notary.notarize_pending(cosign="inline")
    return declaration


@pytest.fixture
def keys_file(tmp_path, ledger_keys):  # noqa: F811
    path = tmp_path / "keys.txt"
    path.write_text("\n".join(keys.verifier_keys()) + "\n")
    return path
