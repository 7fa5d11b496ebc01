"""Every search parameter, one row each: the one place that says what a parameter means.

A row (:class:`Param`) gives the parameter's name, how its text is parsed and validated (with a
stable error code per problem), its help text for the API docs, its label on the search page, the
SQL filter it applies, and the same filter as a Python predicate over a property row (the alerts
evaluate saved searches on changed properties with it). The search page's form and FilterSet, the
API's documented parameters, the search's SQL and the alert matcher are all derived from this
table (see ``forms``, ``matcher`` and ``selectors`` beside this module). The predicate follows SQL's
NULL semantics: a missing value never satisfies a bound. A property-based test checks, over a
generated catalogue, that the SQL and the predicate select the same rows for random parameter sets.

Adding a filter means adding a row here (and, if the predicate reads a column nobody read before,
naming it in ``columns``); the page shows a labelled input for it unless its template lays it out.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import F, FloatField, Q, QuerySet
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt
from django.utils.translation import gettext_lazy as _

from epty.numbers import whole_number as ascii_whole_number

from .. import reference, regions
from ..geo import EARTH_RADIUS_KM, haversine_km
from ..models import Category

if TYPE_CHECKING:  # django-stubs-ext is a development requirement: the image does not have it
    from django_stubs_ext import StrOrPromise

Row = Mapping[str, Any]
Predicate = Callable[[Row], bool]

FILTER, OPTION, CONTROL = "filter", "option", "control"

SORTS = {
    "-estimate": ("estimate", "desc"),
    "estimate": ("estimate", "asc"),
    "-area": ("usable_area", "desc"),
    "area": ("usable_area", "asc"),
    "newest": ("year_built", "desc"),
    "distance": ("distance", "asc"),
    "open_to_offers": ("open_to_offers_since", "desc"),  # open to offers first, most recently opened first
}
DEFAULT_SORT = "-estimate"
MAX_LIST_ITEMS = 20
MAX_QUERY_LENGTH = 100
MIN_QUERY_LENGTH = 2


@dataclass(frozen=True, eq=False)
class Param:
    """One search parameter.

    kind: ``filter`` (narrows the results: has ``sql`` and ``predicate``), ``option`` (shapes the
    search without filtering on its own: sort, radius_km) or ``control`` (paging and output: cursor,
    count, format; never part of a saved search or the history).
    parse: the stripped, non-blank text → the value; raises ValidationError with a stable code.
    Blank text is ``default``. sql(queryset, value, values) → queryset, where ``values`` holds every
    parameter's parsed value. predicate(value, values) → a function of a property row (a dict with
    at least ``columns``) that is true when the row matches; built once per search, called per row.
    """

    name: str
    help_text: str
    parse: Callable[[str], Any]
    kind: str = FILTER
    sql: Callable[[QuerySet, Any, dict[str, Any]], QuerySet] | None = None
    predicate: Callable[[Any, dict[str, Any]], Predicate] | None = None
    columns: tuple[str, ...] = ()
    label: Any = ""
    default: Any = None
    openapi_type: type = str
    documented: bool = True

    def __post_init__(self) -> None:
        if self.kind == FILTER and (self.sql is None or self.predicate is None):
            raise ValueError(f"The filter {self.name!r} needs both its SQL and its predicate.")


# --- parsing helpers ------------------------------------------------------------------------------
def _split(value: str) -> list[str]:
    items = [item.strip() for item in value.split(",") if item.strip()]
    if len(items) > MAX_LIST_ITEMS:
        raise ValidationError(_("At most %(n)d values.") % {"n": MAX_LIST_ITEMS}, code="too_many_values")
    return items


def whole_number(*, minimum: int = 0, maximum: int = 10**12) -> Callable[[str], int]:
    def parse(value: str) -> int:
        number = ascii_whole_number(value, separators=True, signed=True)
        if number is None:
            raise ValidationError(_("Enter a whole number."), code="invalid_number")
        if not minimum <= number <= maximum:
            raise ValidationError(_("Enter a number between %(min)d and %(max)d.") % {"min": minimum, "max": maximum},
                                  code="out_of_range")
        return number
    return parse


MAX_PAGE_SIZE = 100


def _page_size(raw: str) -> int:
    size = ascii_whole_number(raw, max_digits=3)
    if size is None or not 1 <= size <= MAX_PAGE_SIZE:
        raise ValidationError(_("Give limit as a whole number from 1 to %(max)d.") % {"max": MAX_PAGE_SIZE},
                              code="invalid_limit")
    return size


def _floats(value: str, count: int, code: str, message: StrOrPromise) -> list[float]:
    try:
        numbers = [float(p) for p in value.split(",")]
    except ValueError:
        raise ValidationError(message, code=code) from None
    if len(numbers) != count or not all(math.isfinite(n) for n in numbers):
        raise ValidationError(message, code=code)
    return numbers


def municipality_suggestions(value: str) -> list[str]:
    """Municipality names close to a misspelt one: the places' own "did you mean", without county names."""
    return [name for name in regions.suggestions(value) if reference.municipality_numbers_for(name)]


