"""Retries with exponential backoff and full jitter, and a circuit breaker shared through the cache.

Every call to Kartverket goes through `call()`. Timeouts, HTTP 5xx, refused connections and
malformed answers are retried; bad credentials and requests Kartverket refused are not (retrying
cannot fix them). After
MATRIKKEL_BREAKER_THRESHOLD consecutive failed calls the circuit opens for
MATRIKKEL_BREAKER_COOLDOWN seconds in every process (its state lives in the cache), so a
Kartverket outage costs one fast error per call instead of a pile of timeouts.
"""
from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

from .interface import (
    BadCredentials,
    CircuitOpen,
    MalformedResponse,
    NotSupported,
    RequestRejected,
    UpstreamUnavailable,
)

logger = logging.getLogger("properties.matrikkelen")
T = TypeVar("T")
RETRYABLE = (UpstreamUnavailable, MalformedResponse)


class CircuitBreaker:
    def __init__(self, name: str):
        self.failures_key = f"matrikkel:breaker:{name}:failures"
        self.open_key = f"matrikkel:breaker:{name}:open_until"
        self._clean = True  # this process saw no failure since the last success: skip the reset round trip

    def check(self) -> None:
        open_until = cache.get(self.open_key)
        if open_until and open_until > time.time():
            raise CircuitOpen(
                f"Kartverket calls are paused for {open_until - time.time():.0f} s after repeated failures."
            )

    def success(self) -> None:
        if not self._clean:
            cache.delete_many([self.failures_key, self.open_key])
            self._clean = True

    def failure(self) -> None:
        self._clean = False
        cache.add(self.failures_key, 0, timeout=3600)
        try:
            failures = cache.incr(self.failures_key)
        except ValueError:  # expired between add and incr
            failures = 1
            cache.set(self.failures_key, 1, timeout=3600)
        if failures >= settings.MATRIKKEL_BREAKER_THRESHOLD:
            cooldown = settings.MATRIKKEL_BREAKER_COOLDOWN
            cache.set(self.open_key, time.time() + cooldown, timeout=cooldown)
            logger.warning("matrikkel circuit open for %s s after %s failures", cooldown, failures)

    def is_open(self) -> bool:
        open_until = cache.get(self.open_key)
        return bool(open_until and open_until > time.time())


def backoff_delay(attempt: int) -> float:
    """Full jitter: uniform in [0, min(max, base·2^attempt)]."""
    cap = min(settings.MATRIKKEL_RETRY_MAX_DELAY, settings.MATRIKKEL_RETRY_BASE_DELAY * (2 ** attempt))
    return random.uniform(0, cap)


def call(fn: Callable[[], T], *, operation: str, breaker: CircuitBreaker, attempts: int | None = None) -> T:
    attempts = attempts or settings.MATRIKKEL_RETRIES
    last: Exception | None = None
    for attempt in range(attempts):
        breaker.check()
        try:
            result = fn()
        except (BadCredentials, NotSupported, RequestRejected):
            raise
        except RETRYABLE as exc:
            last = exc
            breaker.failure()
            logger.info("matrikkel %s failed (attempt %s/%s): %s", operation, attempt + 1, attempts, exc)
            if attempt + 1 < attempts:
                time.sleep(backoff_delay(attempt))
            continue
        breaker.success()
        return result
    if isinstance(last, MalformedResponse):
        raise MalformedResponse(f"{operation}: {last} (after {attempts} attempts)") from last
    raise UpstreamUnavailable(f"{operation}: {last} (after {attempts} attempts)") from last
