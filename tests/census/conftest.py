import pytest

from tests.banks.conftest import media_root, world  # noqa: F401
from tests.declarations import factories as f
from tests.ledger.notary_support import ledger_keys  # noqa: F401

from .census import CENSUS


@pytest.fixture(autouse=True)
def generous_limits(settings):
    """The census counts answers to malformed input, not rate limits or lockouts."""
    settings.EPORT_API_RATE = "1000000/minute"
    settings.EPORT_VERIFY_RATE_LIMIT = 1_000_000
    settings.AXES_FAILURE_LIMIT = 1_000_000
    settings.EPORT_MAX_UPLOAD_BYTES = 64 * 1024
    # Signed in with force_login: the pages themselves answer, not the second factor's step.
    settings.EPORT_REQUIRE_SECOND_FACTOR = False


@pytest.fixture
def lanes(world):  # noqa: F811
    f.lane_rules()
    return world


def pytest_terminal_summary(terminalreporter):
    if not CENSUS.outcomes:
        return
    path = CENSUS.write()
    terminalreporter.section("malformed-input census")
    terminalreporter.write_line(CENSUS.table())
    terminalreporter.write_line(f"(written to {path})")
