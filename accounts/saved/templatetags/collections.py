"""Template tags for the heart button and saved markers: ``{% load collections %}``.

``{% saved_property_ids page.results as saved_ids %}`` — the ids among these properties that the
user has saved in any collection, in one query (none for anonymous users); then
``{% include "accounts/saved/_heart.html" with property=p %}`` per row.
"""
from __future__ import annotations

from django import template

from ..models import AlertFrequency, Collection, SavedProperty
from ..selectors import saved_property_ids as _saved_property_ids

register = template.Library()


@register.simple_tag(takes_context=True)
def saved_property_ids(context, properties) -> set[int]:
    user = context.get("user")
    if not getattr(user, "is_authenticated", False) or not properties:
        return set()
    if not isinstance(properties, (list, tuple)):
        properties = [properties]
    return _saved_property_ids(user=user, property_ids=[p.id for p in properties])


@register.simple_tag(takes_context=True)
def all_saved_property_ids(context) -> list[int]:
    """Every property the user has saved, in one query: the search page's hearts, in its list and map popups."""
    user = context.get("user")
    if not getattr(user, "is_authenticated", False):
        return []
    return sorted(SavedProperty.objects.filter(collection__user=user).order_by()
                  .values_list("property_id", flat=True).distinct())


@register.simple_tag(takes_context=True)
def user_collections(context) -> list[Collection]:
    user = context.get("user")
    if not getattr(user, "is_authenticated", False):
        return []
    return list(Collection.objects.filter(user=user))


@register.simple_tag
def alert_frequencies():
    return AlertFrequency.choices
