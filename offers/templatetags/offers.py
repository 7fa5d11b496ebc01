"""{% offer_box property as offer_box %}: the offer section's data for the property page;
{% user_owns_property as is_owner %}: whether the header offers "Offers received"."""
from __future__ import annotations

from django import template

from offers import selectors
from offers.models import NON_BINDING_NOTICE, ClaimStatus, Offer

register = template.Library()


@register.simple_tag(takes_context=True)
def offer_box(context, prop):
    user = context.get("user")
    data = {"property": prop, "notice": NON_BINDING_NOTICE, "logged_in": bool(user and user.is_authenticated),
            "live_offer": None, "is_owner": False, "claim": None, "received_count": 0}
    if data["logged_in"]:
        data["live_offer"] = Offer.objects.live().filter(property=prop, buyer=user).first()
        data["claim"] = selectors.claims_for_user(user=user).filter(property=prop).exclude(
            status=ClaimStatus.REJECTED).first()
        data["is_owner"] = bool(data["claim"] and data["claim"].status == ClaimStatus.VERIFIED)
        if data["is_owner"]:
            data["received_count"] = selectors.offers_for_owner(user=user).filter(property=prop).count()
    return data


@register.simple_tag(takes_context=True)
def user_owns_property(context) -> bool:
    return selectors.owns_any_property(user=context.get("user"))
