from __future__ import annotations

from django import template

from offers.selectors import is_verified_owner

from .. import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def owner_box(context, prop) -> dict:
    """What the property page shows of the owners' content, and whether the reader may edit it."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "is_owner": is_verified_owner(user=user, property_id=prop.pk),
        "content": selectors.property_owner_content(prop=prop),
    }
