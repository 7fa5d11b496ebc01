"""Celery interfaces of offers. Beat runs `offers_expire` every 15 minutes (SCHEDULE)."""
from __future__ import annotations

from celery import shared_task

from . import services

# Periodic jobs (epty/celery.py builds beat's table from every app's SCHEDULE).
SCHEDULE = {
    "offers-expire": {"task": "offers.tasks.offers_expire", "switch": "OFFERS_EXPIRE_SCHEDULED", "schedule": 15 * 60.0},
}


@shared_task(name="offers.tasks.offers_expire", acks_late=True)
def offers_expire() -> int:
    """Expire offers past their validity; safe to run twice (each offer is re-checked under a lock)."""
    return services.offers_expire()
