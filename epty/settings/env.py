"""Every environment variable epty reads, in one place.

Settings modules read the environment only through :func:`env`, so this list is
complete by construction; a test checks it against `.env.example` and
`docker-compose.yml`.
"""
from __future__ import annotations

import os

VARIABLES: dict[str, str] = {
    "DJANGO_SETTINGS_MODULE": "Settings module: epty.settings.local (default) or epty.settings.production.",
    "DJANGO_SECRET_KEY": "Secret key. Required in production; development uses a fixed insecure key.",
    "DJANGO_DEBUG": "1 to turn on debug pages (local settings only; default 1 there, always off in production).",
    "DJANGO_ALLOWED_HOSTS": "Comma-separated host names the app answers to.",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "Comma-separated origins (https://epty.no) trusted for CSRF.",
    "DATABASE_URL": "Database URL, e.g. postgres://user:pass@host:5432/epty. Unset: SQLite file db.sqlite3.",
    "REDIS_URL": "Redis URL, e.g. redis://127.0.0.1:6379/0. Unset: in-process cache and in-process (eager) tasks.",
    "CELERY_BROKER_URL": "Celery broker. Default: REDIS_URL.",
    "EMAIL_URL": "SMTP server as smtp://user:pass@host:port (smtp+tls:// for STARTTLS). Unset: e-mail printed to the console.",
    "DEFAULT_FROM_EMAIL": "Sender address of e-mails.",
    "LOG_LEVEL": "Log level of the epty loggers (default INFO).",
    "LOG_FORMAT": "json (default in production) or text.",
    "SEARCH_PAGE_SIZE": "Results per page of search (default 25, at most 100).",
}


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
