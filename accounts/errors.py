"""Broken rules of identity and login, each with a stable code (the API renders them as {"message", "code",
"extra"})."""
from __future__ import annotations

from epty.errors import ApplicationError


class LoginUnavailable(ApplicationError):
    """The BankID provider cannot start a login right now."""

    code = "login_unavailable"
    status_code = 503
