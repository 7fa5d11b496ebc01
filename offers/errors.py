"""Broken rules of silent bidding, each with a stable code (rendered as {"message", "code", "extra"})."""
from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import status

from epty.errors import ApplicationError, ConflictError, NotFoundError


class InvalidOfferTransition(ConflictError):
    code = "invalid_offer_transition"


class PropertyAlreadyHasAcceptedOffer(ConflictError):
    code = "property_has_accepted_offer"


class OfferNotRevisable(ConflictError):
    code = "offer_not_revisable"


class ClaimNotPending(ConflictError):
    code = "claim_not_pending"


class ClaimNotVerified(ConflictError):
    code = "claim_not_verified"


class ClaimAlreadyOpen(ConflictError):
    code = "claim_already_open"


class ContactsNotOpen(ConflictError):
    """Contact details are shared only after an accept."""

    code = "contacts_not_open"


class ContactsAlreadyShared(ConflictError):
    """Once both sides agreed and the details went out, the answer cannot change."""

    code = "contacts_already_shared"


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


PROPERTY_REF_FORMS = ("epty's property id (12345)", "the matrikkel number (0301-207/80/0/0)",
                      "the Matrikkelen id (matrikkelen_123456789)")


class PropertyNotFound(NotFoundError, Http404):
    """No property by that reference; pages show their 404 page, the API says which references it takes."""

    code = "property_not_found"

    def __init__(self) -> None:
        super().__init__(str(_("No such property. Name it by epty's property id (12345), its matrikkel number "
                               "(0301-207/80/0/0) or its Matrikkelen id (matrikkelen_123456789).")),
                         extra={"accepted_forms": list(PROPERTY_REF_FORMS)})


class BuyerMismatch(ApplicationError):
    """The body names a buyer other than the caller: an offer is always the logged-in user's own."""

    code = "buyer_mismatch"
    status_code = status.HTTP_403_FORBIDDEN
