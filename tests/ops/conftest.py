import pytest

from tests.ledger.notary_support import ledger_keys  # noqa: F401


@pytest.fixture
def json_accept():
    return {"HTTP_ACCEPT": "application/json"}
