"""Broken rules of accounts, each with a stable code (rendered as {"message", "code", "extra"})."""
from __future__ import annotations

from rest_framework import status

from epty.errors import ApplicationError


class EmailConfirmLimitReached(ApplicationError):
    """The user has asked for as many confirmation e-mails as one day allows."""

    code = "email_confirm_limit"
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
