"""eport settings, read from the environment.

With nothing configured the app runs on embedded defaults: SQLite under ``var/`` and, for Celery,
a broker on the local filesystem. ``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and Redis.
"""

import math
import os
from datetime import date, timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("EPORT_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_dates(name: str) -> frozenset[date]:
    """Comma-separated ISO dates from the environment; a clear error naming a wrong one."""
    try:
        return frozenset(date.fromisoformat(value) for value in env_list(name))
    except ValueError as error:
        raise ImproperlyConfigured(f"{name}: {error} (use dates such as 2027-01-01).") from None


def env_number(name: str, default: int | float, minimum: int | float = 0) -> int | float:
    """A number from the environment, of the default's type; a clear error if it is not one."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    kind = type(default)
    try:
        number = kind(value)
    except ValueError:
        number = None
    if number is None or not math.isfinite(number) or number < minimum:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not {'an integer' if kind is int else 'a number'} "
            f"of at least {minimum}."
        )
    return number


DEBUG = env_bool("DJANGO_DEBUG", default=False)

_DEV_SECRET_KEY = "django-insecure-eport-development-only-never-use-in-production"  # noqa: S105 (DEBUG only)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string, "
            "or set DJANGO_DEBUG=1 for local development."
        )
    SECRET_KEY = _DEV_SECRET_KEY
# Earlier keys, during a rotation: sessions, signed links and recovery codes made with them hold.
SECRET_KEY_FALLBACKS = env_list("DJANGO_SECRET_KEY_FALLBACKS")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    # Before eport.accounts, whose admin takes the devices' own admin pages away.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ledger",
    "eport.accounts",
    "eport.reference",
    "eport.licensing",
    "eport.declarations",
    "eport.saved",
    "eport.banks",
    "eport.payments",
    "eport.notifications",
    "eport.demo",
    "eport.outbox",
    "eport.web",
    "eport.audit",
    "eport.api",
    "eport.ops",
]

AUTH_USER_MODEL = "accounts.User"

MIDDLEWARE = [
    # django-prometheus times every request between its two middlewares, at the two ends.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Every request's id (X-Request-ID) in its log lines and in the tasks it queues.
    "eport.ops.requestid.RequestIdMiddleware",
    "eport.web.middleware.RefuseNulCharactersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: a signed-in person's saved language comes before the browser's.
    "eport.web.middleware.LanguageMiddleware",
    "eport.web.middleware.PrivatePagesMiddleware",
    # A second factor for officers, auditors and banks: the device that verified this session,
    # then the step every page but the second factor's own waits for.
    "django_otp.middleware.OTPMiddleware",
    "eport.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Axes stays last: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "eport.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "eport.web.context_processors.navigation",
                "eport.web.context_processors.script_strings",
                "eport.notifications.context_processors.unread",
            ],
        },
    },
]

WSGI_APPLICATION = "eport.wsgi.application"


def _database_config() -> dict:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        if config["ENGINE"] == "django.db.backends.sqlite3":
            config.setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
        elif "postgresql" in config["ENGINE"]:
            # A server that hangs (not refusing connections) costs a request seconds, not minutes:
            # /readyz then reports it. `?connect_timeout=N` in DATABASE_URL overrides it.
            config.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
        return config
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "eport.sqlite3",
        "OPTIONS": SQLITE_OPTIONS,
    }


# WAL lets the web process read while a worker writes; IMMEDIATE transactions take the write
# lock up front, so two writers queue instead of failing with "database is locked" mid-way.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
}

DATABASES = {"default": _database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The language: a signed-in person's saved choice, else the browser's Accept-Language, else this.
LANGUAGE_CODE = os.environ.get("EPORT_LANGUAGE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our own formats per language (eport/formats/<lang>/formats.py): English dates as in Britain.
FORMAT_MODULE_PATH = ["eport.formats"]
LANGUAGE_COOKIE_NAME = "eport_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Uploaded documents live outside static/ and are served only through permission-checked views.
MEDIA_ROOT = Path(os.environ.get("EPORT_MEDIA_ROOT", VAR_DIR / "media"))

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# Brute-force protection (django-axes): after AXES_FAILURE_LIMIT failed logins for one username
# from one IP address, that pair is locked out for the cool-off period.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "eport.accounts.backends.AccountBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_number("EPORT_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_number("EPORT_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "eport.accounts.views.lockout"
# How many proxies of ours stand in front of the app (the TLS proxy: 1). Lockouts and rate limits
# then key on the client's address from X-Forwarded-For, not the proxy's (eport.core.client).
EPORT_TRUSTED_PROXIES = env_number("EPORT_TRUSTED_PROXIES", 0)
AXES_CLIENT_IP_CALLABLE = "eport.core.client.client_address"
# Officers, auditors and bank staff confirm each sign-in with a code from an authenticator app
# (TOTP) or a recovery code; they enrol on their first sign-in (eport.accounts.second_factor).
EPORT_REQUIRE_SECOND_FACTOR = env_bool("EPORT_REQUIRE_SECOND_FACTOR", default=True)
OTP_TOTP_ISSUER = "eport"

# Security headers; the HTTPS-only ones are relaxed in DEBUG so the dev server works over http.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The load balancer's probes and Prometheus may call over plain HTTP on loopback (eport.ops).
SECURE_REDIRECT_EXEMPT = [r"^(healthz|readyz|metrics)$"]
SECURE_HSTS_SECONDS = 0 if DEBUG else env_number("DJANGO_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG

# Content Security Policy (django-csp 4): everything is served from this origin; no inline
# script or style, so an injected tag cannot run.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        # Documents are previewed in an <iframe> of eport's own document URL, never <object>.
        "frame-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

REDIS_URL = os.environ.get("REDIS_URL", "").strip()

# Celery -----------------------------------------------------------------------------------------
# Notarization must never skip or repeat work: ack only after the task ran, give a task back when
# its worker dies, take one message at a time, and keep retrying the broker at start-up. Tasks are
# idempotent and take their ranges from the database, so a redelivery is harmless.
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
else:
    # No server needed: kombu's filesystem transport runs a real worker and beat on local folders.
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {}
CELERY_TIMEZONE = "UTC"
# A request publishing a task must not hang on a broker that is down: give up within seconds (the
# task waits in the outbox, eport/outbox, and is sent when the broker is back).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
if REDIS_URL:
    # kombu's Redis transport: without a socket timeout a publish waits forever on a connection
    # the broker dropped without closing it.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 10}
CELERY_BEAT_SCHEDULE["outbox.flush"] = {
    "task": "outbox.flush",
    "schedule": 10.0,
    "options": {"expires": 10.0},  # a later one does the same work
}

# Logs: EPORT_LOG_FORMAT=json (the default without DEBUG) writes one JSON object a line with time,
# level, logger, message and request_id (plus task_id and task_name inside Celery tasks).
EPORT_LOG_FORMAT = os.environ.get("EPORT_LOG_FORMAT", "plain" if DEBUG else "json").strip().lower()
if EPORT_LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"EPORT_LOG_FORMAT={EPORT_LOG_FORMAT!r}: use plain or json.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "eport.ops.requestid.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["levelname", "name", "message", "request_id"],
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": EPORT_LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("EPORT_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# Declarations -----------------------------------------------------------------------------------
EPORT_MAX_UPLOAD_BYTES = env_number("EPORT_MAX_UPLOAD_BYTES", 10 * 1024 * 1024, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = EPORT_MAX_UPLOAD_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Seed for the random-sample risk rule, so lanes are reproducible.
EPORT_RISK_SEED = os.environ.get("EPORT_RISK_SEED", "eport")

# Duties and taxes: a bill is due EPORT_PAYMENT_DAYS after it is issued (GACC Announcement No. 61
# of 2022). Working days for aggregate taxation are Monday to Friday, less EPORT_HOLIDAYS, plus the
# weekend days worked instead (EPORT_WORKDAYS); both are comma-separated ISO dates.
EPORT_PAYMENT_DAYS = env_number("EPORT_PAYMENT_DAYS", 15, minimum=1)


EPORT_HOLIDAYS = env_dates("EPORT_HOLIDAYS")
EPORT_WORKDAYS = env_dates("EPORT_WORKDAYS")

# The ledger ------------------------------------------------------------------------------------
EPORT_LEDGER_ORIGIN = os.environ.get("EPORT_LEDGER_ORIGIN", "eport.localhost/ledger")
# Notarization (spec section 4): a checkpoint every EPORT_CHECKPOINT_INTERVAL seconds, or sooner
# once EPORT_CHECKPOINT_MAX_ENTRIES entries wait. Witnesses (spec section 8) are the members' own
# servers, each '<verifier key> <URL>', comma separated; a bare key name is a development witness
# eport runs itself (its key in EPORT_KEYS_DIR), for tests and runs without witness servers.
EPORT_CHECKPOINT_INTERVAL = env_number("EPORT_CHECKPOINT_INTERVAL", 10.0, minimum=0.1)
EPORT_CHECKPOINT_MAX_ENTRIES = env_number("EPORT_CHECKPOINT_MAX_ENTRIES", 10000)
EPORT_WITNESSES = env_list("EPORT_WITNESSES", "customs.witness,commerce.witness,bank.witness")
EPORT_WITNESS_QUORUM = env_number("EPORT_WITNESS_QUORUM", 2)
EPORT_WITNESS_TIMEOUT = env_number("EPORT_WITNESS_TIMEOUT", 5.0, minimum=0.1)
# Processes that verify the chain at once (verify_ledger's default and the auditor's run): 0 is
# one per CPU, 1 a single pass in the calling process.
EPORT_VERIFY_WORKERS = env_number("EPORT_VERIFY_WORKERS", 0)
# Signer keys live here (or in EPORT_LEDGER_SIGNER_KEY / EPORT_WITNESS_<NAME>_KEY), never in the
# repository or the database; `manage.py ledger_keygen` writes missing development keys.
EPORT_KEYS_DIR = Path(os.environ.get("EPORT_KEYS_DIR", VAR_DIR / "keys"))
# Who may read an entry's bytes at /ledger/entries/<seq>: a callable (user, entry) -> bool.
EPORT_LEDGER_ENTRY_ACCESS = "eport.payments.access.may_see_entry"
# The auditor's reconciliation reports a company, office, bank, user, tariff line, risk rule or API
# token with no ledger entry at all (inserted behind the application's back); off only for a
# database whose rows predate the ledgering of those records.
EPORT_RECONCILE_UNLEDGERED_ROWS = env_bool("EPORT_RECONCILE_UNLEDGERED_ROWS", default=True)
# Alliance mirrors that may read entry bundles: `<name>:<SHA-256 hex of its bearer token>`, comma
# separated (`manage.py ledger_mirror_token NAME` makes a token and prints its line).
EPORT_LEDGER_MIRROR_TOKENS = env_list("EPORT_LEDGER_MIRROR_TOKENS")
# Every ledger setting above, and its default when a project leaves it out, is listed in
# ledger/conf.py, the one module through which the ledger reads them.

# The audit workspace ---------------------------------------------------------------------------
# The public address printed on receipts and release notes (their QR codes link to /verify/);
# empty: the address the request came in on.
EPORT_SITE_URL = os.environ.get("EPORT_SITE_URL", "").rstrip("/")
# Receipt checks per client address per minute on the public /verify/ page.
EPORT_VERIFY_RATE_LIMIT = env_number("EPORT_VERIFY_RATE_LIMIT", 30, minimum=1)
# A verification run whose task was lost with the broker, or whose worker died, is sent again.
CELERY_BEAT_SCHEDULE["audit.resume_stale_run"] = {
    "task": "audit.resume_stale_run",
    "schedule": 60.0,
    "options": {"expires": 60.0},
}
CELERY_BEAT_SCHEDULE["ledger.notarize"] = {
    "task": "ledger.notarize",
    "schedule": EPORT_CHECKPOINT_INTERVAL,
}

# Cache: Redis when REDIS_URL is set (shared by every worker: API throttling counts there),
# otherwise this process's memory.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "eport",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The REST API (/api/v1/) ------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "eport.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "eport.api.parsers.DecimalJSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["eport.api.throttling.TokenRateThrottle"],
    "DEFAULT_METADATA_CLASS": "eport.api.metadata.ResourceMetadata",
    "EXCEPTION_HANDLER": "eport.api.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "eport.api.schema.ProblemAutoSchema",
    "UNAUTHENTICATED_USER": None,
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "eport API",
    "DESCRIPTION": (
        "File and follow customs declarations and licences from your own systems, and act on "
        "them as customs, as a bank or as a licensing or inspection agency.\n\n"
        "- **Authentication**: `Authorization: Bearer <token>` (create tokens under Account → API "
        "tokens); a 401 names the scheme in `WWW-Authenticate`.\n"
        "- **Errors** are RFC 9457 problem details (`application/problem+json`), for every "
        "status and path under /api/. Their `type` is a page that explains it "
        "(/api/problems/); a 422's `errors` maps each field to all its problems at once.\n"
        "- **Retries**: send an `Idempotency-Key` with every POST; a retry answers the first "
        "response with `Idempotent-Replayed: true`. Changes name the `version` you read; an older "
        "one answers 409.\n"
        '- **Values**: amounts are decimal strings (`"1250.00"`); codes are upper case '
        "(countries ISO 3166-1, currencies ISO 4217, units UN/ECE Rec. 20); text may hold line "
        "breaks and tabs but no other control character (NUL included). Rules that depend on "
        "stored data (an open office, an HS subheading, a bank of the alliance) answer 422.\n"
        "- **Lists** are newest first, paged by an opaque `cursor` (`next`, `previous`); "
        "`page_size` is 1 to 100.\n"
        "- **Language**: titles and messages follow `Accept-Language` (`en`, `zh-Hans`); codes, "
        "field names and problem types never change.\n"
        "- **Rate**: requests per token are limited; a 429 says when to retry (`Retry-After`)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "DeclarationStatusEnum": "eport.declarations.models.Declaration.Status",
        "InspectionStatusEnum": "eport.declarations.models.Declaration.Inspection",
        "LicenceStatusEnum": "eport.licensing.models.Licence.Status",
        "DocumentTypeEnum": "eport.reference.choices.DocumentType",
        "CountryEnum": "eport.api.schema.COUNTRY_CODES",
        "CurrencyEnum": "eport.api.schema.CURRENCY_CODES",
        "UnitEnum": "eport.api.schema.UNIT_CODES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "eport.api.schema.name_enum_members",
        "eport.api.schema.unwrap_parameter_references",
    ],
}
# Requests per token (per user for browser sessions) and window: "<count>/<second|minute|hour>".
EPORT_API_RATE = os.environ.get("EPORT_API_RATE", "1200/minute")
# Lifetime of a new API token when none is asked for, and the longest one may ask for.
EPORT_API_TOKEN_DEFAULT_DAYS = env_number("EPORT_API_TOKEN_DEFAULT_DAYS", 90, minimum=1)
EPORT_API_TOKEN_MAX_DAYS = env_number("EPORT_API_TOKEN_MAX_DAYS", 365, minimum=1)
if EPORT_API_TOKEN_DEFAULT_DAYS > EPORT_API_TOKEN_MAX_DAYS:
    raise ImproperlyConfigured(
        "EPORT_API_TOKEN_DEFAULT_DAYS must not exceed EPORT_API_TOKEN_MAX_DAYS."
    )
# How long an Idempotency-Key is remembered; the hourly task below deletes older ones.
EPORT_IDEMPOTENCY_KEY_HOURS = env_number("EPORT_IDEMPOTENCY_KEY_HOURS", 24, minimum=1)
CELERY_BEAT_SCHEDULE["api.purge_idempotency_keys"] = {
    "task": "api.purge_idempotency_keys",
    "schedule": 3600.0,
}

# Operations (eport.ops) -------------------------------------------------------------------------
# /readyz fails when the worker's heartbeat (the ops.heartbeat task, every 15 s) is older than
# EPORT_READY_WORKER_SECONDS, or when entries wait and the newest notarized checkpoint is older
# than EPORT_READY_CHECKPOINT_SECONDS.
EPORT_READY_WORKER_SECONDS = env_number("EPORT_READY_WORKER_SECONDS", 60, minimum=1)
EPORT_READY_CHECKPOINT_SECONDS = env_number("EPORT_READY_CHECKPOINT_SECONDS", 300, minimum=1)
CELERY_BEAT_SCHEDULE["ops.heartbeat"] = {
    "task": "ops.heartbeat",
    "schedule": 15.0,
    "options": {"expires": 15.0},  # a late heartbeat proves nothing the next one does not
}
# /metrics answers addresses in EPORT_METRICS_ALLOWED (IPs or CIDR networks, comma separated) and
# requests carrying `Authorization: Bearer <EPORT_METRICS_TOKEN>`; everyone else gets 403.
EPORT_METRICS_ALLOWED = env_list("EPORT_METRICS_ALLOWED", "127.0.0.1,::1")
EPORT_METRICS_TOKEN = os.environ.get("EPORT_METRICS_TOKEN", "").strip()

# Notifications (eport.notifications) ----------------------------------------------------------
# Mail: printed to the console under DEBUG (``make run``) unless EMAIL_BACKEND says otherwise;
# SMTP in production, configured from the environment. E-mails are sent by a Celery task after
# the change commits, retried with backoff while the mail server refuses.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_number("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env_number("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "eport <noreply@eport.localhost>")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set at most one of EMAIL_USE_TLS and EMAIL_USE_SSL.")
# The officers' daily digest (for those who chose it): declarations waiting for customs in their
# office for longer than EPORT_DIGEST_AGE_HOURS, sent every day at EPORT_DIGEST_TIME (HH:MM, UTC).
EPORT_DIGEST_AGE_HOURS = env_number("EPORT_DIGEST_AGE_HOURS", 24.0, minimum=0)
EPORT_DIGEST_TIME = os.environ.get("EPORT_DIGEST_TIME", "00:30").strip()
try:
    _digest_hour, _digest_minute = (int(part) for part in EPORT_DIGEST_TIME.split(":"))
    if not (0 <= _digest_hour < 24 and 0 <= _digest_minute < 60):
        raise ValueError(EPORT_DIGEST_TIME)
except ValueError:
    raise ImproperlyConfigured(
        f"EPORT_DIGEST_TIME must be a time of day as HH:MM (UTC), not {EPORT_DIGEST_TIME!r}."
    ) from None
CELERY_BEAT_SCHEDULE["notifications.send_digests"] = {
    "task": "notifications.send_digests",
    "schedule": crontab(hour=_digest_hour, minute=_digest_minute),
}
