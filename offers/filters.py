"""Filters of the offer lists, shared by the pages and the API."""
from __future__ import annotations

import django_filters

from .models import OfferStatus


class OfferFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=OfferStatus.choices, help_text="Only offers in these statuses."
    )
    property = django_filters.NumberFilter(field_name="property_id", help_text="Only offers on this property id.")
