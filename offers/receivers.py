"""offers listens to the catalogue: a view of a property's page is counted unless a verified owner of it
looks (properties.services.property_view_record: a count per property and day, never who)."""
from __future__ import annotations

from properties.services import property_view_record

from . import selectors


def property_viewed(sender, *, property, user, **kwargs) -> None:
    if selectors.is_verified_owner(user=user, property_id=property.pk):
        return
    property_view_record(property_id=property.pk)
