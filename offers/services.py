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
    ContactsAlreadyShared,
    ContactsNotOpen,
    DailyLimitReached,
    InvalidOfferTransition,
    NotAllowed,
    OfferNotRevisable,
    PropertyAlreadyHasAcceptedOffer,
)
from .models import (
    EXPIRING_STATUSES,
    LIVE_STATUSES,
    TRANSITIONS,
    Actor,
    ClaimStatus,
    Offer,
    OfferEvent,
    OfferStatus,
    OwnershipClaim,
    PropertyOpenness,
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
    # The owners' e-mail says at once when the offer meets their reserve (notifications reads it from
    # selectors.offer_meets_reserve); nothing the buyer gets depends on it.
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
    """Expire pending, approved and accepted offers past their validity (owners are told of those they saw).
    Safe to run twice or concurrently."""
    now = now or timezone.now()
    # Once both sides shared their contact details the accepted offer has done its work: it stays as it is.
    ids = list(Offer.objects.filter(status__in=EXPIRING_STATUSES, valid_until__lte=now, contacts_shared_at__isnull=True)
               .values_list("pk", flat=True)[:5000])
    expired = 0
    for offer_id in ids:
        with transaction.atomic():
            offer = Offer.objects.select_for_update().filter(pk=offer_id).first()
            if (
                offer is None
                or offer.status not in EXPIRING_STATUSES
                or offer.valid_until > now
                or offer.contacts_shared_at is not None
            ):
                continue
            was_visible = offer.approved_at is not None
            _transition(offer, to=OfferStatus.EXPIRED, actor=None, role=Actor.SYSTEM)
            notifications.offer_event(offer, "expired", owners=was_visible)
            expired += 1
    if expired:
        logger.info("Expired offers: count=%s", expired)
    return expired


@transaction.atomic
def offer_follow_up(*, offer: Offer, moderator) -> Offer:
    """Staff mark an accepted offer as followed up (it leaves the admin's follow-up queue)."""
    _require_moderator(moderator)
    offer = _lock_offer(offer.pk)
    if offer.followed_up_at is None:
        offer.followed_up_at = timezone.now()
        offer.save(update_fields=["followed_up_at", "updated_at"])
    return offer


# --- after an accept: sharing contact details -------------------------------------------------
CONTACT_ANSWERS = (OfferEvent.Kind.CONTACT_YES, OfferEvent.Kind.CONTACT_NO, OfferEvent.Kind.CONTACT_REVOKED)

def _contact_role(offer: Offer, user) -> str:
    if user and user.pk and offer.buyer_id == user.pk:
        return Actor.BUYER
    if selectors.is_verified_owner(user=user, property_id=offer.property_id) and offer.approved_at is not None:
        return Actor.OWNER
    raise NotAllowed(_("Only the buyer or a verified owner can answer this."))


@transaction.atomic
def offer_contact_answer(*, offer: Offer, user, agree: bool) -> Offer:
    """The buyer's or an owner's answer to "share contact details with the other side?" on an accepted offer.

    Nothing is shared until both sides said yes; then both get the other's name, e-mail and phone (page and
    e-mail) and the answers are final. Before that either side may say no, or take a yes back. Every answer
    is an event on the offer's timeline, and the other side is told.
    """
    offer = _lock_offer(offer.pk)
    role = _contact_role(offer, user)
    if offer.status != OfferStatus.ACCEPTED:
        raise ContactsNotOpen(_("Contact details can be shared only once the offer is accepted."),
                              extra={"status": offer.status})
    if offer.contacts_shared_at is not None:
        raise ContactsAlreadyShared(_("The contact details have already been shared."))
    field = "buyer_contact_consent_at" if role == Actor.BUYER else "owner_contact_consent_at"
    had = getattr(offer, field) is not None
    if agree:
        if had and (role == Actor.BUYER or offer.owner_contact_consent_by_id == user.pk):
            return offer  # said already
        kind = OfferEvent.Kind.CONTACT_YES
        setattr(offer, field, timezone.now())
        if role == Actor.OWNER:
            offer.owner_contact_consent_by = user
    else:
        last = (OfferEvent.objects.filter(offer=offer, actor_role=role, kind__in=CONTACT_ANSWERS)
                .order_by("-created_at", "-id").values_list("kind", flat=True).first())
        if not had and last in (OfferEvent.Kind.CONTACT_NO, OfferEvent.Kind.CONTACT_REVOKED):
            return offer  # said no already
        kind = OfferEvent.Kind.CONTACT_REVOKED if had else OfferEvent.Kind.CONTACT_NO
        setattr(offer, field, None)
        if role == Actor.OWNER:
            offer.owner_contact_consent_by = None
    offer.save(update_fields=[field, "owner_contact_consent_by", "updated_at"])
    _record(offer, kind=kind, actor=user, role=role, from_status=offer.status)
    if offer.buyer_contact_consent_at and offer.owner_contact_consent_at and offer.owner_contact_consent_by_id:
        offer.contacts_shared_at = timezone.now()
        offer.save(update_fields=["contacts_shared_at", "updated_at"])
        _record(offer, kind=OfferEvent.Kind.CONTACTS_SHARED, actor=None, role=Actor.SYSTEM, from_status=offer.status)
        notifications.contact_event(offer, OfferEvent.Kind.CONTACTS_SHARED, by=Actor.SYSTEM)
    else:
        notifications.contact_event(offer, kind, by=role)
    return offer


# --- open to offers --------------------------------------------------------------------------------
def reserve_clean(value) -> int | None:
    """A reserve price: blank or None for none, else a whole number of NOK like an offer's amount."""
    if value in (None, ""):
        return None
    try:
        return amount_clean(value)
    except ValidationError as exc:
        raise ValidationError({"reserve": ValidationError(
            _("Give the reserve price as a whole number of NOK above 0, or leave it empty."),
            code="invalid_reserve")}) from exc


@transaction.atomic
def property_openness_set(*, property: Property, owner, open: bool, reserve=None) -> PropertyOpenness | None:
    """A verified owner opens the property to offers (with an optional private reserve), changes the reserve,
    or closes it (the reserve goes too). Shared by the property's verified owners; search sees it through
    Property.open_to_offers_since."""
    if not selectors.is_verified_owner(user=owner, property_id=property.pk):
        raise NotAllowed(_("Only a verified owner of the property can do this."))
    reserve = reserve_clean(reserve) if open else None
    Property.objects.select_for_update().filter(pk=property.pk).first()
    openness = PropertyOpenness.objects.filter(property=property).first()
    now = timezone.now()
    if not open:
        if openness is not None:
            openness.delete()
            Property.objects.filter(pk=property.pk).update(open_to_offers_since=None, updated_at=now)
        return None
    if openness is None:
        openness = PropertyOpenness(property=property, opened_at=now, opened_by=owner)
    if openness.pk is None or openness.reserve != reserve:
        openness.reserve = reserve
        openness.reserve_set_by = owner if reserve is not None else None
        openness.reserve_set_at = now if reserve is not None else None
    created = openness.pk is None
    openness.save()
    if created:  # newly open: a saved search for open properties sees it as changed
        Property.objects.filter(pk=property.pk).update(open_to_offers_since=openness.opened_at, updated_at=now)
    return openness


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
    """Deletion hook: live offers are withdrawn (owners of an accepted one are told), then the buyer, the
    message and the buyer's contact-sharing answer leave every offer; amounts and the timeline stay. An
    owner's contact-sharing answers go; reserves the user set are removed, and a property the user alone
    owned is closed to offers. The user's claims go with the account."""
    for offer in Offer.objects.select_for_update().filter(buyer=user, status__in=LIVE_STATUSES):
        was_visible = offer.approved_at is not None
        _transition(offer, to=OfferStatus.WITHDRAWN, actor=user, role=Actor.BUYER, reason="account deleted")
        notifications.offer_event(offer, "withdrawn", owners=was_visible, buyer=False)
    Offer.objects.filter(buyer=user).update(buyer=None, message="", is_anonymous=True, reveal_identity_on_accept=False,
                                            buyer_contact_consent_at=None)
    Offer.objects.filter(owner_contact_consent_by=user).update(owner_contact_consent_by=None,
                                                               owner_contact_consent_at=None)
    PropertyOpenness.objects.filter(reserve_set_by=user).update(reserve=None, reserve_set_by=None,
                                                                reserve_set_at=None)
    owned = list(OwnershipClaim.objects.filter(user=user, status=ClaimStatus.VERIFIED)
                 .values_list("property_id", flat=True))
    for property_id in owned:
        others = OwnershipClaim.objects.filter(property_id=property_id, status=ClaimStatus.VERIFIED).exclude(user=user)
        if not others.exists() and PropertyOpenness.objects.filter(property_id=property_id).delete()[0]:
            Property.objects.filter(pk=property_id).update(open_to_offers_since=None, updated_at=timezone.now())
    for claim in OwnershipClaim.objects.filter(user=user).exclude(document=""):
        claim.document.delete(save=False)


def _consent(at) -> str | None:
    return at.isoformat() if at else None


def user_offers_export(user) -> dict:
    offers = []
    for offer in Offer.objects.filter(buyer=user).select_related("property").prefetch_related("events"):
        offers.append({
            "id": offer.pk, "property": offer.property.external_id, "amount": offer.amount, "message": offer.message,
            "is_anonymous": offer.is_anonymous, "reveal_identity_on_accept": offer.reveal_identity_on_accept,
            "status": offer.status, "valid_until": offer.valid_until.isoformat(),
            "created_at": offer.created_at.isoformat(),
            "contact_sharing": {"you_agreed_at": _consent(offer.buyer_contact_consent_at),
                                "shared_at": _consent(offer.contacts_shared_at)},
            "history": [{"at": e.created_at.isoformat(), "kind": e.kind, "from": e.from_status, "to": e.to_status,
                         "amount": e.amount, "by": e.actor_role, "reason": e.reason} for e in offer.events.all()],
        })
    claims = [{"id": c.pk, "property": c.property.external_id, "statement": c.statement, "status": c.status,
               "reason": c.reason, "has_document": bool(c.document), "created_at": c.created_at.isoformat()}
              for c in OwnershipClaim.objects.filter(user=user).select_related("property")]
    owned = OwnershipClaim.objects.filter(user=user, status=ClaimStatus.VERIFIED).values("property_id")
    openness = [{"property": o.property.external_id, "open_since": o.opened_at.isoformat(),
                 "opened_by_you": o.opened_by_id == user.pk, "reserve": o.reserve,
                 "reserve_set_by_you": o.reserve_set_by_id == user.pk, "reserve_set_at": _consent(o.reserve_set_at)}
                for o in PropertyOpenness.objects.filter(property_id__in=owned).select_related("property")]
    owner_consents = [{"offer": o.pk, "property": o.property.external_id,
                       "you_agreed_at": _consent(o.owner_contact_consent_at),
                       "shared_at": _consent(o.contacts_shared_at)}
                      for o in Offer.objects.filter(owner_contact_consent_by=user).select_related("property")]
    return {"offers": offers, "ownership_claims": claims, "open_to_offers": openness,
            "contact_sharing_as_owner": owner_consents}
