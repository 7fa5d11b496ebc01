"""A small fixed-window rate limiter on the cache (Redis in production, shared by every worker)."""
from __future__ import annotations

import time

from django.core.cache import cache


def client_ip(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by clients too. Behind a proxy, configure it to set REMOTE_ADDR.
    return request.META.get("REMOTE_ADDR", "unknown")


def allow(scope: str, ident: str, *, limit: int, window: int) -> tuple[bool, int]:
    """Count one hit; return (allowed, seconds until the window ends)."""
    now = int(time.time())
    slot = now // window
    key = f"accounts:rl:{scope}:{ident}:{slot}"
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 5)
        count = 1
    return count <= limit, (slot + 1) * window - now
