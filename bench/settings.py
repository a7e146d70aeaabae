"""Benchmark settings: the production settings plus a benchmark app and the peer audit libraries.

Never used to serve requests. DEBUG stays off so Django does not log every query, which would
inflate every variant's cost.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "eport-benchmark-settings-not-for-serving")

from eport.settings import *  # noqa: F403
from eport.settings import DATABASES, INSTALLED_APPS

DEBUG = False
INSTALLED_APPS = [
    *INSTALLED_APPS,
    "simple_history",
    "auditlog",
    "pgtrigger",
    "pghistory",
    "reversion",
    "bench.peers",
]
# The benchmark's own processes come and go; one connection each, kept for the whole run.
DATABASES["default"]["CONN_MAX_AGE"] = None
DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
SECURE_SSL_REDIRECT = False
ROOT_URLCONF = "bench.urls"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
