"""The Celery app and the one schedule table.

Each app declares its periodic jobs beside its tasks, as ``SCHEDULE`` in its ``tasks.py``::

    SCHEDULE = {
        "offers-expire": {
            "task": "offers.tasks.offers_expire",
            "switch": "OFFERS_EXPIRE_SCHEDULED",   # a boolean setting: the job runs only when it is true
            "schedule": 15 * 60.0,                 # seconds or a crontab; or a function of the settings
        },
    }

Every value may be a function of the settings (``lambda s: s.ALERTS_INTERVAL_MINUTES * 60.0``), evaluated
when the table is built. :func:`beat_schedule` collects the entries of every installed app whose switch
is on; Celery beat reads that table once Django is set up. Settings modules only set the switches and
the values the functions read; none of them edits the table.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Iterator, Mapping
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epty.settings.local")

app = Celery("epty")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

from . import health  # noqa: E402 - registers the beat tick task and its signal on the app made above

app.steps["worker"].add(health.WorkerHeartbeat)


def schedule_declarations() -> dict[str, dict[str, Any]]:
    """Every installed app's SCHEDULE entries, switched on or not, by entry name."""
    from django.apps import apps

    declared: dict[str, dict[str, Any]] = {}
    for config in apps.get_app_configs():
        name = f"{config.name}.tasks"
        if importlib.util.find_spec(name) is None:
            continue
        for entry_name, entry in getattr(importlib.import_module(name), "SCHEDULE", {}).items():
            if entry_name in declared:
                raise ValueError(f"Two apps declare the scheduled job {entry_name!r}")
            declared[entry_name] = entry
    return declared


def beat_schedule(settings: Any = None) -> dict[str, dict[str, Any]]:
    """Celery beat's table: the declared entries whose switch setting is on, values evaluated, and beat's own
    health tick (epty/health.py), always on."""
    if settings is None:
        from django.conf import settings
    table: dict[str, dict[str, Any]] = {"health-beat-tick": {"task": health.TICK_TASK, "schedule": health.TICK_SECONDS}}
    for name, entry in schedule_declarations().items():
        if not getattr(settings, entry["switch"]):
            continue
        table[name] = {key: value(settings) if callable(value) else value
                       for key, value in entry.items() if key != "switch"}
    return table


class _ScheduleTable(Mapping):
    """Built when beat first reads it (after Django is set up), not when this module is imported."""

    def __init__(self) -> None:
        self._table: dict[str, dict[str, Any]] | None = None

    def _built(self) -> dict[str, dict[str, Any]]:
        if self._table is None:
            self._table = beat_schedule()
        return self._table

    def __getitem__(self, key: str) -> dict[str, Any]:
        return self._built()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._built())

    def __len__(self) -> int:
        return len(self._built())


@app.on_after_configure.connect
def _install_schedule(sender: Celery, **kwargs: Any) -> None:
    sender.conf.beat_schedule = _ScheduleTable()
