"""Celery task for the daily market trends refresh (scheduled below, at MARKET_TRENDS_REFRESH_HOUR).

The registered name predates the market room and is kept, so queued messages and the beat
schedule keep resolving.
"""
from __future__ import annotations

from celery import shared_task
from celery.schedules import crontab

from . import services

# Periodic jobs (epty/celery.py builds beat's table from every app's SCHEDULE).
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
    return services.market_trends_refresh()
