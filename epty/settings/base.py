"""Settings shared by every environment. Values come from the environment (see env.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .env import env, env_int, env_list, env_rate

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env("DJANGO_SECRET_KEY", "django-insecure-development-only-key-do-not-use-in-production")
DEBUG = False
# The public host name (epty.example.no): the one value a deployment names; allowed hosts, trusted origins
# and the site address for e-mail links follow from it unless set on their own.
EPTY_HOST = env("EPTY_HOST", "")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", EPTY_HOST or "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", f"https://{EPTY_HOST}" if EPTY_HOST else "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "epty",  # operations commands (manage.py bootstrap)
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc served from a pinned package: the API docs work offline
    "csp",
    "epty.mail",
    "properties",
    "accounts",
    "accounts.saved",
    "offers",
    "owners",
    "photos",
    "recommendations",  # only its migrations 0001-0003: the tables below were created there
    "recommendations.valuation",
    "recommendations.market",
    "recommendations.recommender",
]

MIDDLEWARE = [
    "epty.replica.ReplicaRoutingMiddleware",  # first: reads of read requests to the replica (DATABASE_REPLICA_URL)
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",  # a user's own language choice beats the browser's
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "epty.api.middleware.RepeatedParametersMiddleware",  # under /api/: a repeated parameter is honoured or a 400
]

ROOT_URLCONF = "epty.urls"
WSGI_APPLICATION = "epty.wsgi.application"
ASGI_APPLICATION = "epty.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "builtins": ["epty.template_numbers"],  # `|dot`: numbers for machines (SVG, data attributes)
        },
    },
]

# --- Database: SQLite by default, anything dj-database-url understands otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=60,
        conn_health_checks=True,
    )
}
# A PostgreSQL streaming replica for read traffic (epty/replica.py): unset, everything reads the primary.
_replica_url = env("DATABASE_REPLICA_URL")
if _replica_url:
    DATABASES["replica"] = dj_database_url.parse(_replica_url, conn_max_age=60, conn_health_checks=True)
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = 2  # a dead replica is noticed in seconds
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # tests read the test database through it
# PostgreSQL's JIT compiles any query the planner costs above jit_above_cost: at national size that is every
# search over a few thousand rows, and compiling took 50-60 ms of a 100 ms query (bench/README.md). The app's
# queries are short; DATABASE_JIT=on gives it back to them (the server's own setting applies to other clients).
_jit = env("DATABASE_JIT", "off")
if _jit not in ("on", "off"):
    raise ImproperlyConfigured(f"DATABASE_JIT must be on or off, not {_jit!r}.")
for _db in DATABASES.values():
    if _db["ENGINE"] == "django.db.backends.postgresql":
        _options = _db.setdefault("OPTIONS", {})
        _options["options"] = f"{_options.get('options', '')} -c jit={_jit}".strip()
DATABASE_ROUTERS = ["epty.replica.ReplicaRouter"]
# The place index carries id and estimate for index-only reads on PostgreSQL; SQLite (the development
# database) builds it without them and says so on every command.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
DATABASE_REPLICA_READS = True  # the test settings turn it off; the replica tests turn it on
DATABASE_REPLICA_STICKY_SECONDS = env_int("DATABASE_REPLICA_STICKY_SECONDS", 15)
DATABASE_REPLICA_MAX_LAG_SECONDS = float(env("DATABASE_REPLICA_MAX_LAG_SECONDS", "5"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Cache and tasks: in-process by default, Redis when REDIS_URL is set.
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "epty",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "epty"}}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not (REDIS_URL or env("CELERY_BROKER_URL"))
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Europe/Oslo"
# Periodic jobs are declared by each app (SCHEDULE in its tasks.py) and switched on and off by
# settings values; epty/celery.py builds Celery beat's table from them.

# --- E-mail: console by default, SMTP from EMAIL_URL. Every e-mail goes through the outbox (epty/mail).
# Absolute links in e-mails are built from SITE_URL.
SITE_URL = (env("SITE_URL", f"https://{EPTY_HOST}" if EPTY_HOST else "http://localhost:8000") or "").rstrip("/")
MAIL_OUTBOX_SEND_SCHEDULED = True  # the sender's periodic sweep (every minute), besides the send on commit
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", f"epty <noreply@{EPTY_HOST or 'epty.no'}>")
_email_url = env("EMAIL_URL")
if _email_url:
    _parsed = urlparse(_email_url)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _parsed.hostname or "localhost"
    EMAIL_PORT = _parsed.port or 25
    EMAIL_HOST_USER = unquote(_parsed.username or "")
    EMAIL_HOST_PASSWORD = unquote(_parsed.password or "")
    EMAIL_USE_TLS = _parsed.scheme == "smtp+tls"
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language: Norwegian Bokmål by default, English on request.
LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian Bokmål")), ("en", _("English"))]
FORMAT_MODULE_PATH = ["epty.formats"]  # English dates day first (epty/formats/en/formats.py)
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Third-party browser assets are installed by npm (package.json) and served from node_modules.
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor/leaflet", BASE_DIR / "node_modules" / "leaflet" / "dist")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "/media/"

REST_FRAMEWORK = {
    # The one API kit (epty/api/): error responses in the schema, bounded body parsers, the error handler.
    "DEFAULT_SCHEMA_CLASS": "epty.api.schema.ApiAutoSchema",
    "DEFAULT_PARSER_CLASSES": [
        "epty.api.parsers.JSONParser",
        "epty.api.parsers.FormParser",
        "epty.api.parsers.MultiPartParser",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "EXCEPTION_HANDLER": "epty.api.errors.api_exception_handler",
    # Scoped throttles on the cache (epty/throttles.py): per user when logged in, per REMOTE_ADDR otherwise.
    "DEFAULT_THROTTLE_RATES": {
        # The search box's address suggestions reach Kartverket on a miss.
        "address_suggest": "120/min",
        # Costly work: a recommendation scores candidates; a counted search scans every matching row.
        "recommend": env_rate("API_RATE_RECOMMEND", "30/min"),
        "counted_search": env_rate("API_RATE_COUNTED_SEARCH", "30/min"),
        # Every request that sends e-mail (offers, claims, e-mail confirmation), one budget per user.
        "mail": env_rate("API_RATE_MAIL", "30/hour"),
        # Photo uploads, on the page and through the API (each is decoded and re-encoded), per user.
        "photo_upload": "120/hour",
        # Owners' corrections of their property's facts, on the page and through the API, per user.
        "owner_facts": "60/hour",
    },
    # Throttles identify anonymous clients by REMOTE_ADDR, never by a client's own X-Forwarded-For.
    "NUM_PROXIES": 0,
}
SPECTACULAR_SETTINGS = {
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "TITLE": "epty API",
    "DESCRIPTION": (
        "Search every property in Norway. Property data © Kartverket; statistics: Statistisk sentralbyrå.\n\n"
        "**Lists** answer `{\"next\": <url or null>, \"results\": [...]}` (the property search adds `count` and "
        "`count_is_exact`), not the `{\"data\": [...]}` of the seed's sketch: follow `next` for the next page. Every "
        "list takes `limit` (1–100, default 25) and the `cursor` from `next`. A query parameter given twice is "
        "a 400 `repeated_parameter`, unless the operation takes several (`status` of the offer lists; in the "
        "property search, `features=sauna&features=view` means `features=sauna,view`).\n\n"
        "**Errors** are always JSON: `{\"message\", \"code\", \"extra\"}` with a stable `code`; invalid input "
        "lists `{\"code\", \"message\"}` per field in `extra.fields`. Bodies are bounded (64 KB of JSON unless an "
        "operation says otherwise: 413 `request_too_large`; JSON at most 32 levels deep).\n\n"
        "**Offers** name the property by epty's id, its matrikkel number (`0301-207/80/0/0`) or its Matrikkelen id "
        "(`matrikkelen_123456789`); the buyer is always the logged-in user (`buyer_id`, if sent, must be yours)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
}

# manage.py bootstrap: the first staff user it creates (without a password; it says how to set one).
BOOTSTRAP_ADMIN_USERNAME = env("BOOTSTRAP_ADMIN_USERNAME", "admin")
BOOTSTRAP_ADMIN_EMAIL = env("BOOTSTRAP_ADMIN_EMAIL", "")
# --- Content-Security-Policy (django-csp): scripts and styles from this site only, inline ones only with the
# response's nonce (request.csp_nonce, in templates {{ request.csp_nonce }}); map tiles from Kartverket. No
# form-action: logging out posts to us and we redirect to BankID's end-session page, another origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:", "https://cache.kartverket.no"],  # data: Leaflet's and Swagger UI's icons
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    },
}

SEARCH_PAGE_SIZE = min(env_int("SEARCH_PAGE_SIZE", 25), 100)
SEARCH_MAX_RADIUS_KM = 100
SEARCH_MAX_BBOX_DEGREES = 20.0
# The map's pre-aggregated cells are rebuilt by Celery beat this often (0: never; the map then counts
# from the properties on each request, which is fine for small catalogues).
MAP_CELLS_REFRESH_MINUTES = env_int("MAP_CELLS_REFRESH_MINUTES", 15)
MAP_CELLS_SCHEDULED = MAP_CELLS_REFRESH_MINUTES > 0

LOG_LEVEL = env("LOG_LEVEL", "INFO")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "epty.logging.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": env("LOG_FORMAT", "text")}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "epty": {"level": LOG_LEVEL},
        "properties": {"level": LOG_LEVEL},
        "accounts": {"level": LOG_LEVEL},
        "offers": {"level": LOG_LEVEL},
        "photos": {"level": LOG_LEVEL},
        "recommendations": {"level": LOG_LEVEL},
    },
}

# Feature settings live beside this module, one per area; each reads its variables through env.py and
# defines only its own values (none imports this module).
from .alerts import *  # noqa: E402, F403 - each area module adds its own settings, after the shared ones
from .bankid import *  # noqa: E402, F403 - each area module adds its own settings, after the shared ones
from .matrikkelen import *  # noqa: E402, F403 - each area module adds its own settings, after the shared ones
from .offers import *  # noqa: E402, F403 - each area module adds its own settings, after the shared ones
from .photos import *  # noqa: E402, F403 - each area module adds its own settings, after the shared ones
from .recommender import *  # noqa: E402, F403 - each area module adds its own settings, after the shared ones
from .valuation import *  # noqa: E402, F403 - each area module adds its own settings, after the shared ones
