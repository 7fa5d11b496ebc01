"""Celery task for the daily market trends refresh (scheduled below, at MARKET_TRENDS_REFRESH_HOUR)."""
from __future__ import annotations

from celery import shared_task
from celery.schedules import crontab

# Periodic jobs (recommendations/tasks.py passes them on to epty/celery.py's table).
SCHEDULE = {
    "recommendations.market_trends_refresh": {
        "task": "recommendations.trends.tasks.market_trends_refresh_task",
        "switch": "MARKET_TRENDS_REFRESH_SCHEDULED",
        "schedule": lambda s: crontab(minute=15, hour=s.MARKET_TRENDS_REFRESH_HOUR),
    },
}


@shared_task(name="recommendations.trends.tasks.market_trends_refresh_task",
             autoretry_for=(OSError,), retry_backoff=60, max_retries=3)
def market_trends_refresh_task() -> dict:
    """Fetch SSB, recompute the platform index and comparable levels. Safe to run twice (upserts)."""
    from .services import market_trends_refresh

    return market_trends_refresh()
