"""Test settings: the production settings plus what only tests may have."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")

from eport.settings import *  # noqa: F403
from eport.settings import DATABASES, STATIC_ROOT, VAR_DIR

# pytest-django flushes tables with TRUNCATE; the ledger's append-only trigger lets TRUNCATE through
# only where this session setting is on, and only these settings turn it on.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = (options.get("options", "") + " -c eport.allow_truncate=on").strip()
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# Tests read English unless they ask for another language (Accept-Language, the switch).
LANGUAGE_CODE = "en"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = VAR_DIR / "test-media"
SECURE_SSL_REDIRECT = False
# Tests sign in with force_login; the second factor's own tests and journeys turn it on.
EPORT_REQUIRE_SECOND_FACTOR = False
# The factories create companies, offices, banks, users and tariff lines directly, without ledger
# entries; the reconciliation's own tests turn the report of such rows on.
EPORT_RECONCILE_UNLEDGERED_ROWS = False
# WhiteNoise expects STATIC_ROOT to exist; tests serve assets through the finders instead.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Mail stays in this process's memory (django.core.mail.outbox); a test's Celery worker, a process
# of its own, writes it as files under EPORT_TEST_EMAIL_DIR for the test to read.
if os.environ.get("EPORT_TEST_EMAIL_DIR"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["EPORT_TEST_EMAIL_DIR"]
else:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
