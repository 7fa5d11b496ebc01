"""Celery tasks of the catalogue: interfaces that call services (see conventions.md)."""
from __future__ import annotations

from celery import shared_task
from django.conf import settings

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
    "map-cells-rebuild": {
        "task": "properties.tasks.map_cells_rebuild",
        "switch": "MAP_CELLS_SCHEDULED",
        "schedule": lambda s: s.MAP_CELLS_REFRESH_MINUTES * 60.0,
        "options": lambda s: {"expires": s.MAP_CELLS_REFRESH_MINUTES * 60.0},
    },
    "matrikkel-open-data-refresh": {
        "task": "properties.tasks.matrikkel_open_data_refresh",
        "switch": "MATRIKKEL_OPEN_DATA_SCHEDULED",
        "schedule": lambda s: s.MATRIKKEL_OPEN_DATA_INTERVAL_DAYS * 86400.0,
        "options": lambda s: {"expires": s.MATRIKKEL_OPEN_DATA_INTERVAL_DAYS * 86400.0},
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


@shared_task(name="properties.tasks.matrikkel_open_data_refresh", ignore_result=True)
def matrikkel_open_data_refresh() -> list[int]:
    """Re-import Kartverket's open address register from the download feed (beat, with MATRIKKEL_SOURCE=rest).

    One import per municipality in MATRIKKEL_OPEN_DATA_MUNICIPALITIES, or the national file. Safe
    to run twice: the import is idempotent, and an interrupted one continues where it stopped.
    """
    from .matrikkelen.opendata import matrikkel_open_data_sync

    municipalities: list[str | None] = list(settings.MATRIKKEL_OPEN_DATA_MUNICIPALITIES) or [None]  # None: national
    return [matrikkel_open_data_sync(municipality=m).pk for m in municipalities]


@shared_task(name="properties.tasks.map_cells_rebuild", ignore_result=True)
def map_cells_rebuild_task() -> int:
    """Recount the map's cells (beat, every MAP_CELLS_REFRESH_MINUTES). Safe to run twice: it replaces them."""
    from .search.services import map_cells_rebuild

    return map_cells_rebuild()
