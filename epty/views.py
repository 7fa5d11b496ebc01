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
    checks = {"database": _check(_database), "cache": _check(_cache)}
    healthy = all(c["ok"] for c in checks.values())
    body: dict[str, Any] = {"status": "ok" if healthy else "unavailable", "checks": checks}
    body["matrikkelen_cache"] = _matrikkelen_cache() if checks["cache"]["ok"] else None
    return JsonResponse(body, status=200 if healthy else 503)


def _matrikkelen_cache() -> dict:
    """Hit/miss counters of the Matrikkelen read cache (informational: never fails the check)."""
    from properties.matrikkelen.cache import stats

    try:
        return stats()
    except Exception as exc:  # noqa: BLE001 - informational counters never fail the health check
        return {"error": type(exc).__name__}
