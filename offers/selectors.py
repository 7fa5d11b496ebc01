"""Reads for offers: who may see what, and the owner's anonymised view of an offer.

Everything an owner sees of an offer (page, API, e-mail) goes through ``offer_owner_view``: it is
the one place that decides whether the buyer's identity is shown.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from epty.numbers import whole_number

from .errors import PropertyNotFound
from .models import (
    VERIFIED_BUYER,
    Actor,
    ClaimStatus,
    Offer,
    OfferEvent,
    OfferStatus,
    OwnershipClaim,
    PropertyOpenness,
)

if TYPE_CHECKING:
    from properties.models import Property

User = get_user_model()


def can_moderate(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff
                and user.has_perm("offers.moderate"))


def claim_by_document(*, user, name: str) -> OwnershipClaim:
    """The claim holding this document, if the user may read it (its claimant, or a moderator); 404 otherwise."""
    from django.http import Http404

    claim = OwnershipClaim.objects.filter(document=name).exclude(document="").first() if name else None
    if claim is None or not (user.is_authenticated and (claim.user_id == user.pk or can_moderate(user))):
        raise Http404("No such document.")
    return claim


def owner_ids(*, property_id: int) -> list[int]:
    return list(OwnershipClaim.objects.filter(property_id=property_id, status=ClaimStatus.VERIFIED)
                .values_list("user_id", flat=True))


def is_verified_owner(*, user, property_id: int) -> bool:
    return bool(user and user.is_authenticated) and OwnershipClaim.objects.filter(
        property_id=property_id, user=user, status=ClaimStatus.VERIFIED).exists()


def owns_any_property(*, user) -> bool:
    """Whether the user is a verified owner of at least one property (and so may receive offers)."""
    return bool(user and user.is_authenticated) and OwnershipClaim.objects.filter(
        user=user, status=ClaimStatus.VERIFIED).exists()


def moderators() -> QuerySet:
    perm = Permission.objects.filter(content_type__app_label="offers", codename="moderate").first()
    query = Q(is_superuser=True)
    if perm is not None:
        query |= Q(user_permissions=perm) | Q(groups__permissions=perm)
    return User.objects.filter(query, is_active=True, is_staff=True).distinct()


def offers_for_buyer(*, user) -> QuerySet:
    return Offer.objects.filter(buyer=user).select_related("property")


def offers_for_owner(*, user) -> QuerySet:
    """Approved offers (and their later fate) on properties the user is a verified owner of."""
    owned = OwnershipClaim.objects.filter(user=user, status=ClaimStatus.VERIFIED).values("property_id")
    return Offer.objects.owner_visible().filter(property_id__in=owned).select_related("property", "buyer")


def claims_for_user(*, user) -> QuerySet:
    return OwnershipClaim.objects.filter(user=user).select_related("property")


def offer_for_viewer(*, user, offer_id: int) -> tuple[Offer, str]:
    """The offer and the viewer's role on it (buyer or owner); 404 for anyone else."""
    if not (user and user.is_authenticated):
        raise Http404
    offer = Offer.objects.select_related("property").filter(pk=offer_id).first()
    if offer is None:
        raise Http404
    if offer.buyer_id == user.pk:
        return offer, Actor.BUYER
    if offer.approved_at is not None and is_verified_owner(user=user, property_id=offer.property_id):
        return offer, Actor.OWNER
    raise Http404


@dataclass(frozen=True)
class BuyerView:
    display: str
    name: str | None = None
    email: str | None = None


def buyer_for_owner(offer: Offer) -> BuyerView:
    """"verified buyer" unless the buyer is not anonymous, or allowed the reveal and the offer is accepted."""
    if offer.identity_revealed and offer.buyer is not None:
        buyer = offer.buyer
        return BuyerView(display=str(buyer), name=buyer.name or str(buyer), email=buyer.email or None)
    return BuyerView(display=str(VERIFIED_BUYER))


def _status_label(status: str | None) -> str | None:
    """A status as a person reads it, in the current language (None for none)."""
    return str(OfferStatus(status).label) if status in OfferStatus.values else status or None


CONTACT_KINDS = frozenset({OfferEvent.Kind.CONTACT_YES, OfferEvent.Kind.CONTACT_NO, OfferEvent.Kind.CONTACT_REVOKED,
                           OfferEvent.Kind.CONTACTS_SHARED})


def timeline(*, offer: Offer, show_actors: bool = False) -> list[dict]:
    """The offer's history. Parties see roles only; ``show_actors`` (staff) adds the acting user."""
    rows = []
    events = OfferEvent.objects.filter(offer=offer).order_by("created_at", "id")
    if show_actors:
        events = events.select_related("actor")
    for event in events:
        row = {"at": event.created_at, "kind": event.kind, "kind_display": str(OfferEvent.Kind(event.kind).label),
               "is_contact": event.kind in CONTACT_KINDS, "actor": event.actor_role,
               "actor_display": str(Actor(event.actor_role).label), "from_status": event.from_status or None,
               "to_status": event.to_status, "amount": event.amount, "reason": event.reason,
               "from_status_display": _status_label(event.from_status),
               "to_status_display": _status_label(event.to_status)}
        if show_actors:
            row["actor_user"] = str(event.actor) if event.actor else None
        rows.append(row)
    return rows


