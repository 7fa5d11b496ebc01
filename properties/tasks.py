"""Celery tasks of the catalogue: interfaces that call services (see conventions.md)."""
from __future__ import annotations

from celery import shared_task

from .matrikkelen.sync import matrikkel_refresh_property, matrikkel_sync
from .models import SyncRun

# Periodic jobs (epty/celery.py builds beat's table from every app's SCHEDULE).
SCHEDULE = {
    "matrikkel-sync-incremental": {
        "task": "properties.tasks.matrikkel_sync_incremental",
        "switch": "MATRIKKEL_SYNC_SCHEDULED",
        "schedule": lambda s: s.MATRIKKEL_SYNC_INTERVAL_MINUTES * 60.0,
        "options": lambda s: {"expires": s.MATRIKKEL_SYNC_INTERVAL_MINUTES * 60.0},
    },
}


@shared_task(name="properties.tasks.matrikkel_sync_incremental", ignore_result=True)
def matrikkel_sync_incremental(municipality: str | None = None) -> int:
    """Poll Matrikkelen's change log (beat runs this every MATRIKKEL_SYNC_INTERVAL_MINUTES).

    Safe to run twice: the sync is idempotent and a run that overlaps another stops with a
    conflict before writing. Failures are recorded on the SyncRun; the next tick retries.
    """
    return matrikkel_sync(kind=SyncRun.Kind.INCREMENTAL, municipality=municipality).pk


@shared_task(name="properties.tasks.matrikkel_refresh_property", ignore_result=True)
def matrikkel_refresh_property_task(property_id: int) -> int:
    return matrikkel_refresh_property(property_id=property_id).pk
