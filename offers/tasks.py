"""Celery interfaces of offers. Beat runs `offers_expire` (see epty/settings/offers.py)."""
from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="offers.tasks.offers_expire", acks_late=True)
def offers_expire() -> int:
    """Expire offers past their validity; safe to run twice (each offer is re-checked under a lock)."""
    return services.offers_expire()
