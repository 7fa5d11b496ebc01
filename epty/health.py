"""Liveness marks of the background processes, kept in Redis where /healthz and the healthchecks read them.

- The **worker** writes a heartbeat every HEARTBEAT_SECONDS from its own timer (a Celery bootstep), whatever
  it is busy with; `celery inspect ping` proves it also answers the broker.
- **Celery beat** publishes `epty.health.beat_tick` every TICK_SECONDS; publishing records the beat's tick (in
  the beat process), and the worker running the task records the round trip beat → broker → worker.

Each mark is a Redis string `epty:health:<name>` holding a Unix time; without Redis (the embedded
development defaults: tasks run in-process) there are no marks and nothing to report.
"""
from __future__ import annotations

import socket
import time
from typing import Any

from celery import bootsteps, shared_task
from celery.signals import before_task_publish
from django.conf import settings

HEARTBEAT_SECONDS = 30.0
TICK_SECONDS = 30.0
STALE_SECONDS = 120.0  # a mark older than this means the process is gone or stuck
TICK_TASK = "epty.health.beat_tick"
MARKS = ("worker", "beat", "roundtrip")


def _redis() -> Any:
    import redis

    return redis.Redis.from_url(settings.REDIS_URL or "", socket_connect_timeout=2, socket_timeout=2)


def mark(name: str) -> None:
    if not settings.REDIS_URL:
        return
    # Kept a day: an old mark still tells when the process was last seen.
    _redis().set(f"epty:health:{name}", f"{time.time():.3f} {socket.gethostname()}", ex=86400)


def marks() -> dict[str, dict[str, Any]]:
    """Age of every mark: {"worker": {"ok", "age_seconds", "host"}, ...}; ok is False when missing or stale."""
    values = _redis().mget([f"epty:health:{name}" for name in MARKS])
    now = time.time()
    out: dict[str, dict[str, Any]] = {}
    for name, raw in zip(MARKS, values, strict=True):
        if raw is None:
            out[name] = {"ok": False, "age_seconds": None}
            continue
        at = raw.decode().partition(" ")[0]  # "<time> <host>": the host stays in Redis for operators, not in /healthz
        age = round(now - float(at), 1)
        out[name] = {"ok": age < STALE_SECONDS, "age_seconds": age}
    return out


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Writes the worker's heartbeat from the worker's own timer (added to the worker in epty/celery.py)."""

    requires = ("celery.worker.components:Timer",)

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.entry: Any = None

    def start(self, worker: Any) -> None:
        self._beat()
        self.entry = worker.timer.call_repeatedly(HEARTBEAT_SECONDS, self._beat, priority=10)

    def stop(self, worker: Any) -> None:
        if self.entry is not None:
            self.entry.cancel()

    @staticmethod
    def _beat() -> None:
        try:
            mark("worker")
        except Exception:  # noqa: BLE001 - Redis down: the heartbeat goes stale, which is what /healthz reports
            pass


@before_task_publish.connect(sender=TICK_TASK)
def _beat_published_a_tick(**kwargs: Any) -> None:
    """Runs in the publisher, which for this task is only Celery beat."""
    mark("beat")


@shared_task(name=TICK_TASK, ignore_result=True, expires=TICK_SECONDS * 2)
def beat_tick() -> None:
    """Scheduled by beat every TICK_SECONDS; running it proves the way from beat through the broker to a worker."""
    mark("roundtrip")