def _municipalities(raw: str) -> list[str]:
    numbers, unknown = set(), []
    for item in _split(raw):
        found = reference.municipality_numbers_for(item)
        numbers.update(found) if found else unknown.append(item)
    if unknown:
        message = _("Unknown municipality: %(v)s.") % {"v": ", ".join(unknown)}
        hints = [name for item in unknown for name in municipality_suggestions(item)]
        if hints:  # the same "did you mean" as market trends and the recommender
            message += " " + _("Did you mean %(hints)s?") % {"hints": ", ".join(hints)}
        raise ValidationError(message, code="unknown_municipality")
    return sorted(numbers)


def _counties(raw: str) -> list[str]:
    numbers, unknown = set(), []
    for item in _split(raw):
        number = reference.county_number_for(item)
        numbers.add(number) if number else unknown.append(item)
    if unknown:
        raise ValidationError(_("Unknown county: %(v)s.") % {"v": ", ".join(unknown)}, code="unknown_county")
    return sorted(numbers)


def _categories(raw: str) -> list[str]:
    values = _split(raw)
    unknown = [v for v in values if v not in Category.values]
    if unknown:
        raise ValidationError(_("Unknown category: %(v)s. Use one of %(ok)s.")
                              % {"v": ", ".join(unknown), "ok": ", ".join(Category.values)}, code="unknown_category")
    return sorted(set(values))


def _building_types(raw: str) -> list[int]:
    codes = set()
    for item in _split(raw):
        code = ascii_whole_number(item, max_digits=4)
        if code is None or code not in reference.building_types():
            raise ValidationError(_("Unknown building type code: %(v)s.") % {"v": item}, code="unknown_building_type")
        codes.add(code)
    return sorted(codes)


def _features(raw: str) -> int:
    values = _split(raw)
    unknown = [v for v in values if v not in reference.FEATURE_BITS]
    if unknown:
        raise ValidationError(_("Unknown feature: %(v)s.") % {"v": ", ".join(unknown)}, code="unknown_feature")
    return reference.feature_mask(values)


def _bbox(raw: str) -> tuple[float, float, float, float]:
    message = _("bbox must be min_lon,min_lat,max_lon,max_lat in WGS84 degrees.")
    min_lon, min_lat, max_lon, max_lat = _floats(raw, 4, "invalid_bbox", message)
    if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
        raise ValidationError(message, code="invalid_bbox")
    if max_lon - min_lon > settings.SEARCH_MAX_BBOX_DEGREES * 2 or max_lat - min_lat > settings.SEARCH_MAX_BBOX_DEGREES:
        raise ValidationError(_("The bounding box is too large."), code="bbox_too_large")
    return (min_lon, min_lat, max_lon, max_lat)


def _point(raw: str) -> tuple[float, float]:
    message = _("near must be lat,lon in WGS84 degrees.")
    lat, lon = _floats(raw, 2, "invalid_point", message)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError(message, code="invalid_point")
    return (lat, lon)


def _radius(raw: str) -> float:
    try:
        radius = float(raw)
    except ValueError:
        raise ValidationError(_("Enter a number of kilometres."), code="invalid_number") from None
    if not (math.isfinite(radius) and 0.05 <= radius <= settings.SEARCH_MAX_RADIUS_KM):
        raise ValidationError(
            _("The radius must be between 0.05 and %(max)d km.") % {"max": settings.SEARCH_MAX_RADIUS_KM},
            code="radius_out_of_range",
        )
    return radius


