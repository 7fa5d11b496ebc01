"""Saved-search alerts and search history. Variables are declared in env.py."""
from __future__ import annotations

from .env import env, env_int

# At most this many properties are listed in one digest; a link leads to the rest.
ALERTS_DIGEST_MAX_PROPERTIES = env_int("ALERTS_DIGEST_MAX_PROPERTIES", 20)
# An already shown property is shown again when its estimate moved by more than this fraction.
ALERTS_ESTIMATE_THRESHOLD = float(env("ALERTS_ESTIMATE_THRESHOLD", "0.05"))
# Minutes between alert runs (instant searches are handled on every run; daily and weekly when due).
ALERTS_INTERVAL_MINUTES = env_int("ALERTS_INTERVAL_MINUTES", 5)
ALERTS_SCHEDULED = True  # Celery beat runs the alerts every ALERTS_INTERVAL_MINUTES
# Each run looks back this far before a search's watermark, so a write whose transaction began
# before the previous run but committed after it is still seen (hits deduplicate the overlap).
ALERTS_WATERMARK_OVERLAP_SECONDS = 600
# Users per commit transaction of an alert run.
ALERTS_COMMIT_BATCH_USERS = 500
SEARCH_HISTORY_RETENTION_DAYS = env_int("SEARCH_HISTORY_RETENTION_DAYS", 90)
SEARCH_HISTORY_PURGE_SCHEDULED = True  # Celery beat purges old history every six hours
