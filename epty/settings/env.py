"""Every environment variable epty reads, in one place.

Settings modules read the environment only through :func:`env`, so this list is
complete by construction; a test checks it against `.env.example` and
`docker-compose.yml`.
"""
from __future__ import annotations

import os
from typing import overload

VARIABLES: dict[str, str] = {
    "DJANGO_SETTINGS_MODULE": ("Settings module: epty.settings.local (default), epty.settings.production, "
                               "or epty.settings.test (pytest)."),
    "DJANGO_SECRET_KEY": "Secret key. Required in production; development uses a fixed insecure key.",
    "DJANGO_DEBUG": "1 to turn on debug pages (local settings only; default 1 there, always off in production).",
    "EPTY_HOST": ("The site's public host name, e.g. epty.example.no: the reverse proxy's certificate, and the "
                  "default of DJANGO_ALLOWED_HOSTS, DJANGO_CSRF_TRUSTED_ORIGINS (https://host) and SITE_URL."),
    "DJANGO_ALLOWED_HOSTS": "Comma-separated host names the app answers to (default EPTY_HOST, else local names).",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "Comma-separated origins (https://epty.no) trusted for CSRF (default https://EPTY_HOST).",
    "DATABASE_URL": "Database URL, e.g. postgres://user:pass@host:5432/epty. Unset: SQLite file db.sqlite3.",
    "DATABASE_JIT": ("PostgreSQL JIT compilation for epty's own connections: off (default; compiling cost more "
                     "than the short queries it sped up) or on."),
    "DATABASE_REPLICA_URL": ("URL of a PostgreSQL streaming replica of DATABASE_URL for read traffic (search, "
                             "property pages, the map, recommendations, API lists). Unset: no replica."),
    "DATABASE_REPLICA_STICKY_SECONDS": ("Seconds a person's reads stay on the primary after they wrote, so they "
                                        "see their own changes (default 15)."),
    "DATABASE_REPLICA_MAX_LAG_SECONDS": ("Replication lag in seconds beyond which reads go to the primary "
                                         "(default 5)."),
    "REDIS_URL": "Redis URL, e.g. redis://127.0.0.1:6379/0. Unset: in-process cache and in-process (eager) tasks.",
    "CELERY_BROKER_URL": "Celery broker. Default: REDIS_URL.",
    "EMAIL_URL": ("SMTP server as smtp://user:pass@host:port (smtp+tls:// for STARTTLS). "
                  "Unset: e-mail printed to the console."),
    "DEFAULT_FROM_EMAIL": "Sender address of e-mails (default epty <noreply@EPTY_HOST>).",
    "BOOTSTRAP_ADMIN_USERNAME": "User name of the first staff user manage.py bootstrap creates (default admin).",
    "BOOTSTRAP_ADMIN_EMAIL": "E-mail address of that user (default none).",
    "LOG_LEVEL": "Log level of the epty loggers (default INFO).",
    "LOG_FORMAT": "json (default in production) or text.",
    "BANKID_ISSUER": ("BankID issuer, e.g. https://auth.current.bankid.no/auth/realms/current (test) or "
                      ".../realms/prod. Unset with DEBUG on: the local BankID stand-in."),
    "BANKID_CLIENT_ID": "Client id from the BankID agreement.",
    "BANKID_CLIENT_SECRET": "Client secret from the BankID agreement (client_secret_basic).",
    "BANKID_ACR_VALUES": "Level of assurance requested and required, space-separated (default urn:bankid:bid;LOA=4).",
    "BANKID_SCOPES": "Scopes requested (default 'openid profile'; nnin_altsub is added when BANKID_STORE_NNIN is on).",
    "BANKID_TRUSTED_AUDIENCES": ("Comma-separated extra audiences accepted in ID tokens besides the client id "
                                 "(default none)."),
    "BANKID_USE_USERINFO": "1 to call BankID's userinfo after the ID token (default 0).",
    "BANKID_LOGIN_RATE": "Logins started, and completed, per client IP in 5 minutes (default 20).",
    "BANKID_STORE_NNIN": "1 to request and store the national identity number (encrypted); default 0.",
    "NNIN_SECRET": ("Secret (at least 32 characters) for encrypting and hashing the national identity number; "
                    "required when BANKID_STORE_NNIN is 1."),
    "API_RATE_RECOMMEND": ("Recommendation requests (POST /api/v1/ai/recommend) per client, as 30/min, 100/hour "
                           "or 1000/day (default 30/min)."),
    "API_RATE_COUNTED_SEARCH": "API searches with count=true per client (default 30/min).",
    "API_RATE_MAIL": ("Requests that send e-mail (offers, claims, e-mail confirmation) per user through the API "
                      "(default 30/hour)."),
    "EMAIL_CONFIRM_DAILY_LIMIT": "Confirmation e-mails one user may ask for in 24 hours (default 5).",
    "SEARCH_PAGE_SIZE": "Results per page of search (default 25, at most 100).",
    "MAP_CELLS_REFRESH_MINUTES": ("Minutes between rebuilds of the map's pre-aggregated cells by Celery beat "
                                  "(0: off; the map then counts from the properties on each request)."),
    "VALUATION_MODEL_DIR": ("Where earlier versions wrote valuation model files (default var/models); models are "
                            "stored in the database now, and files found here are imported once."),
    "VALUATION_ESTIMATE_BATCH": "Properties valued per batch when writing estimates (default 50000).",
    "VALUATION_ESTIMATE_WORKERS": "Database connections writing estimates at once on PostgreSQL (default 2).",
    "MATRIKKEL_SOURCE": ("Where property facts come from: soap (Matrikkel API), rest (Kartverket's open APIs) "
                         "or standin (default: loopback stand-in with generated data)."),
    "MATRIKKEL_BASE_URL": "Matrikkel API base URL (default the test service https://prodtest.matrikkel.no/matrikkelapi/wsapi/v1/).",
    "MATRIKKEL_REST_BASE_URL": "Base URL of Kartverket's open APIs (default https://api.kartverket.no/).",
    "MATRIKKEL_USERNAME": "Matrikkel API user (HTTP Basic). Required for MATRIKKEL_SOURCE=soap.",
    "MATRIKKEL_PASSWORD": "Matrikkel API password (HTTP Basic). Required for MATRIKKEL_SOURCE=soap.",
    "MATRIKKEL_TIMEOUT": "Seconds before a call to Kartverket times out (default 20).",
    "MATRIKKEL_RETRIES": "Attempts per call to Kartverket, with exponential backoff and jitter (default 4).",
    "MATRIKKEL_BREAKER_COOLDOWN": "Seconds the circuit breaker stays open after repeated failures (default 60).",
    "MATRIKKEL_CACHE_TTL": ("Seconds a cached Kartverket answer counts as fresh; older copies are served as stale "
                            "and refreshed (default 86400)."),
    "MATRIKKEL_CACHE_NEGATIVE_TTL": "Seconds a 'not found' answer is cached (default 60).",
    "MATRIKKEL_SYNC_BATCH_SIZE": "Matrikkelenheter per sync transaction (default 2000).",
    "MATRIKKEL_SYNC_INTERVAL_MINUTES": ("Minutes between incremental syncs by Celery beat "
                                        "(default 10; 0 turns the schedule off)."),
    "MATRIKKEL_OPEN_DATA_FEED_URL": ("Geonorge's download feed (Atom) of the open address register "
                                     "'Matrikkelen - Adresse', CSV (default Kartverket's)."),
    "MATRIKKEL_OPEN_DATA_MUNICIPALITIES": ("Comma-separated municipality numbers the open register import reads, "
                                           "one file each (default empty: the national file)."),
    "MATRIKKEL_OPEN_DATA_INTERVAL_DAYS": ("Days between refreshes of the open address register by Celery beat "
                                          "with MATRIKKEL_SOURCE=rest (default 7; 0 turns it off)."),
    "MATRIKKEL_STANDIN_COUNT": "Properties served by the embedded Matrikkelen stand-in (default 20000).",
    "SITE_URL": ("Public address of the site for links in e-mails, e.g. https://epty.no (default https://EPTY_HOST, "
                 "else http://localhost:8000)."),
    "ALERTS_DIGEST_MAX_PROPERTIES": "Properties listed in one alert e-mail; a link leads to the rest (default 20).",
    "ALERTS_ESTIMATE_THRESHOLD": "Fraction an estimate must move to be alerted again, e.g. 0.05 for 5% (default 0.05).",
    "ALERTS_INTERVAL_MINUTES": "Minutes between saved-search alert runs by Celery beat (default 5).",
    "SEARCH_HISTORY_RETENTION_DAYS": "Days search history is kept before it is purged (default 90).",
    "OFFERS_REQUIRED_ACR": ("Levels of assurance (BankID acr) a login needs to submit an offer, space-separated "
                            "(default urn:bankid:bid;LOA=4, high)."),
    "OFFERS_DAILY_LIMIT": "Offers, new or revised, one buyer may send in 24 hours (default 10).",
    "OFFERS_AMOUNT_CAP": "Offer amounts must be below this many NOK (default 1000000000).",
    "OFFERS_DEFAULT_VALID_DAYS": "Days an offer stands unless the buyer chooses otherwise (default 30).",
    "OFFERS_PAGE_WRITES_PER_HOUR": ("Owners' open-to-offers changes and contact-sharing answers one user may make "
                                    "on the pages per hour (default 30)."),
    "RECOMMENDER_BUDGET_TOLERANCE": ("Fraction a recommended property's estimate may lie outside the asked budget, "
                                     "e.g. 0.10 (default)."),
    "RECOMMENDER_MAX_LOCATIONS": ("Locations (municipality or county names) one recommendation request may name "
                                  "(default 10)."),
    "SSB_BASE_URL": ("Base URL of SSB's PxWeb API tables (default https://data.ssb.no/api/v0/no/table/); "
                     "unreachable: the recorded response."),
    "SSB_TIMEOUT": "Seconds before a call to SSB times out (default 15).",
    "SSB_CACHE_TTL": "Seconds an SSB answer is reused from the cache (default 43200).",
    "MARKET_TRENDS_REFRESH_HOUR": ("Hour (Europe/Oslo) of the daily market trends refresh by Celery beat "
                                   "(default 4; -1 turns it off)."),
}


@overload
def env(name: str, default: str) -> str: ...
@overload
def env(name: str, default: None = None) -> str | None: ...
def env(name: str, default: str | None = None) -> str | None:
    if name not in VARIABLES:
        raise KeyError(f"{name} is not declared in epty.settings.env.VARIABLES")
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    return default if value is None else int(value)


def env_list(name: str, default: str = "") -> list[str]:
    value = env(name, default) or ""
    return [part.strip() for part in value.split(",") if part.strip()]


def env_rate(name: str, default: str) -> str:
    """A request rate such as ``30/min``, ``100/hour`` or ``1000/day`` (DRF's throttle rates), checked here
    so that a typo stops the process at start instead of failing requests."""
    value = (env(name, default) or "").strip()
    count, _, period = value.partition("/")
    if not (count.isascii() and count.isdigit()) or period[:1] not in {"s", "m", "h", "d"}:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"{name}={value!r} is not a rate such as 30/min, 100/hour or 1000/day.")
    return value
