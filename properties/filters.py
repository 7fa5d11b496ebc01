"""The search filters, shared by the search page and the API.

Every parameter is parsed and validated here; a bad value is a ValidationError
with a stable code per field, never a silently ignored filter.
"""
from __future__ import annotations

import math

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from . import reference
from .models import Category

SORTS = {
    "-estimate": ("estimate", "desc"),
    "estimate": ("estimate", "asc"),
    "-area": ("usable_area", "desc"),
    "area": ("usable_area", "asc"),
    "newest": ("year_built", "desc"),
    "distance": ("distance", "asc"),
}
DEFAULT_SORT = "-estimate"
# Parameters that are not filters but may appear in a search URL.
CONTROL_PARAMS = {"cursor", "format", "count"}
MAX_LIST_ITEMS = 20
MAX_QUERY_LENGTH = 100
MIN_QUERY_LENGTH = 2


def _split(value: str) -> list[str]:
    items = [item.strip() for item in value.split(",") if item.strip()]
    if len(items) > MAX_LIST_ITEMS:
        raise ValidationError(_("At most %(n)d values.") % {"n": MAX_LIST_ITEMS}, code="too_many_values")
    return items


def _int(value: str, *, minimum: int = 0, maximum: int = 10**12) -> int:
    try:
        number = int(value.strip().replace(" ", "").replace("_", ""))
    except (ValueError, AttributeError):
        raise ValidationError(_("Enter a whole number."), code="invalid_number") from None
    if not minimum <= number <= maximum:
        raise ValidationError(_("Enter a number between %(min)d and %(max)d.") % {"min": minimum, "max": maximum},
                              code="out_of_range")
    return number


def _floats(value: str, count: int, code: str, message: str) -> list[float]:
    parts = value.split(",")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise ValidationError(message, code=code) from None
    if len(numbers) != count or not all(math.isfinite(n) for n in numbers):
        raise ValidationError(message, code=code)
    return numbers


