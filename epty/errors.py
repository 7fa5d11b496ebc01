"""Broken business rules: services raise a subclass of ApplicationError (with a stable ``code`` and the
HTTP status the API answers with); page views show its message, and the API's one exception handler
(``epty.api.errors``) renders it as {"message", "code", "extra"}."""
from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A broken business rule. Subclasses set ``code`` and ``status_code``."""

    code: str = "application_error"
    status_code: int = 400

    def __init__(self, message: str, *, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class ConflictError(ApplicationError):
    code = "conflict"
    status_code = 409


class NotFoundError(ApplicationError):
    code = "not_found"
    status_code = 404
