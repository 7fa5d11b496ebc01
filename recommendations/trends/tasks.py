"""Celery task for the daily market trends refresh (scheduled in epty/settings/recommender.py)."""
from __future__ import annotations

from celery import shared_task


@shared_task(name="recommendations.trends.tasks.market_trends_refresh_task",
             autoretry_for=(OSError,), retry_backoff=60, max_retries=3)
def market_trends_refresh_task() -> dict:
    """Fetch SSB, recompute the platform index and comparable levels. Safe to run twice (upserts)."""
    from .services import market_trends_refresh

    return market_trends_refresh()
