"""Operational endpoints."""
import logging
import time
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger("epty.health")


def _check(fn) -> dict:
    started = time.perf_counter()
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        logger.warning("health check failed: %s", type(exc).__name__)
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    cache.set("healthz", "ok", 10)
    if cache.get("healthz") != "ok":
        raise RuntimeError("cache did not return what was stored")


@never_cache
@require_GET
def healthz(request):
    """503 when this process cannot serve (database or cache down): the web container's own health. The
    background processes (worker heartbeat, beat tick, their round trip) and the valuation model are
    reported too, and the read replica; when one of them is missing or stale, or the replica is down, the
    status is "degraded" (still 200: restarting web would not help). A lagging replica is reported only."""
    checks = {"database": _check(_database), "cache": _check(_cache)}
    healthy = all(c["ok"] for c in checks.values())
    background = _background() if checks["cache"]["ok"] else {}
    model = _valuation_model() if checks["database"]["ok"] else None
    replica = _replica()
    degraded = (any(not mark["ok"] for mark in background.values()) or (model is not None and not model["ok"])
                or replica["state"] == "down")
    status = "unavailable" if not healthy else "degraded" if degraded else "ok"
    body: dict[str, Any] = {"status": status, "checks": checks, **background, "valuation_model": model,
                            "replica": replica}
    body["matrikkelen_cache"] = _matrikkelen_cache() if checks["cache"]["ok"] else None
    return JsonResponse(body, status=200 if healthy else 503)


def _background() -> dict[str, Any]:
    """The worker's heartbeat, beat's last tick and their round trip (epty/health.py); nothing to report
    without a broker (tasks run in-process)."""
    from django.conf import settings

    if not settings.REDIS_URL:
        return {}
    from . import health

    try:
        marks = health.marks()
    except Exception as exc:  # noqa: BLE001 - unreadable marks are reported, not raised
        return {"worker": {"ok": False, "error": type(exc).__name__}}
    return {"worker": marks["worker"], "beat": marks["beat"], "beat_to_worker": marks["roundtrip"]}


def _replica() -> dict[str, Any]:
    """The read replica (epty/replica.py), asked now: ok, lagging (reads go to the primary meanwhile; not a
    fault), down (degraded: the primary serves every read) or not_configured. Never fails the check."""
    from .replica import replica_status

    return replica_status(fresh=True).as_dict()


def _valuation_model() -> dict[str, Any]:
    from recommendations.valuation.selectors import valuation_model_state

    try:
        return valuation_model_state()
    except Exception as exc:  # noqa: BLE001 - informational: never fails the health check
        return {"ok": False, "state": "error", "error": type(exc).__name__}


def _matrikkelen_cache() -> dict:
    """Hit/miss counters of the Matrikkelen read cache (informational: never fails the check)."""
    from properties.matrikkelen.cache import stats

    try:
        return stats()
    except Exception as exc:  # noqa: BLE001 - informational counters never fail the health check
        return {"error": type(exc).__name__}
