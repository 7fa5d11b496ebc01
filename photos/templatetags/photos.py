"""{% property_gallery property as gallery %}: the property page's photos (visible ones; an owner or staff
member also sees hidden ones, marked) and whether the viewer may manage them."""
from __future__ import annotations

from django import template

from offers.selectors import can_moderate
from photos import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def property_gallery(context, prop) -> dict:
    user = context.get("user")
    can_manage = selectors.can_manage(user=user, property_id=prop.pk)
    include_hidden = can_manage or can_moderate(user)
    photos = list(selectors.photos_of_property(property_id=prop.pk, include_hidden=include_hidden))
    cover = selectors.cover_of(photos)
    items = [{"photo": p, **selectors.photo_urls(p)} for p in photos]
    # The cover first in the large view; the thumbnails in the owners' order.
    main = next((item for item in items if cover is not None and item["photo"] == cover), items[0] if items else None)
    return {"items": items, "main": main, "main_number": items.index(main) + 1 if main else 0,
            "can_manage": can_manage}