# --- open to offers, the reserve, "meets your price": owners only --------------------------------
def openness_for(*, property_id: int) -> PropertyOpenness | None:
    return PropertyOpenness.objects.filter(property_id=property_id).first()


def offer_meets_reserve(offer: Offer) -> bool:
    """Whether an approved (or later) offer meets the owners' current reserve: for owners' eyes only.

    Never call this for a buyer's page, API response, e-mail or export.
    """
    if offer.approved_at is None:
        return False
    openness = openness_for(property_id=offer.property_id)
    return openness is not None and openness.met_by(offer.amount)


def reserves_by_property(*, property_ids) -> dict[int, int]:
    """The reserve of each of these properties that has one (owners' lists)."""
    rows = (PropertyOpenness.objects.filter(property_id__in=list(property_ids), reserve__isnull=False)
            .values_list("property_id", "reserve"))
    return {property_id: reserve for property_id, reserve in rows if reserve is not None}


# --- after an accept: contact details ----------------------------------------------------------------
@dataclass(frozen=True)
class Contact:
    name: str
    email: str | None
    phone: str | None


def _contact(user) -> Contact | None:
    if user is None or not user.is_active:
        return None
    return Contact(name=user.name or str(user), email=user.email or None, phone=user.phone or None)


def contact_state(*, offer: Offer, role: str) -> dict:
    """What the viewer (buyer or owner) sees of contact sharing: both answers, and the other side's details
    once both said yes (never before)."""
    mine = offer.buyer_contact_consent_at if role == Actor.BUYER else offer.owner_contact_consent_at
    theirs = offer.owner_contact_consent_at if role == Actor.BUYER else offer.buyer_contact_consent_at
    other = None
    if offer.contacts_shared_at is not None:
        person = offer.owner_contact_consent_by if role == Actor.BUYER else offer.buyer
        other = _contact(person)
    return {"open": offer.status == OfferStatus.ACCEPTED and offer.contacts_shared_at is None,
            "you_agreed": mine is not None, "they_agreed": theirs is not None,
            "shared": offer.contacts_shared_at is not None, "other": other}


# --- the owner's dashboard ------------------------------------------------------------------------------
def owner_claims(*, user) -> QuerySet:
    """The user's verified ownership claims, with their properties (the dashboard's rows)."""
    return OwnershipClaim.objects.filter(user=user, status=ClaimStatus.VERIFIED).select_related("property")


def owner_dashboard(*, user, claims=None) -> list[dict]:
    """Each property the user is a verified owner of (or of ``claims``, a page of ``owner_claims``): openness
    and reserve, offers received by state, how many people saved it and how many times its page was viewed in
    the last 7 days (counts only, never who)."""
    from accounts.saved.selectors import property_saved_counts
    from properties.selectors import property_views_recent

    if claims is None:
        claims = owner_claims(user=user).order_by("property__address", "property_id")
    claims = list(claims)
    ids = [c.property_id for c in claims]
    openness = {o.property_id: o for o in PropertyOpenness.objects.filter(property_id__in=ids)}
    by_state: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    for property_id, status, n in (Offer.objects.owner_visible().filter(property_id__in=ids)
                                   .values_list("property_id", "status").annotate(n=Count("id")).order_by()):
        by_state[property_id][status] = n
    meets: dict[int, int] = {}
    for o in openness.values():
        if o.reserve is not None:
            meets[o.property_id] = Offer.objects.owner_visible().filter(
                property_id=o.property_id, status=OfferStatus.APPROVED, amount__gte=o.reserve).count()
    saved = property_saved_counts(property_ids=ids)
    views = property_views_recent(property_ids=ids, days=7)
    return [{"property": c.property, "openness": openness.get(c.property_id),
             "offers": [{"status": s, "label": _status_label(s), "count": by_state[c.property_id][s]}
                        for s in OfferStatus.values if by_state[c.property_id].get(s)],
             "offers_total": sum(by_state[c.property_id].values()), "meets_reserve": meets.get(c.property_id, 0),
             "saved": saved.get(c.property_id, 0), "views_week": views.get(c.property_id, 0)} for c in claims]


MATRIKKELEN_PREFIX = "matrikkelen_"
EXTERNAL_ID_MAX_LENGTH = 40


def property_by_ref(ref) -> Property:
    """A property by epty's id, its matrikkel number (external id, 0301-207/80/0/0) or its Matrikkelen id
    (``matrikkelen_<matrikkelenhet id>``); PropertyNotFound (a 404 that lists these forms) otherwise."""
    from properties.models import Property

    text = str(ref).strip() if isinstance(ref, int | str) and not isinstance(ref, bool) else ""
    prop = None
    number = whole_number(text)
    if number is not None:
        prop = Property.objects.filter(pk=number).first()
    elif text.lower().startswith(MATRIKKELEN_PREFIX):
        unit_id = whole_number(text[len(MATRIKKELEN_PREFIX):])
        if unit_id is not None:
            prop = Property.objects.filter(matrikkelenhet_id=unit_id).first()
    if prop is None and text and len(text) <= EXTERNAL_ID_MAX_LENGTH:
        prop = Property.objects.filter(external_id=text).first()
    if prop is None:
        raise PropertyNotFound()
    return prop
