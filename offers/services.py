"""Writes for silent bidding. Every interface (pages, API, admin, Celery) calls these.

Locking: accepting locks the property row, then the offer; a buyer's submit or revision locks
the buyer's user row, then the offer; moderation, decline and withdrawal lock the offer. The
database's partial unique constraints back the rules up if a lock is ever missed.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from properties.models import Property

from . import notifications, selectors
from .errors import (
    AssuranceTooLow,
    ClaimAlreadyOpen,
    ClaimNotPending,
    ClaimNotVerified,
    DailyLimitReached,
    InvalidOfferTransition,
    NotAllowed,
    OfferNotRevisable,
    PropertyAlreadyHasAcceptedOffer,
)
from .models import (
    LIVE_STATUSES,
    TRANSITIONS,
    Actor,
    ClaimStatus,
    Offer,
    OfferEvent,
    OfferStatus,
    OwnershipClaim,
)
from .storage import document_type

logger = logging.getLogger("offers")
User = get_user_model()



# --- checks --------------------------------------------------------------------------------
def acr_sufficient(acr: str | None) -> bool:
    return bool(acr) and acr in settings.OFFERS_REQUIRED_ACR.split()


def amount_clean(value) -> int:
    """A positive whole number of NOK below the sanity cap, or a ValidationError on `offer_amount`."""
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise ValidationError({"offer_amount": ValidationError(
                _("Give the amount in whole kroner."), code="amount_not_whole")})
    if value <= 0:
        raise ValidationError({"offer_amount": ValidationError(
            _("The amount must be more than 0 kr."), code="amount_not_positive")})
    if value >= settings.OFFERS_AMOUNT_CAP:
        raise ValidationError({"offer_amount": ValidationError(
            _("The amount must be below %(cap)s kr.") % {"cap": f"{settings.OFFERS_AMOUNT_CAP:,}".replace(",", " ")},
            code="amount_above_cap")})
    return value


def _valid_days_clean(value: int | None) -> int:
    if value is None:
        return settings.OFFERS_DEFAULT_VALID_DAYS
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= settings.OFFERS_MAX_VALID_DAYS:
        raise ValidationError({"valid_days": ValidationError(
            _("An offer stands for 1 to %(max)s days.") % {"max": settings.OFFERS_MAX_VALID_DAYS},
            code="invalid_validity")})
    return value


def _require_moderator(user) -> None:
    if not selectors.can_moderate(user):
        raise NotAllowed(_("Only epty staff with the moderation permission can do this."))


def _record(offer: Offer, *, kind: str, actor, role: str, from_status: str, reason: str = "") -> OfferEvent:
    return OfferEvent.objects.create(offer=offer, kind=kind, actor=actor if getattr(actor, "pk", None) else None,
                                     actor_role=role, from_status=from_status, to_status=offer.status,
                                     amount=offer.amount, reason=reason)


def _transition(offer: Offer, *, to: str, actor, role: str, reason: str = "",
                kind: str = OfferEvent.Kind.TRANSITION) -> Offer:
    """Move a locked offer to `to` if the table allows it for `role`; record who, when, from, to and why."""
    source = offer.status
    if TRANSITIONS.get((source, to)) != role:
        raise InvalidOfferTransition(
            _("An offer that is %(from)s cannot become %(to)s.") % {"from": source, "to": to},
            extra={"from": source, "to": to})
    if role != Actor.SYSTEM and to not in (OfferStatus.WITHDRAWN, OfferStatus.REJECTED) and offer.is_past_validity:
        raise InvalidOfferTransition(_("The offer has expired."), extra={"from": source, "to": to, "expired": True})
    now = timezone.now()
    offer.status = to
    offer.status_reason = reason
    if to == OfferStatus.APPROVED:
        offer.approved_at = now
    elif to == OfferStatus.PENDING:
        offer.approved_at = None
    if to in (OfferStatus.ACCEPTED, OfferStatus.DECLINED, OfferStatus.REJECTED):
        offer.decided_at = now
    offer.save()
    _record(offer, kind=kind, actor=actor, role=role, from_status=source, reason=reason)
    return offer


def _lock_offer(offer_id: int) -> Offer:
    return Offer.objects.select_for_update().get(pk=offer_id)


# --- offers ----------------------------------------------------------------------------------
@transaction.atomic
def offer_submit(*, buyer, property: Property, amount: int, acr: str | None, message: str = "",
                 is_anonymous: bool = True, reveal_identity_on_accept: bool = False,
                 valid_days: int | None = None) -> tuple[Offer, bool]:
    """Send an offer, or revise the buyer's live one on this property. Returns (offer, created).

    `acr` is the level of assurance of the BankID login the request comes from (None: not a BankID
    session, e.g. an API token); it must be one of OFFERS_REQUIRED_ACR.
    """
    if not acr_sufficient(acr):
        raise AssuranceTooLow(_("Log in with BankID at a high level of assurance to send an offer."),
                              extra={"required_acr": settings.OFFERS_REQUIRED_ACR.split()})
    amount = amount_clean(amount)
    days = _valid_days_clean(valid_days)
    message = (message or "").strip()
    if len(message) > settings.OFFERS_MESSAGE_MAX_LENGTH:
        raise ValidationError({"message": ValidationError(
            _("The message is too long (at most %(n)s characters).") % {"n": settings.OFFERS_MESSAGE_MAX_LENGTH},
            code="message_too_long")})
    if property.retired_at is not None:
        raise ValidationError(_("This property no longer exists."), code="property_retired")
    if selectors.is_verified_owner(user=buyer, property_id=property.pk):
        raise ValidationError(_("You cannot make an offer on a property you own."), code="own_property")

    # One buyer's writes run one at a time. NO KEY: rows that merely point at the buyer (the outbox's
    # e-mails to them, written by other transactions that may hold an offer's lock) need not wait.
    User.objects.select_for_update(no_key=True).filter(pk=buyer.pk).first()
    since = timezone.now() - dt.timedelta(hours=24)
    sent = OfferEvent.objects.filter(offer__buyer=buyer, kind__in=[OfferEvent.Kind.SUBMITTED, OfferEvent.Kind.REVISED],
                                     created_at__gte=since).count()
    if sent >= settings.OFFERS_DAILY_LIMIT:
        raise DailyLimitReached(_("You have sent %(n)s offers in the last 24 hours. Try again later.")
                                % {"n": settings.OFFERS_DAILY_LIMIT}, extra={"limit": settings.OFFERS_DAILY_LIMIT})

    valid_until = timezone.now() + dt.timedelta(days=days)
    offer = Offer.objects.select_for_update().filter(property=property, buyer=buyer, status__in=LIVE_STATUSES).first()
    if offer is not None:
        if offer.status == OfferStatus.ACCEPTED:
            raise OfferNotRevisable(_("Your offer has been accepted; withdraw it before sending a new one."),
                                    extra={"offer_id": offer.pk})
        offer.amount, offer.message, offer.valid_until = amount, message, valid_until
        offer.is_anonymous, offer.reveal_identity_on_accept = is_anonymous, reveal_identity_on_accept
        _transition(offer, to=OfferStatus.PENDING, actor=buyer, role=Actor.BUYER, kind=OfferEvent.Kind.REVISED)
        notifications.offer_event(offer, "revised")
        return offer, False
    try:
        with transaction.atomic():
            offer = Offer.objects.create(property=property, buyer=buyer, amount=amount, message=message,
                                         is_anonymous=is_anonymous, reveal_identity_on_accept=reveal_identity_on_accept,
                                         valid_until=valid_until)
    except IntegrityError as exc:  # only without the user lock (e.g. a buyer row missing): keep the rule
        raise OfferNotRevisable(_("You already have a live offer on this property.")) from exc
    _record(offer, kind=OfferEvent.Kind.SUBMITTED, actor=buyer, role=Actor.BUYER, from_status="")
    notifications.offer_event(offer, "submitted")
    return offer, True


@transaction.atomic
def offer_approve(*, offer: Offer, moderator, reason: str = "") -> Offer:
    _require_moderator(moderator)
    offer = _lock_offer(offer.pk)
    _transition(offer, to=OfferStatus.APPROVED, actor=moderator, role=Actor.MODERATOR, reason=reason)
    notifications.offer_event(offer, "approved")
    return offer


@transaction.atomic
def offer_reject(*, offer: Offer, moderator, reason: str) -> Offer:
    _require_moderator(moderator)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": ValidationError(_("Give a reason for the rejection."), code="reason_required")}
        )
    offer = _lock_offer(offer.pk)
    _transition(offer, to=OfferStatus.REJECTED, actor=moderator, role=Actor.MODERATOR, reason=reason)
    notifications.offer_event(offer, "rejected")
    return offer


def _require_owner(user, offer: Offer) -> None:
    if not selectors.is_verified_owner(user=user, property_id=offer.property_id):
        raise NotAllowed(_("Only a verified owner of the property can do this."))


@transaction.atomic
def offer_accept(*, offer: Offer, owner) -> Offer:
    """Accept an approved offer. At most one offer per property is accepted: the property row is
    locked for the whole check-and-write, and a partial unique index backs it up."""
    Property.objects.select_for_update().get(pk=offer.property_id)
    _require_owner(owner, offer)
    offer = _lock_offer(offer.pk)
    if offer.status == OfferStatus.APPROVED:
        other = Offer.objects.filter(property_id=offer.property_id, status=OfferStatus.ACCEPTED).exclude(pk=offer.pk)
        if other.exists():
            raise PropertyAlreadyHasAcceptedOffer(_("Another offer on this property is already accepted."))
    try:
        with transaction.atomic():
            _transition(offer, to=OfferStatus.ACCEPTED, actor=owner, role=Actor.OWNER)
    except IntegrityError as exc:
        raise PropertyAlreadyHasAcceptedOffer(_("Another offer on this property is already accepted.")) from exc
    notifications.offer_event(offer, "accepted")
    return offer


@transaction.atomic
def offer_decline(*, offer: Offer, owner, reason: str = "") -> Offer:
    _require_owner(owner, offer)
    offer = _lock_offer(offer.pk)
    _transition(offer, to=OfferStatus.DECLINED, actor=owner, role=Actor.OWNER, reason=(reason or "").strip())
    notifications.offer_event(offer, "declined")
    return offer


@transaction.atomic
def offer_withdraw(*, offer: Offer, buyer, reason: str = "") -> Offer:
    offer = _lock_offer(offer.pk)
    if not (buyer and buyer.pk and offer.buyer_id == buyer.pk):
        raise NotAllowed(_("Only the buyer can withdraw an offer."))
    was_visible = offer.approved_at is not None
    _transition(offer, to=OfferStatus.WITHDRAWN, actor=buyer, role=Actor.BUYER, reason=(reason or "").strip())
    notifications.offer_event(offer, "withdrawn", owners=was_visible)
    return offer


def offers_expire(*, now: dt.datetime | None = None) -> int:
    """Expire pending and approved offers past their validity. Safe to run twice or concurrently."""
    now = now or timezone.now()
    ids = list(Offer.objects.filter(status__in=[OfferStatus.PENDING, OfferStatus.APPROVED], valid_until__lte=now)
               .values_list("pk", flat=True)[:5000])
    expired = 0
    for offer_id in ids:
        with transaction.atomic():
            offer = Offer.objects.select_for_update().filter(pk=offer_id).first()
            if (
                offer is None
                or offer.status not in (OfferStatus.PENDING, OfferStatus.APPROVED)
                or offer.valid_until > now
            ):
                continue
            was_visible = offer.approved_at is not None
            _transition(offer, to=OfferStatus.EXPIRED, actor=None, role=Actor.SYSTEM)
            notifications.offer_event(offer, "expired", owners=was_visible)
            expired += 1
    if expired:
        logger.info("Expired offers: count=%s", expired)
    return expired


# --- ownership claims ---------------------------------------------------------------------------
@transaction.atomic
def claim_submit(*, user, property: Property, statement: str, document=None) -> OwnershipClaim:
    statement = (statement or "").strip()
    if not statement:
        raise ValidationError({"statement": ValidationError(_("Say briefly why you own this property."),
                                                            code="required")})
    if len(statement) > 2000:
        raise ValidationError({"statement": ValidationError(_("At most 2000 characters."), code="too_long")})
    content_type = ""
    if document is not None:
        # Judged by content, not by name: the first bytes must be a PDF, JPEG or PNG.
        if document.size > settings.OFFERS_CLAIM_DOCUMENT_MAX_BYTES:
            raise ValidationError({"document": ValidationError(_("The file is larger than 10 MB."),
                                                               code="document_too_large")})
        document.seek(0)
        recognised = document_type(document.read(16))
        document.seek(0)
        if recognised is None:
            raise ValidationError({"document": ValidationError(_("Upload a PDF, JPEG or PNG file."),
                                                               code="document_type")})
        content_type, suffix = recognised
        document.name = f"document.{suffix}"
    if OwnershipClaim.objects.filter(property=property, user=user).exclude(status=ClaimStatus.REJECTED).exists():
        raise ClaimAlreadyOpen(_("You have already claimed this property."))
    try:
        with transaction.atomic():
            claim = OwnershipClaim.objects.create(property=property, user=user, statement=statement,
                                                  document=document or "", document_content_type=content_type)
    except IntegrityError as exc:
        raise ClaimAlreadyOpen(_("You have already claimed this property.")) from exc
    notifications.claim_event(claim, "submitted")
    return claim


def _lock_pending_claim(claim: OwnershipClaim) -> OwnershipClaim:
    claim = OwnershipClaim.objects.select_for_update().get(pk=claim.pk)
    if claim.status != ClaimStatus.PENDING:
        raise ClaimNotPending(_("This claim has already been decided."), extra={"status": claim.status})
    return claim


@transaction.atomic
def claim_verify(*, claim: OwnershipClaim, moderator) -> OwnershipClaim:
    """Verify a claim; the new owner then sees the approved offers waiting on the property."""
    _require_moderator(moderator)
    claim = _lock_pending_claim(claim)
    claim.status, claim.decided_by, claim.decided_at, claim.reason = ClaimStatus.VERIFIED, moderator, timezone.now(), ""
    claim.save()
    notifications.claim_event(claim, "verified")
    return claim


@transaction.atomic
def claim_reject(*, claim: OwnershipClaim, moderator, reason: str) -> OwnershipClaim:
    _require_moderator(moderator)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": ValidationError(_("Give a reason for the rejection."), code="reason_required")}
        )
    claim = _lock_pending_claim(claim)
    claim.status, claim.decided_by, claim.decided_at, claim.reason = (
        ClaimStatus.REJECTED,
        moderator,
        timezone.now(),
        reason,
    )
    claim.save()
    notifications.claim_event(claim, "rejected")
    return claim


# Called with a claim whose verified ownership has just ended (revoked by staff), inside the transaction;
# apps that keep things an owner added (photos) register one from their AppConfig.ready().
ClaimEndHook = Callable[[OwnershipClaim], None]
CLAIM_END_HOOKS: list[ClaimEndHook] = []


def register_claim_end_hook(hook: ClaimEndHook) -> None:
    if hook not in CLAIM_END_HOOKS:
        CLAIM_END_HOOKS.append(hook)


@transaction.atomic
def claim_revoke(*, claim: OwnershipClaim, moderator, reason: str) -> OwnershipClaim:
    """Staff end a verified ownership (it turned out wrong, or the home was sold): the claim becomes rejected
    with the reason, and what the owner added goes unless another verified owner keeps it (CLAIM_END_HOOKS)."""
    _require_moderator(moderator)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": ValidationError(_("Give a reason for the rejection."), code="reason_required")}
        )
    claim = OwnershipClaim.objects.select_for_update().get(pk=claim.pk)
    if claim.status != ClaimStatus.VERIFIED:
        raise ClaimNotVerified(_("Only a verified claim can be revoked."), extra={"status": claim.status})
    claim.status, claim.decided_by, claim.decided_at, claim.reason = (
        ClaimStatus.REJECTED, moderator, timezone.now(), reason)
    claim.save()
    for hook in CLAIM_END_HOOKS:
        hook(claim)
    notifications.claim_event(claim, "revoked")
    return claim


# --- privacy --------------------------------------------------------------------------------------
def user_offers_anonymise(user) -> None:
    """Deletion hook: live offers are withdrawn, then the buyer and the message leave every offer;
    amounts and the timeline stay. The user's claims go with the account."""
    for offer in Offer.objects.select_for_update().filter(buyer=user, status__in=LIVE_STATUSES):
        _transition(offer, to=OfferStatus.WITHDRAWN, actor=user, role=Actor.BUYER, reason="account deleted")
    Offer.objects.filter(buyer=user).update(buyer=None, message="", is_anonymous=True, reveal_identity_on_accept=False)
    for claim in OwnershipClaim.objects.filter(user=user).exclude(document=""):
        claim.document.delete(save=False)


def user_offers_export(user) -> dict:
    offers = []
    for offer in Offer.objects.filter(buyer=user).select_related("property").prefetch_related("events"):
        offers.append({
            "id": offer.pk, "property": offer.property.external_id, "amount": offer.amount, "message": offer.message,
            "is_anonymous": offer.is_anonymous, "reveal_identity_on_accept": offer.reveal_identity_on_accept,
            "status": offer.status, "valid_until": offer.valid_until.isoformat(),
            "created_at": offer.created_at.isoformat(),
            "history": [{"at": e.created_at.isoformat(), "from": e.from_status, "to": e.to_status,
                         "amount": e.amount, "by": e.actor_role, "reason": e.reason} for e in offer.events.all()],
        })
    claims = [{"id": c.pk, "property": c.property.external_id, "statement": c.statement, "status": c.status,
               "reason": c.reason, "has_document": bool(c.document), "created_at": c.created_at.isoformat()}
              for c in OwnershipClaim.objects.filter(user=user).select_related("property")]
    return {"offers": offers, "ownership_claims": claims}