def _text(raw: str) -> str:
    folded = reference.fold(raw.replace(",", " "))  # "Gobakkvegen 438, Elverum": commas only separate words
    if (len(folded) < MIN_QUERY_LENGTH or len(folded) > MAX_QUERY_LENGTH
            or any(ord(ch) < 32 for ch in folded)):  # control characters (NUL) cannot be stored or searched
        raise ValidationError(_("Search text must be %(min)d to %(max)d characters.")
                              % {"min": MIN_QUERY_LENGTH, "max": MAX_QUERY_LENGTH}, code="invalid_query")
    return folded


def _sort(raw: str) -> str:
    if raw not in SORTS:
        raise ValidationError(_("Unknown sort %(v)s. Use one of %(ok)s.") % {"v": raw, "ok": ", ".join(SORTS)},
                              code="invalid_sort")
    return raw


def _flag(raw: str) -> bool:
    return raw.lower() in {"1", "true", "yes"}


def _yes_no(raw: str) -> bool:
    value = raw.lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValidationError(_("Give 1 (yes) or 0 (no)."), code="invalid_flag")


def _as_is(raw: str) -> str:
    return raw


# --- SQL and predicates ---------------------------------------------------------------------------
def one_of(column: str) -> dict[str, Any]:
    """The row's ``column`` is one of the parsed values."""
    def sql(queryset: QuerySet, value: list, values: dict) -> QuerySet:
        return queryset.filter(**{f"{column}__in": value})

    def predicate(value: list, values: dict) -> Predicate:
        wanted = frozenset(value)
        return lambda row: row[column] in wanted
    return {"sql": sql, "predicate": predicate, "columns": (column,)}


def at_least(column: str) -> dict[str, Any]:
    """The row's ``column`` is known and at least the value."""
    def sql(queryset: QuerySet, value: int, values: dict) -> QuerySet:
        return queryset.filter(**{f"{column}__gte": value})

    def predicate(bound: int, values: dict) -> Predicate:
        def check(row: Row) -> bool:
            found = row[column]
            return found is not None and found >= bound
        return check
    return {"sql": sql, "predicate": predicate, "columns": (column,)}


def at_most(column: str) -> dict[str, Any]:
    """The row's ``column`` is known and at most the value."""
    def sql(queryset: QuerySet, value: int, values: dict) -> QuerySet:
        return queryset.filter(**{f"{column}__lte": value})

    def predicate(bound: int, values: dict) -> Predicate:
        def check(row: Row) -> bool:
            found = row[column]
            return found is not None and found <= bound
        return check
    return {"sql": sql, "predicate": predicate, "columns": (column,)}


def _features_sql(queryset: QuerySet, mask: int, values: dict) -> QuerySet:
    return queryset.alias(_features=F("feature_mask").bitand(mask)).filter(_features=mask)


def _features_predicate(mask: int, values: dict) -> Predicate:
    return lambda row: (row["feature_mask"] & mask) == mask


def _bbox_sql(queryset: QuerySet, box: tuple, values: dict) -> QuerySet:
    min_lon, min_lat, max_lon, max_lat = box
    return queryset.filter(lon__gte=min_lon, lon__lte=max_lon, lat__gte=min_lat, lat__lte=max_lat)


def _bbox_predicate(box: tuple, values: dict) -> Predicate:
    min_lon, min_lat, max_lon, max_lat = box
    return lambda row: min_lon <= row["lon"] <= max_lon and min_lat <= row["lat"] <= max_lat


def distance_expression(lat: float, lon: float):
    """Great-circle distance in km from (lat, lon), as the database computes it (see geo.haversine_km)."""
    phi = math.radians(lat)
    a = (Power(Sin((Radians(F("lat")) - phi) / 2), 2)
         + math.cos(phi) * Cos(Radians(F("lat"))) * Power(Sin((Radians(F("lon")) - math.radians(lon)) / 2), 2))
    return 2 * EARTH_RADIUS_KM * ASin(Sqrt(a), output_field=FloatField())


