"""Celery tasks: thin interfaces over the valuation services (take ids, own retries, safe to run twice).

The registered names predate the valuation room and are kept, so messages already queued and
beat schedules keep resolving.
"""
from __future__ import annotations

import logging

from celery import shared_task
from celery.schedules import crontab

from epty.locks import job_lock

from . import services

TRAIN_LOCK = "valuation.train"
logger = logging.getLogger(__name__)

# Periodic jobs (epty/celery.py builds beat's table from every app's SCHEDULE).
SCHEDULE = {
    "valuation-weekly-retrain": {
        "task": "recommendations.tasks.valuation_train_task",
        "switch": "VALUATION_RETRAIN_SCHEDULED",
        "schedule": crontab(minute=30, hour=3, day_of_week="sunday"),
        "kwargs": {"activate_if_not_worse": True},
    },
}


@shared_task(name=services.ESTIMATES_WRITE_TASK, acks_late=True)
def valuation_estimates_write_task(*, version_id: int) -> int:
    """Write the version's estimates for every property (does nothing once another version is active).

    One writer per version at a time (a database lock): a second delivery of the same message while the first
    runs returns at once. Another version's writer may run meanwhile; the older one stops by itself."""
    with job_lock(f"valuation.estimates_write:{version_id}") as got:
        if not got:
            logger.info("estimates of version id %s: another writer holds the lock", version_id)
            return 0
        return services.valuation_estimates_write(version_id=version_id, progress=logger.info)


@shared_task(name="recommendations.tasks.valuation_train_task", acks_late=True, time_limit=3 * 3600)
def valuation_train_task(*, activate_if_not_worse: bool = True) -> dict:
    """Train and evaluate; activate only if not worse than the active version on the same hold-out (weekly).

    One training at a time (a database lock, released if the worker dies): a second one started meanwhile
    (a retry, a second worker, a manual `.delay()`) returns at once without training."""
    with job_lock(TRAIN_LOCK) as got:
        if not got:
            logger.info("valuation training skipped: another training holds the lock")
            return {"skipped": "another training is running"}
        version, activated, comparison = services.valuation_train_and_maybe_activate(
            activate_if_not_worse=activate_if_not_worse, progress=logger.info)
    return {"version": version.version, "activated": activated, "comparison": comparison}


@shared_task(acks_late=True)
def valuation_property_estimate_task(*, property_id: int) -> bool:
    """Value one property again after its facts changed (queued by the owners' services)."""
    return services.valuation_property_estimate(property_id=property_id)