class PropertySearchForm(forms.Form):
    """Parses the raw strings of every filter into typed values (clean_<name>)."""

    def clean_municipality(self):
        raw = self.cleaned_data.get("municipality")
        if not raw:
            return None
        numbers, unknown = set(), []
        for item in _split(raw):
            found = reference.municipality_numbers_for(item)
            numbers.update(found) if found else unknown.append(item)
        if unknown:
            raise ValidationError(_("Unknown municipality: %(v)s.") % {"v": ", ".join(unknown)}, code="unknown_municipality")
        return sorted(numbers)

    def clean_county(self):
        raw = self.cleaned_data.get("county")
        if not raw:
            return None
        numbers, unknown = set(), []
        for item in _split(raw):
            number = reference.county_number_for(item)
            numbers.add(number) if number else unknown.append(item)
        if unknown:
            raise ValidationError(_("Unknown county: %(v)s.") % {"v": ", ".join(unknown)}, code="unknown_county")
        return sorted(numbers)

    def clean_category(self):
        raw = self.cleaned_data.get("category")
        if not raw:
            return None
        values = _split(raw)
        unknown = [v for v in values if v not in Category.values]
        if unknown:
            raise ValidationError(_("Unknown category: %(v)s. Use one of %(ok)s.")
                                  % {"v": ", ".join(unknown), "ok": ", ".join(Category.values)}, code="unknown_category")
        return sorted(set(values))

    def clean_building_type(self):
        raw = self.cleaned_data.get("building_type")
        if not raw:
            return None
        codes = set()
        for item in _split(raw):
            if not item.isdigit() or int(item) not in reference.building_types():
                raise ValidationError(_("Unknown building type code: %(v)s.") % {"v": item}, code="unknown_building_type")
            codes.add(int(item))
        return sorted(codes)

    def clean_features(self):
        raw = self.cleaned_data.get("features")
        if not raw:
            return None
        values = _split(raw)
        unknown = [v for v in values if v not in reference.FEATURE_BITS]
        if unknown:
            raise ValidationError(_("Unknown feature: %(v)s.") % {"v": ", ".join(unknown)}, code="unknown_feature")
        return reference.feature_mask(values)

    def clean_bbox(self):
        raw = self.cleaned_data.get("bbox")
        if not raw:
            return None
        message = _("bbox must be min_lon,min_lat,max_lon,max_lat in WGS84 degrees.")
        min_lon, min_lat, max_lon, max_lat = _floats(raw, 4, "invalid_bbox", message)
        if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
            raise ValidationError(message, code="invalid_bbox")
        if max_lon - min_lon > settings.SEARCH_MAX_BBOX_DEGREES * 2 or max_lat - min_lat > settings.SEARCH_MAX_BBOX_DEGREES:
            raise ValidationError(_("The bounding box is too large."), code="bbox_too_large")
        return (min_lon, min_lat, max_lon, max_lat)

    def clean_near(self):
        raw = self.cleaned_data.get("near")
        if not raw:
            return None
        message = _("near must be lat,lon in WGS84 degrees.")
        lat, lon = _floats(raw, 2, "invalid_point", message)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValidationError(message, code="invalid_point")
        return (lat, lon)

    def clean_radius_km(self):
        raw = self.cleaned_data.get("radius_km")
        if not raw:
            return None
        try:
            radius = float(raw)
        except ValueError:
            raise ValidationError(_("Enter a number of kilometres."), code="invalid_number") from None
        if not (math.isfinite(radius) and 0.05 <= radius <= settings.SEARCH_MAX_RADIUS_KM):
            raise ValidationError(_("The radius must be between 0.05 and %(max)d km.") % {"max": settings.SEARCH_MAX_RADIUS_KM},
                                  code="radius_out_of_range")
        return radius

    def clean_q(self):
        raw = (self.cleaned_data.get("q") or "").strip()
        if not raw:
            return None
        folded = reference.fold(raw.replace(",", " "))  # "Gobakkvegen 438, Elverum": commas only separate words
        if len(folded) < MIN_QUERY_LENGTH or len(folded) > MAX_QUERY_LENGTH:
            raise ValidationError(_("Search text must be %(min)d to %(max)d characters.")
                                  % {"min": MIN_QUERY_LENGTH, "max": MAX_QUERY_LENGTH}, code="invalid_query")
        return folded

    def clean_sort(self):
        raw = (self.cleaned_data.get("sort") or "").strip()
        if not raw:
            return DEFAULT_SORT
        if raw not in SORTS:
            raise ValidationError(_("Unknown sort %(v)s. Use one of %(ok)s.") % {"v": raw, "ok": ", ".join(SORTS)},
                                  code="invalid_sort")
        return raw

    def clean(self):
        data = super().clean()
        for low, high in (("estimate_min", "estimate_max"), ("area_min", "area_max"), ("year_min", "year_max")):
            if data.get(low) is not None and data.get(high) is not None and data[low] > data[high]:
                self.add_error(low, ValidationError(_("The minimum is larger than the maximum."), code="min_gt_max"))
        if data.get("radius_km") is not None and data.get("near") is None and "near" not in self.errors:
            self.add_error("radius_km", ValidationError(_("radius_km needs near=lat,lon."), code="radius_needs_point"))
        if data.get("near") is not None and data.get("radius_km") is None and "radius_km" not in self.errors:
            self.add_error("near", ValidationError(_("near needs radius_km."), code="point_needs_radius"))
        if data.get("sort") == "distance" and data.get("near") is None and "near" not in self.errors:
            self.add_error("sort", ValidationError(_("Sorting by distance needs near=lat,lon."), code="distance_needs_point"))
        return data


def _number_clean(name: str, **limits):
    def clean(self):
        raw = self.cleaned_data.get(name)
        return None if raw in (None, "") else _int(raw, **limits)
    return clean


