"""Broken rules of identity, login and e-mail, each with a stable code (the API renders them as {"message",
"code", "extra"})."""
from __future__ import annotations

from rest_framework import status

from epty.errors import ApplicationError


class LoginUnavailable(ApplicationError):
    """The BankID provider cannot start a login right now."""

    code = "login_unavailable"
    status_code = 503


class EmailConfirmLimitReached(ApplicationError):
    """The user has asked for as many confirmation e-mails as one day allows."""

    code = "email_confirm_limit"
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
