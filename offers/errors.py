"""Broken rules of silent bidding, each with a stable code (rendered as {"message", "code", "extra"})."""
from __future__ import annotations

from rest_framework import status

from epty.errors import ApplicationError, ConflictError


class InvalidOfferTransition(ConflictError):
    code = "invalid_offer_transition"


class PropertyAlreadyHasAcceptedOffer(ConflictError):
    code = "property_has_accepted_offer"


class OfferNotRevisable(ConflictError):
    code = "offer_not_revisable"


class ClaimNotPending(ConflictError):
    code = "claim_not_pending"


class ClaimAlreadyOpen(ConflictError):
    code = "claim_already_open"


class NotAllowed(ApplicationError):
    """The actor has no role on this offer or claim that allows the change."""

    code = "not_allowed"
    status_code = status.HTTP_403_FORBIDDEN


class AssuranceTooLow(ApplicationError):
    code = "bankid_assurance_required"
    status_code = status.HTTP_403_FORBIDDEN


class DailyLimitReached(ApplicationError):
    code = "offer_daily_limit"
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