NUMBER_LIMITS = {
    "estimate_min": {"maximum": 10**11}, "estimate_max": {"maximum": 10**11},
    "area_min": {"maximum": 10**7}, "area_max": {"maximum": 10**7},
    "rooms_min": {"maximum": 1000}, "bedrooms_min": {"maximum": 1000},
    "year_min": {"minimum": 1000, "maximum": 2100}, "year_max": {"minimum": 1000, "maximum": 2100},
}
for _name, _limits in NUMBER_LIMITS.items():
    setattr(PropertySearchForm, f"clean_{_name}", _number_clean(_name, **_limits))


def _filter(help_text: str, method: str) -> django_filters.CharFilter:
    return django_filters.CharFilter(method=method, help_text=help_text)


class PropertyFilter(django_filters.FilterSet):
    municipality = _filter("Municipality numbers or names, comma-separated (0301, Bergen, Tromsø).", "filter_municipality")
    county = _filter("County numbers or names, comma-separated (03, Vestland).", "filter_county")
    category = _filter("Categories, comma-separated: residential, cabin, commercial.", "filter_category")
    building_type = _filter("NS 3457 building type codes, comma-separated (111, 161).", "filter_building_type")
    estimate_min = _filter("Minimum price estimate, NOK.", "filter_gte")
    estimate_max = _filter("Maximum price estimate, NOK.", "filter_lte")
    area_min = _filter("Minimum usable area, m².", "filter_gte")
    area_max = _filter("Maximum usable area, m².", "filter_lte")
    rooms_min = _filter("Minimum number of rooms.", "filter_gte")
    bedrooms_min = _filter("Minimum number of bedrooms.", "filter_gte")
    year_min = _filter("Built in or after this year.", "filter_gte")
    year_max = _filter("Built in or before this year.", "filter_lte")
    features = _filter(f"Feature tags that must all be present, comma-separated: {', '.join(reference.FEATURES)}. "
                       "A tag matches only where a source recorded it (see fact_sources): Kartverket's registers record "
                       "none, so properties from them never match; today only synthetic demo data has tags.",
                       "filter_features")
    bbox = _filter("Bounding box min_lon,min_lat,max_lon,max_lat (WGS84).", "filter_bbox")
    near = _filter("A point lat,lon (WGS84); use with radius_km.", "filter_noop")
    radius_km = _filter("Distance from near, km (0.05–100).", "filter_noop")
    q = _filter("Free-text address search (street, postcode, town).", "filter_q")
    sort = _filter(f"Sort order: {', '.join(SORTS)} (default {DEFAULT_SORT}).", "filter_noop")

    FIELD_FOR = {
        "estimate_min": "estimate", "estimate_max": "estimate", "area_min": "usable_area", "area_max": "usable_area",
        "rooms_min": "rooms", "bedrooms_min": "bedrooms", "year_min": "year_built", "year_max": "year_built",
    }

    class Meta:
        form = PropertySearchForm
        fields: list[str] = []

    def filter_noop(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset  # near/radius_km/sort are applied by the selector

    def filter_municipality(self, queryset, name, value):
        return queryset.filter(municipality_number__in=value)

    def filter_county(self, queryset, name, value):
        return queryset.filter(county_number__in=value)

    def filter_category(self, queryset, name, value):
        return queryset.filter(category__in=value)

    def filter_building_type(self, queryset, name, value):
        return queryset.filter(building_type_code__in=value)

    def filter_gte(self, queryset, name, value):
        return queryset.filter(**{f"{self.FIELD_FOR[name]}__gte": value})

    def filter_lte(self, queryset, name, value):
        return queryset.filter(**{f"{self.FIELD_FOR[name]}__lte": value})

    def filter_features(self, queryset, name, value):
        from django.db.models import F

        return queryset.alias(_features=F("feature_mask").bitand(value)).filter(_features=value)

    def filter_bbox(self, queryset, name, value):
        min_lon, min_lat, max_lon, max_lat = value
        return queryset.filter(lon__gte=min_lon, lon__lte=max_lon, lat__gte=min_lat, lat__lte=max_lat)

    def filter_q(self, queryset, name, value):
        condition = Q()
        for word in value.split():
            condition &= Q(search_text__contains=word)
        return queryset.filter(condition)
