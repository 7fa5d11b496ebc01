"""Saved-search alerts and search history (issue 5). Variables are declared in env.py."""
from __future__ import annotations

from .base import CELERY_BEAT_SCHEDULE
from .env import env, env_int

# Absolute links in e-mails (unsubscribe, properties, the rest of a digest).
SITE_URL = (env("SITE_URL", "http://localhost:8000") or "").rstrip("/")
# At most this many properties are listed in one digest; a link leads to the rest.
ALERTS_DIGEST_MAX_PROPERTIES = env_int("ALERTS_DIGEST_MAX_PROPERTIES", 20)
# An already shown property is shown again when its estimate moved by more than this fraction.
ALERTS_ESTIMATE_THRESHOLD = float(env("ALERTS_ESTIMATE_THRESHOLD", "0.05"))
# Minutes between alert runs (instant searches are handled on every run; daily and weekly when due).
ALERTS_INTERVAL_MINUTES = env_int("ALERTS_INTERVAL_MINUTES", 5)
# Each run looks back this far before a search's watermark, so a write whose transaction began
# before the previous run but committed after it is still seen (hits deduplicate the overlap).
ALERTS_WATERMARK_OVERLAP_SECONDS = 600
# Users per commit transaction of an alert run.
ALERTS_COMMIT_BATCH_USERS = 500
SEARCH_HISTORY_RETENTION_DAYS = env_int("SEARCH_HISTORY_RETENTION_DAYS", 90)

# base.py defines CELERY_BEAT_SCHEDULE before importing this module: add to it, never replace it.
CELERY_BEAT_SCHEDULE.update({
    "accounts.saved_search_alerts_run": {
        "task": "accounts.tasks.saved_search_alerts_run", "schedule": max(ALERTS_INTERVAL_MINUTES, 1) * 60.0},
    "accounts.outbox_send": {"task": "accounts.tasks.outbox_send", "schedule": 60.0},
    "accounts.search_history_purge": {"task": "accounts.tasks.search_history_purge", "schedule": 6 * 3600.0},
})
