"""Reads for offers: who may see what, and the owner's anonymised view of an offer.

Everything an owner sees of an offer (page, API, e-mail) goes through ``offer_owner_view``: it is
the one place that decides whether the buyer's identity is shown.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet
from django.http import Http404

from epty.numbers import whole_number

from .errors import PropertyNotFound
from .models import VERIFIED_BUYER, Actor, ClaimStatus, Offer, OfferEvent, OfferStatus, OwnershipClaim

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


def timeline(*, offer: Offer, show_actors: bool = False) -> list[dict]:
    """The offer's history. Parties see roles only; ``show_actors`` (staff) adds the acting user."""
    rows = []
    events = OfferEvent.objects.filter(offer=offer).order_by("created_at", "id")
    if show_actors:
        events = events.select_related("actor")
    for event in events:
        row = {"at": event.created_at, "kind": event.kind, "actor": event.actor_role,
               "actor_display": str(Actor(event.actor_role).label), "from_status": event.from_status or None,
               "to_status": event.to_status, "amount": event.amount, "reason": event.reason,
               "from_status_display": _status_label(event.from_status),
               "to_status_display": _status_label(event.to_status)}
        if show_actors:
            row["actor_user"] = str(event.actor) if event.actor else None
        rows.append(row)
    return rows


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
