"""Read-through cache for every interactive upstream read (Redis via django-redis, or the local cache).

    result = cached_read("soap:unit_by_ident:0301-207/80/0/0", lambda: source.unit_by_ident(...))
    result.value, result.stale, result.found

- Keyed by request. A copy is *fresh* for MATRIKKEL_CACHE_TTL seconds; after that it is still
  served (marked stale) and refreshed in a background thread, and it is kept for
  MATRIKKEL_CACHE_STALE_TTL so that reads keep answering while Kartverket is down or slow.
- One upstream call per key at a time: a miss takes a lock (`cache.add`, atomic on Redis and
  on the local cache); concurrent misses for the key wait for the winner's answer.
- "Not found" (None) is cached for MATRIKKEL_CACHE_NEGATIVE_TTL seconds only.
- `wait=False` never blocks on Kartverket: a miss starts the fetch in the background and answers
  at once with `pending` (pages use this; the next view finds the copy).
- Hit/miss/stale/error counters, and the summed age of stale answers, are kept in process and
  added to shared cache counters at most once a second (so a hit costs one cache round trip), and
  read by `stats()` (healthz, admin) with the hit ratio and the mean age of stale answers.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache

from .interface import UpstreamUnavailable

logger = logging.getLogger("properties.matrikkelen")
PREFIX = "matrikkel:read:"
STAT_NAMES = ("hits", "misses", "stale", "errors", "upstream_calls", "stale_age_seconds")
_STAT_KEY = "matrikkel:stats:"
LOCK_TIMEOUT = 60  # seconds; longer than a call with all its retries should take
_WAIT_STEP = 0.005


@dataclass(frozen=True)
class CachedRead:
    value: Any
    stale: bool  # older than MATRIKKEL_CACHE_TTL (being refreshed, or Kartverket is unreachable)
    age: float  # seconds since it was fetched from Kartverket
    pending: bool = False  # no copy yet: it is being fetched in the background (wait=False)

    @property
    def found(self) -> bool:
        return self.value is not None


class _Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.pending: Counter = Counter()
        self.flushed_at = time.monotonic()

    def count(self, name: str, n: int = 1) -> None:
        with self.lock:
            self.pending[name] += n
            due = time.monotonic() - self.flushed_at > 1.0
        if due:
            self.flush()

    def flush(self) -> None:
        with self.lock:
            pending, self.pending = self.pending, Counter()
            self.flushed_at = time.monotonic()
        for name, n in pending.items():
            key = _STAT_KEY + name
            cache.add(key, 0, timeout=None)
            try:
                cache.incr(key, n)
            except ValueError:
                cache.set(key, n, timeout=None)


_stats = _Stats()


def stats() -> dict[str, float]:
    """Shared counters (this process's pending counts are flushed first), the hit ratio and staleness.

    hit_ratio: answers served from the cache (fresh or stale) per read; stale_share: stale answers
    per answer from the cache; mean_stale_age_seconds: how old stale answers were on average.
    """
    _stats.flush()
    values = cache.get_many([_STAT_KEY + n for n in STAT_NAMES])
    counts: dict[str, float] = {n: int(values.get(_STAT_KEY + n) or 0) for n in STAT_NAMES}
    served = counts["hits"] + counts["stale"]
    reads = served + counts["misses"]
    counts["hit_ratio"] = round(served / reads, 4) if reads else 0.0
    counts["stale_share"] = round(counts["stale"] / served, 4) if served else 0.0
    counts["mean_stale_age_seconds"] = (
        round(counts["stale_age_seconds"] / counts["stale"], 1) if counts["stale"] else 0.0
    )
    return counts


def _store(key: str, value: Any) -> dict:
    now = time.time()
    if value is None:
        envelope = {"v": None, "t": now}
        cache.set(key, envelope, timeout=settings.MATRIKKEL_CACHE_NEGATIVE_TTL)
    else:
        envelope = {"v": value, "t": now}
        cache.set(key, envelope, timeout=settings.MATRIKKEL_CACHE_TTL + settings.MATRIKKEL_CACHE_STALE_TTL)
    return envelope


def _fetch(fetch: Callable[[], Any]) -> Any:
    _stats.count("upstream_calls")
    try:
        return fetch()
    except Exception:
        _stats.count("errors")
        raise


def _refresh_in_background(key: str, fetch: Callable[[], Any]) -> None:
    if not cache.add(key + ":refreshing", 1, timeout=LOCK_TIMEOUT):
        return  # someone is refreshing it already

    def run() -> None:
        try:
            _store(key, _fetch(fetch))
        except Exception as exc:  # noqa: BLE001 - the old copy stays; the next stale read tries again
            logger.warning("matrikkel cache refresh of %s failed: %s", key, exc)
        finally:
            cache.delete(key + ":refreshing")

    threading.Thread(target=run, name="matrikkel-cache-refresh", daemon=True).start()


def _answer(envelope: dict, now: float) -> CachedRead:
    age = now - envelope["t"]
    ttl = settings.MATRIKKEL_CACHE_TTL if envelope["v"] is not None else settings.MATRIKKEL_CACHE_NEGATIVE_TTL
    return CachedRead(value=envelope["v"], stale=age >= ttl, age=age)


def cached_read(key: str, fetch: Callable[[], Any], *, refresh: bool = True, wait: bool = True) -> CachedRead:
    """The cached answer for `key`, calling `fetch()` (the upstream read) only when needed.

    Raises what `fetch` raises only when there is no copy at all to fall back on (never with
    wait=False: a miss then answers `pending` at once and fetches in the background).
    """
    key = PREFIX + key
    envelope = cache.get(key)
    now = time.time()
    if envelope is not None:
        answer = _answer(envelope, now)
        if not answer.stale:
            _stats.count("hits")
            return answer
        if answer.value is not None:
            _stats.count("stale")
            _stats.count("stale_age_seconds", int(answer.age))
            if refresh:
                _refresh_in_background(key, fetch)
            return answer
    _stats.count("misses")
    if not wait:
        _refresh_in_background(key, fetch)
        return CachedRead(value=None, stale=True, age=0.0, pending=True)
    lock_key, token = key + ":lock", uuid.uuid4().hex
    deadline = time.monotonic() + LOCK_TIMEOUT
    pause = _WAIT_STEP
    while True:
        if cache.add(lock_key, token, timeout=LOCK_TIMEOUT):
            try:
                envelope = cache.get(key)  # filled while we were getting the lock?
                if envelope is not None and not _answer(envelope, time.time()).stale:
                    return _answer(envelope, time.time())
                try:
                    value = _fetch(fetch)
                except Exception:
                    if envelope is not None and envelope["v"] is not None:
                        return _answer(envelope, time.time())  # a stale copy beats an error
                    raise
                return _answer(_store(key, value), time.time())
            finally:
                if cache.get(lock_key) == token:
                    cache.delete(lock_key)
        time.sleep(pause)
        pause = min(pause * 1.5, 0.05)
        envelope = cache.get(key)
        if envelope is not None:
            return _answer(envelope, time.time())
        if time.monotonic() > deadline:
            raise UpstreamUnavailable(f"Timed out waiting for another reader of {key}.")
