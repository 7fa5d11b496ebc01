"""Broken rules of the catalogue, each with a stable code (the API renders them as {"message", "code", "extra"})."""
from __future__ import annotations

from epty.errors import ApplicationError


class UpstreamUnavailableError(ApplicationError):
    """Kartverket cannot answer and epty holds no copy to serve instead."""

    code = "upstream_unavailable"
    status_code = 503
