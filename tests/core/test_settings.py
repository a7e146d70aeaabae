"""Settings read from the environment refuse values they cannot use, naming the variable."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from eport.settings import env_number


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", 24), ("  ", 24), ("48", 48), (" 7 ", 7)],
)
def test_numbers_come_from_the_environment_or_the_default(monkeypatch, value, expected):
    monkeypatch.setenv("EPORT_TEST_NUMBER", value)
    assert env_number("EPORT_TEST_NUMBER", 24, minimum=1) == expected


@pytest.mark.parametrize("value", ["twelve", "1.5", "0", "-3", "1e3"])
def test_an_unusable_integer_is_refused_by_name(monkeypatch, value):
    monkeypatch.setenv("EPORT_TEST_NUMBER", value)
    with pytest.raises(ImproperlyConfigured) as error:
        env_number("EPORT_TEST_NUMBER", 24, minimum=1)
    assert str(error.value) == f"EPORT_TEST_NUMBER={value!r} is not an integer of at least 1."


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "soon", "0.01"])
def test_an_unusable_interval_is_refused_by_name(monkeypatch, value):
    monkeypatch.setenv("EPORT_TEST_NUMBER", value)
    with pytest.raises(ImproperlyConfigured, match=r"^EPORT_TEST_NUMBER=.* is not a number"):
        env_number("EPORT_TEST_NUMBER", 10.0, minimum=0.1)


def test_a_float_setting_accepts_a_fraction(monkeypatch):
    monkeypatch.setenv("EPORT_TEST_NUMBER", "2.5")
    assert env_number("EPORT_TEST_NUMBER", 10.0, minimum=0.1) == 2.5


def test_the_app_will_not_start_with_an_unusable_number():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "eport.settings",
        "DJANGO_DEBUG": "1",
        "EPORT_IDEMPOTENCY_KEY_HOURS": "a day",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "EPORT_IDEMPOTENCY_KEY_HOURS='a day' is not an integer of at least 1." in done.stderr


@pytest.mark.parametrize(
    ("url", "timeout"),
    [
        ("postgres://eport@db.example/eport", 5),
        ("postgres://eport@db.example/eport?connect_timeout=2", 2),
    ],
)
def test_postgresql_connections_give_up_within_seconds(monkeypatch, url, timeout):
    from eport.settings import _database_config

    monkeypatch.setenv("DATABASE_URL", url)
    assert _database_config()["OPTIONS"]["connect_timeout"] == timeout
