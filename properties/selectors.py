"""Reads from the catalogue. Search lives in properties.search (selectors: properties_search)."""
from __future__ import annotations

from .models import Property


def property_get(*, pk: int) -> Property:
    """One property, retired ones included (offers and favourites still point at them)."""
    return Property.objects.get(pk=pk)
