"""E-mails to buyer, owners and staff at each step, sent after the transaction commits.

Owners' e-mails are built only from ``selectors.buyer_for_owner``: the buyer's name, e-mail and ids
are never in their context while the offer is anonymous. Only confirmed addresses are used.
"""
from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger("offers")

BUYER_EVENTS = {"submitted", "revised", "approved", "rejected", "accepted", "declined", "withdrawn", "expired"}
OWNER_EVENTS = {"approved", "accepted", "withdrawn", "expired"}
STAFF_EVENTS = {"submitted", "revised"}


def _send(user, subject: str, template: str, context: dict) -> None:
    if not user or not user.email or not user.is_active:
        return
    with translation.override(user.language or settings.LANGUAGE_CODE):
        body = render_to_string(template, {**context, "recipient_name": user.name or ""})
        try:
            send_mail(f"epty: {_(subject)}", body, None, [user.email])
        except Exception:  # a mail server outage must not undo or fail the change itself
            logger.exception("Offer e-mail failed: template=%s", template)


SUBJECTS = {
    "submitted": "your offer was received", "revised": "your offer was revised", "approved": "offer approved",
    "rejected": "your offer was rejected", "accepted": "offer accepted", "declined": "your offer was declined",
    "withdrawn": "offer withdrawn", "expired": "offer expired",
}


def _deliver_offer_event(offer_id: int, event: str, owners: bool) -> None:
    from django.contrib.auth import get_user_model

    from . import selectors
    from .models import NON_BINDING_NOTICE, Offer

    offer = Offer.objects.select_related("property", "buyer").filter(pk=offer_id).first()
    if offer is None:
        return
    base = {"event": event, "notice": NON_BINDING_NOTICE, "property": offer.property,
            "amount": offer.amount, "status": offer.status, "reason": offer.status_reason,
            "valid_until": offer.valid_until}
    if event in BUYER_EVENTS and offer.buyer_id:
        _send(offer.buyer, SUBJECTS[event], "emails/offers/buyer.txt",
              {**base, "url": reverse("offers:detail", args=[offer.pk])})
    if owners and event in OWNER_EVENTS and offer.approved_at is not None:
        buyer = selectors.buyer_for_owner(offer)
        for owner in get_user_model().objects.filter(pk__in=selectors.owner_ids(property_id=offer.property_id)):
            _send(owner, SUBJECTS[event], "emails/offers/owner.txt",
                  {**base, "buyer": buyer, "message": offer.message,
                   "url": reverse("offers:detail", args=[offer.pk])})
    if event in STAFF_EVENTS:
        for moderator in selectors.moderators():
            _send(moderator, "an offer waits for moderation", "emails/offers/staff.txt",
                  {**base, "url": reverse("admin:offers_pendingoffer_change", args=[offer.pk])})


def offer_event(offer, event: str, *, owners: bool = True) -> None:
    offer_id = offer.pk
    transaction.on_commit(lambda: _deliver_offer_event(offer_id, event, owners))


CLAIM_SUBJECTS = {"submitted": "your ownership claim was received", "verified": "your ownership claim is verified",
                  "rejected": "your ownership claim was rejected"}


def _deliver_claim_event(claim_id: int, event: str) -> None:
    from .models import OwnershipClaim
    from . import selectors

    claim = OwnershipClaim.objects.select_related("property", "user").filter(pk=claim_id).first()
    if claim is None:
        return
    waiting = selectors.offers_for_owner(user=claim.user).filter(property_id=claim.property_id, status="approved").count()
    context = {"event": event, "property": claim.property, "reason": claim.reason, "waiting": waiting,
               "url": reverse("offers:received")}
    _send(claim.user, CLAIM_SUBJECTS[event], "emails/offers/claim.txt", context)
    if event == "submitted":
        for moderator in selectors.moderators():
            _send(moderator, "an ownership claim waits for verification", "emails/offers/staff.txt",
                  {"event": "claim", "property": claim.property,
                   "url": reverse("admin:offers_pendingclaim_change", args=[claim.pk])})


def claim_event(claim, event: str) -> None:
    claim_id = claim.pk
    transaction.on_commit(lambda: _deliver_claim_event(claim_id, event))