def radius_box(lat: float, lon: float, radius_km: float) -> Q:
    """A bounding box around the circle, so the exact distance is computed only on indexed candidates."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM) * 1.001
    coslat = max(math.cos(math.radians(min(abs(lat) + dlat, 89.9))), 1e-6)
    dlon = min(dlat / coslat, 180.0)
    return Q(lat__gte=lat - dlat, lat__lte=lat + dlat, lon__gte=lon - dlon, lon__lte=lon + dlon)


def _near_sql(queryset: QuerySet, point: tuple[float, float], values: dict) -> QuerySet:
    """Within radius_km of the point; annotates ``distance`` (km), which the distance sort reads."""
    radius = values["radius_km"]
    queryset = queryset.filter(radius_box(*point, radius)).annotate(distance=distance_expression(*point))
    return queryset.filter(distance__lte=radius)


def _near_predicate(point: tuple, values: dict) -> Predicate:
    lat, lon, radius = point[0], point[1], values["radius_km"]
    return lambda row: haversine_km(lat, lon, row["lat"], row["lon"]) <= radius


def _words_sql(queryset: QuerySet, text: str, values: dict) -> QuerySet:
    condition = Q()
    for word in text.split():
        condition &= Q(search_text__contains=word)
    return queryset.filter(condition)


def _words_predicate(text: str, values: dict) -> Predicate:
    words = text.split()
    return lambda row: all(word in row["search_text"] for word in words)


def _open_sql(queryset: QuerySet, wanted: bool, values: dict) -> QuerySet:
    return queryset.filter(open_to_offers_since__isnull=False) if wanted else queryset


def _open_predicate(wanted: bool, values: dict) -> Predicate:
    if not wanted:
        return lambda row: True
    return lambda row: row["open_to_offers_since"] is not None


# --- cross-parameter rules ------------------------------------------------------------------------
Rule = Callable[[dict[str, Any], set[str]], list[tuple[str, ValidationError]]]


def min_not_above_max(low: str, high: str) -> Rule:
    def rule(values: dict, failed: set[str]) -> list[tuple[str, ValidationError]]:
        if values.get(low) is not None and values.get(high) is not None and values[low] > values[high]:
            return [(low, ValidationError(_("The minimum is larger than the maximum."), code="min_gt_max"))]
        return []
    return rule


def _point_and_radius(values: dict, failed: set[str]) -> list[tuple[str, ValidationError]]:
    errors = []
    if values.get("radius_km") is not None and values.get("near") is None and "near" not in failed:
        errors.append(("radius_km", ValidationError(_("radius_km needs near=lat,lon."), code="radius_needs_point")))
    if values.get("near") is not None and values.get("radius_km") is None and "radius_km" not in failed:
        errors.append(("near", ValidationError(_("near needs radius_km."), code="point_needs_radius")))
    if values.get("sort") == "distance" and values.get("near") is None and "near" not in failed:
        errors.append(
            ("sort", ValidationError(_("Sorting by distance needs near=lat,lon."), code="distance_needs_point"))
        )
    return errors


# --- the table ------------------------------------------------------------------------------------
def _range(name: str, column: str, bound: Callable[[str], dict], parse: Callable[[str], int], help_text: str,
           label: Any) -> Param:
    return Param(name, help_text, parse, label=label, **bound(column))


_PARAMS: list[Param] = [
    Param("municipality", "Municipality numbers or names, comma-separated (0301, Bergen, Tromsø).", _municipalities,
          label=_("Municipality (name or number)"), **one_of("municipality_number")),
    Param("county", "County numbers or names, comma-separated (03, Vestland).", _counties,
          label=_("County"), **one_of("county_number")),
    Param("category", "Categories, comma-separated: residential, cabin, commercial.", _categories,
          label=_("Category"), **one_of("category")),
    Param("building_type", "NS 3457 building type codes, comma-separated (111, 161).", _building_types,
          label=_("Building type code"), **one_of("building_type_code")),
    _range("estimate_min", "estimate", at_least, whole_number(maximum=10**11), "Minimum price estimate, NOK.",
           _("Minimum estimate")),
    _range("estimate_max", "estimate", at_most, whole_number(maximum=10**11), "Maximum price estimate, NOK.",
           _("Maximum estimate")),
    _range("area_min", "usable_area", at_least, whole_number(maximum=10**7), "Minimum usable area, m².",
           _("Minimum area")),
    _range("area_max", "usable_area", at_most, whole_number(maximum=10**7), "Maximum usable area, m².",
           _("Maximum area")),
    _range("rooms_min", "rooms", at_least, whole_number(maximum=1000), "Minimum number of rooms.",
           _("Rooms, at least")),
    _range("bedrooms_min", "bedrooms", at_least, whole_number(maximum=1000), "Minimum number of bedrooms.",
           _("Bedrooms, at least")),
    _range("year_min", "year_built", at_least, whole_number(minimum=1000, maximum=2100), "Built in or after this year.",
           _("Built from")),
    _range("year_max", "year_built", at_most, whole_number(minimum=1000, maximum=2100), "Built in or before this year.",
           _("Built until")),
    Param("features", f"Feature tags that must all be present, comma-separated: {', '.join(reference.FEATURES)}. "
          "A tag matches only where a source recorded it (see fact_sources): Kartverket's registers record "
          "none, so properties from them never match; today only synthetic demo data has tags.",
          _features, label=_("Must have"), sql=_features_sql, predicate=_features_predicate, columns=("feature_mask",)),
    Param("open_to_offers", "1: only properties whose owner is open to offers (a verified owner set the flag); "
          "0 or absent: all.", _yes_no, label=_("Open to offers"), sql=_open_sql, predicate=_open_predicate,
          columns=("open_to_offers_since",), openapi_type=bool),
    Param("bbox", "Bounding box min_lon,min_lat,max_lon,max_lat (WGS84).", _bbox, label="bbox",
          sql=_bbox_sql, predicate=_bbox_predicate, columns=("lat", "lon")),
    Param("near", "A point lat,lon (WGS84); use with radius_km.", _point, label="near",
          sql=_near_sql, predicate=_near_predicate, columns=("lat", "lon")),
    Param("radius_km", "Distance from near, km (0.05–100).", _radius, kind=OPTION, label="radius_km"),
    Param("q", "Free-text address search (street, postcode, town).", _text, label=_("Address, postcode or town"),
          sql=_words_sql, predicate=_words_predicate, columns=("search_text",)),
    Param("sort", f"Sort order: {', '.join(SORTS)} (default {DEFAULT_SORT}).", _sort, kind=OPTION,
          label=_("Sort by"), default=DEFAULT_SORT),
    Param("cursor", "Opaque page cursor from `next`.", _as_is, kind=CONTROL),
    Param("count", "Also count the matches (up to 10,000). Costs a scan of the matching rows; leave it off "
          "for fast paging.", _flag, kind=CONTROL, default=False, openapi_type=bool),
    Param("limit", f"Results per page, 1–{MAX_PAGE_SIZE} (default 25).", _page_size, kind=CONTROL, openapi_type=int),
    Param("format", "Response format (DRF).", _as_is, kind=CONTROL, documented=False),
]
_RULES: list[Rule] = [
    min_not_above_max("estimate_min", "estimate_max"),
    min_not_above_max("area_min", "area_max"),
    min_not_above_max("year_min", "year_max"),
    _point_and_radius,
]
_version = 0


def version() -> int:
    """Changes whenever the table does; derived classes are rebuilt when it moves."""
    return _version


def params() -> tuple[Param, ...]:
    """Every parameter, in the order forms show them and errors are listed."""
    return tuple(_PARAMS)


def param(name: str) -> Param:
    for row in _PARAMS:
        if row.name == name:
            return row
    raise KeyError(name)


def form_params() -> tuple[Param, ...]:
    """The parameters a search form takes: filters and options (not paging controls)."""
    return tuple(p for p in _PARAMS if p.kind != CONTROL)


def filter_params() -> tuple[Param, ...]:
    return tuple(p for p in _PARAMS if p.kind == FILTER)


def control_names() -> frozenset[str]:
    return frozenset(p.name for p in _PARAMS if p.kind == CONTROL)


def rules() -> tuple[Rule, ...]:
    return tuple(_RULES)


def predicate_columns() -> tuple[str, ...]:
    """The property columns the predicates of all filters read (what the alerts load per changed property)."""
    return tuple(dict.fromkeys(column for p in filter_params() for column in p.columns))


def register(row: Param, *, before: str = "cursor", rule: Rule | None = None) -> None:
    """Add a row (before the control parameters, by default) and, optionally, a cross-parameter rule."""
    global _version
    if any(p.name == row.name for p in _PARAMS):
        raise ValueError(f"The search parameter {row.name!r} exists already.")
    _PARAMS.insert(next(i for i, p in enumerate(_PARAMS) if p.name == before), row)
    if rule is not None:
        _RULES.append(rule)
    _version += 1


def unregister(name: str, *, rule: Rule | None = None) -> None:
    global _version
    _PARAMS[:] = [p for p in _PARAMS if p.name != name]
    if rule is not None and rule in _RULES:
        _RULES.remove(rule)
    _version += 1


@contextmanager
def registered(row: Param, *, rule: Rule | None = None) -> Iterator[Param]:
    """The table with one more row for the duration of the block (tests)."""
    register(row, rule=rule)
    try:
        yield row
    finally:
        unregister(row.name, rule=rule)
