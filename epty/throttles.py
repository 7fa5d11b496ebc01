"""Scoped API throttles on the cache (Redis in production, shared by every worker).

Rates live in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] by scope (base settings, each overridable from
the environment). A throttled request gets 429 with {"message", "code": "throttled", "extra":
{"retry_after_seconds"}} and a Retry-After header. Clients are told apart by user when logged in,
by REMOTE_ADDR otherwise (NUM_PROXIES is 0: a client's own X-Forwarded-For is never believed).
"""
from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView


def page_write_allowed(request, scope: str) -> bool:
    """Count a page's write (a form post) against the API's throttle of the same scope: one rate, one budget
    per user, whichever way the writes come."""
    return ScopedRateThrottle().allow_request(request, APIView(throttle_scope=scope))


class ScopedWriteThrottle(ScopedRateThrottle):
    """The view's ``throttle_scope`` counted on writes only: a view that lists (GET) and sends mail on
    POST throttles the mail, not the list."""

    def allow_request(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)

