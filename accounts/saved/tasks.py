"""Celery tasks of saved things: the saved-search alert run and the search-history purge.

Each task calls one service and is safe to run twice (see alerts.py)."""
from __future__ import annotations

from celery import shared_task

from . import alerts, services

# Periodic jobs (epty/celery.py builds beat's table from every app's SCHEDULE).
SCHEDULE = {
    "saved.saved_search_alerts_run": {
        "task": "accounts.saved.tasks.saved_search_alerts_run", "switch": "ALERTS_SCHEDULED",
        "schedule": lambda s: max(s.ALERTS_INTERVAL_MINUTES, 1) * 60.0},
    "saved.search_history_purge": {
        "task": "accounts.saved.tasks.search_history_purge", "switch": "SEARCH_HISTORY_PURGE_SCHEDULED",
        "schedule": 6 * 3600.0},
}


@shared_task(name="accounts.saved.tasks.saved_search_alerts_run", ignore_result=True)
def saved_search_alerts_run() -> dict:
    result = alerts.saved_search_alerts_run()
    return {"due": result.due_searches, "digests": result.digests, "sent": result.sent}


@shared_task(name="accounts.saved.tasks.search_history_purge", ignore_result=True)
def search_history_purge() -> int:
    return services.search_history_purge()
