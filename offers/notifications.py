"""E-mails to buyer, owners and staff at each step, enqueued in the outbox with the change itself.

The services call these inside their transaction (after the change is written): each recipient's
message is rendered in their language and stored with the change, and the outbox sends it after
the commit (epty.mail). Links are absolute (SITE_URL).

Owners' e-mails are built only from ``selectors.buyer_for_owner``: the buyer's name, e-mail and ids
are never in their context while the offer is anonymous. Only confirmed addresses are used.
"""
from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from epty.mail.models import OutboxMessage
from epty.mail.services import absolute_url, mail_enqueue

from . import selectors
from .models import NON_BINDING_NOTICE, Actor, Offer, OfferEvent, OwnershipClaim

BUYER_EVENTS = {"submitted", "revised", "approved", "rejected", "accepted", "declined", "withdrawn", "expired"}
OWNER_EVENTS = {"approved", "accepted", "withdrawn", "expired"}
STAFF_EVENTS = {"submitted", "revised", "accepted"}

SUBJECTS = {
    "submitted": _("your offer was received"), "revised": _("your offer was revised"), "approved": _("offer approved"),
    "rejected": _("your offer was rejected"), "accepted": _("offer accepted"), "declined": _("your offer was declined"),
    "withdrawn": _("offer withdrawn"), "expired": _("offer expired"),
}
CLAIM_SUBJECTS = {"submitted": _("your ownership claim was received"),
                  "verified": _("your ownership claim is verified"),
                  "rejected": _("your ownership claim was rejected"),
                  "revoked": _("your verified ownership has ended")}
OFFER_WAITS = _("an offer waits for moderation")
OFFER_ACCEPTED_FOLLOW_UP = _("an offer was accepted: follow it up")
MEETS_YOUR_PRICE = _("an offer meets your price")
CONTACT_SUBJECTS = {
    "contact_yes": _("the other side agrees to share contact details"),
    "contact_no": _("the other side does not want to share contact details"),
    "contact_revoked": _("the other side no longer wants to share contact details"),
    "contacts_shared": _("contact details shared"),
}
CLAIM_WAITS = _("an ownership claim waits for verification")


def _enqueue(user: Any, kind: str, subject: Any, template: str, context: dict[str, Any]) -> None:
    if not user or not user.email or not user.is_active:
        return
    mail_enqueue(user=user, kind=kind, subject=format_lazy("epty: {}", subject), template=template,
                 context={**context, "recipient_name": user.name or ""})


def offer_event(offer: Offer, event: str, *, owners: bool = True, buyer: bool = True) -> None:
    """Tell the buyer, the owners (once the offer is visible to them) and the moderators about an event.

    Whether an approved offer meets the owners' reserve changes only the owners' e-mail (subject and a
    line); the buyer's is the same either way.
    """
    offer = Offer.objects.select_related("property", "buyer").get(pk=offer.pk)
    before = (OfferEvent.objects.filter(offer=offer).order_by("-created_at", "-id")
              .values_list("from_status", flat=True).first())
    base = {"event": event, "notice": NON_BINDING_NOTICE, "property": offer.property,
            "amount": offer.amount, "status": offer.status, "reason": offer.status_reason,
            "valid_until": offer.valid_until, "status_before": before}
    url = absolute_url(reverse("offers:detail", args=[offer.pk]))
    kind = OutboxMessage.Kind.OFFER_EVENT
    if buyer and event in BUYER_EVENTS and offer.buyer_id:
        _enqueue(offer.buyer, kind, SUBJECTS[event], "emails/offers/buyer.txt", {**base, "url": url})
    if owners and event in OWNER_EVENTS and offer.approved_at is not None:
        shown = selectors.buyer_for_owner(offer)
        meets = event == "approved" and selectors.offer_meets_reserve(offer)
        for owner in get_user_model().objects.filter(pk__in=selectors.owner_ids(property_id=offer.property_id)):
            _enqueue(owner, kind, MEETS_YOUR_PRICE if meets else SUBJECTS[event], "emails/offers/owner.txt",
                     {**base, "buyer": shown, "message": offer.message, "url": url, "meets_price": meets})
    if event in STAFF_EVENTS:
        queue = "admin:offers_acceptedoffer_change" if event == "accepted" else "admin:offers_pendingoffer_change"
        staff_url = absolute_url(reverse(queue, args=[offer.pk]))
        subject = OFFER_ACCEPTED_FOLLOW_UP if event == "accepted" else OFFER_WAITS
        for moderator in selectors.moderators():
            _enqueue(moderator, kind, subject, "emails/offers/staff.txt", {**base, "url": staff_url})


def contact_event(offer: Offer, event: str, *, by: str) -> None:
    """After an accept: tell the other side of an answer about sharing contact details; once both agreed,
    send each side the other's details (selectors.contact_state, the one place that decides them)."""
    offer = Offer.objects.select_related("property", "buyer", "owner_contact_consent_by").get(pk=offer.pk)
    url = absolute_url(reverse("offers:detail", args=[offer.pk]))
    base = {"event": event, "property": offer.property, "amount": offer.amount, "url": url}
    kind = OutboxMessage.Kind.OFFER_EVENT
    owners = get_user_model().objects.filter(pk__in=selectors.owner_ids(property_id=offer.property_id))
    if by != Actor.BUYER and offer.buyer_id:  # the owners answered, or the details went out
        _enqueue(offer.buyer, kind, CONTACT_SUBJECTS[event], "emails/offers/contacts.txt",
                 {**base, "other": selectors.contact_state(offer=offer, role=Actor.BUYER)["other"]})
    if by != Actor.OWNER:
        other = selectors.contact_state(offer=offer, role=Actor.OWNER)["other"]
        for owner in owners:
            _enqueue(owner, kind, CONTACT_SUBJECTS[event], "emails/offers/contacts.txt", {**base, "other": other})


def claim_event(claim: OwnershipClaim, event: str) -> None:
    """Tell the claimant about their claim, and the moderators about a new one."""
    claim = OwnershipClaim.objects.select_related("property", "user").get(pk=claim.pk)
    waiting = (
        selectors.offers_for_owner(user=claim.user).filter(property_id=claim.property_id, status="approved").count()
    )
    kind = OutboxMessage.Kind.CLAIM_EVENT
    context = {"event": event, "property": claim.property, "reason": claim.reason, "waiting": waiting,
               "url": absolute_url(reverse("offers:received"))}
    _enqueue(claim.user, kind, CLAIM_SUBJECTS[event], "emails/offers/claim.txt", context)
    if event == "submitted":
        staff_url = absolute_url(reverse("admin:offers_pendingclaim_change", args=[claim.pk]))
        for moderator in selectors.moderators():
            _enqueue(moderator, kind, CLAIM_WAITS, "emails/offers/staff.txt",
                     {"event": "claim", "property": claim.property, "url": staff_url})
