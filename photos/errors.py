"""Broken rules of owners' photos, each with a stable code (rendered as {"message", "code", "extra"})."""
from __future__ import annotations

from rest_framework import status

from epty.errors import ApplicationError


class NotPropertyOwner(ApplicationError):
    """Only a verified owner of the property may change its photos."""

    code = "not_property_owner"
    status_code = status.HTTP_403_FORBIDDEN


class NotModerator(ApplicationError):
    code = "not_allowed"
    status_code = status.HTTP_403_FORBIDDEN
