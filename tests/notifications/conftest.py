import pytest

from eport.accounts.models import User
from tests.banks.conftest import media_root, world  # noqa: F401
from tests.declarations import factories as f


@pytest.fixture
def people(world):  # noqa: F811
    """The banks' world, everyone with an e-mail address, and a second trader of Alpha."""
    world.trader_b = f.user("trader_b", "trader", company=world.alpha)
    world.officer2 = f.user("officer2", "officer", office=world.shanghai)
    for user in User.objects.all():
        user.email = f"{user.username}@example.com"
        user.save(update_fields=["email"])
    for name in ("trader", "trader2", "trader_b", "officer", "officer2", "bank", "bank2"):
        getattr(world, name).refresh_from_db()
    return world
