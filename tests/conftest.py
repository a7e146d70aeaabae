import os

import pytest
from django.db import connection


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def postgresql(db):
    """Skip on SQLite, unless the run promised PostgreSQL (make test does): then fail."""
    if not on_postgresql():
        if os.environ.get("DATABASE_URL", "").startswith("postgres"):
            pytest.fail("DATABASE_URL names PostgreSQL but the connection is not PostgreSQL")
        pytest.skip("needs PostgreSQL: run through `make test`")


@pytest.fixture(autouse=True)
def _english_unless_asked():
    """A request in Chinese leaves its language active on the thread; the next test starts over."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_reference_caches():
    """Reference lookups cache the HS subheadings; each test starts from its own database."""
    from eport.reference.codes import clear_caches

    clear_caches()


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "postgresql" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)
