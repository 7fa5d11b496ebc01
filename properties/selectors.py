"""Reads from the catalogue: search with keyset (cursor) pagination."""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.humanize.templatetags.humanize import intcomma
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import F, FloatField, Q, QuerySet
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import reference
from .filters import CONTROL_PARAMS, SORTS, PropertyFilter
from .models import FactSource, Property

EARTH_RADIUS_KM = 6371.0088
COUNT_CAP = 10_000
_CURSOR_SALT = "properties.search.cursor"

LIST_FIELDS = (
    "id", "external_id", "source", "category", "building_type_code", "address", "postcode", "town",
    "municipality_number", "municipality_name", "county_number", "county_name", "lat", "lon",
    "usable_area", "plot_area", "rooms", "bedrooms", "floors", "year_built", "features",
    "estimate", "estimate_low", "estimate_high", "estimate_source", "fact_sources",
)


@dataclass
class SearchPage:
    results: list[Property]
    next_cursor: str | None
    count: int | None  # only when asked for: capped at COUNT_CAP, see count_is_exact
    count_is_exact: bool
    filters: dict
    sort: str


def property_get(*, pk: int) -> Property:
    """One property, retired ones included (offers and favourites still point at them)."""
    return Property.objects.get(pk=pk)


FACT_LABELS = {
    "category": gettext_lazy("Category"), "building_type_code": gettext_lazy("Building type"),
    "usable_area": gettext_lazy("Usable area"), "plot_area": gettext_lazy("Plot area"),
    "rooms": gettext_lazy("Rooms"), "bedrooms": gettext_lazy("Bedrooms"), "floors": gettext_lazy("Floors"),
    "year_built": gettext_lazy("Year built"), "features": gettext_lazy("Features"),
    "location": gettext_lazy("Position on the map"), "address": gettext_lazy("Address"),
}
# Why a fact is unknown, by the source that left it so.
UNKNOWN_BECAUSE = {
    FactSource.OPEN_REGISTER: gettext_lazy("not in Kartverket's open address register"),
    FactSource.MATRIKKEL_API: gettext_lazy("not recorded in Matrikkelen"),
    FactSource.DEMO: gettext_lazy("not generated"),
    FactSource.OWNER: gettext_lazy("not given by the owner"),
}


@dataclass(frozen=True)
class Fact:
    name: str
    label: str
    value: str | None  # None: unknown
    source: str | None  # FactSource value
    source_label: str
    synthetic: bool
    unknown_because: str


def property_facts(*, prop: Property) -> list[Fact]:
    """Each fact of a property as the page shows it: its value or "unknown", and where it came from."""
    building_type = reference.building_types().get(prop.building_type_code)
    values = {
        "address": ", ".join(p for p in (prop.address, f"{prop.postcode} {prop.town}".strip()) if p) or None,
        "location": f"{prop.lat:.5f}, {prop.lon:.5f}",
        "category": prop.get_category_display() if prop.category else None,
        "building_type_code": (f"{prop.building_type_code} {building_type.name if building_type else ''}".strip()
                               if prop.building_type_code is not None else None),
        "usable_area": f"{prop.usable_area} m²" if prop.usable_area is not None else None,
        "plot_area": f"{intcomma(prop.plot_area)} m²" if prop.plot_area is not None else None,
        "rooms": prop.rooms, "bedrooms": prop.bedrooms, "floors": prop.floors, "year_built": prop.year_built,
        "features": (", ".join(t.replace("_", " ") for t in prop.features) or _("none")) if prop.features_known
        else (", ".join(t.replace("_", " ") for t in prop.features) or None),
    }
    facts = []
    for name, value in values.items():
        source = prop.fact_source(name)
        facts.append(Fact(
            name=name, label=str(FACT_LABELS[name]), value=None if value is None else str(value), source=source,
            source_label=str(FactSource(source).label) if source in FactSource.values else "",
            synthetic=source == FactSource.DEMO and value is not None,
            unknown_because=str(UNKNOWN_BECAUSE.get(source, "")) if value is None else "",
        ))
    return facts


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The same great-circle formula the database evaluates for distance filters."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def _distance_expression(lat: float, lon: float):
    phi = math.radians(lat)
    a = (Power(Sin((Radians(F("lat")) - phi) / 2), 2)
         + math.cos(phi) * Cos(Radians(F("lat"))) * Power(Sin((Radians(F("lon")) - math.radians(lon)) / 2), 2))
    return 2 * EARTH_RADIUS_KM * ASin(Sqrt(a), output_field=FloatField())


def _radius_box(lat: float, lon: float, radius_km: float) -> Q:
    """A bounding box around the circle, so the exact distance is computed only on indexed candidates."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM) * 1.001
    coslat = max(math.cos(math.radians(min(abs(lat) + dlat, 89.9))), 1e-6)
    dlon = min(dlat / coslat, 180.0)
    return Q(lat__gte=lat - dlat, lat__lte=lat + dlat, lon__gte=lon - dlon, lon__lte=lon + dlon)


def properties_filters_validate(params: Mapping[str, str]) -> PropertyFilter:
    """Validate search parameters exactly as a search does (saved searches and alerts reuse this).

    Raises ValidationError with a stable code per field; unknown parameters are refused.
    """
    filterset = PropertyFilter(data=params, queryset=Property.objects.active())
    unknown = sorted(set(params) - set(filterset.filters) - CONTROL_PARAMS)
    if unknown:
        raise ValidationError({name: ValidationError(_("Unknown search parameter."), code="unknown_parameter")
                               for name in unknown})
    if not filterset.is_valid():
        raise ValidationError({field: errors.as_data() for field, errors in filterset.form.errors.items()})
    return filterset


def _keyset_after(field: str, direction: str, value, last_id: int) -> Q:
    """Non-NULL rows strictly after (value, last_id) in `field direction, id direction` order."""
    cmp, bound, idcmp = ("gt", "gte", "gt") if direction == "asc" else ("lt", "lte", "lt")
    after = Q(**{f"{field}__{cmp}": value}) | Q(**{field: value, f"id__{idcmp}": last_id})
    # The redundant bound lets the database start its index range scan at the cursor.
    return Q(**{f"{field}__{bound}": value}) & after


def _decode_cursor(cursor: str, sort: str) -> tuple:
    try:
        payload = signing.loads(cursor, salt=_CURSOR_SALT)
        cursor_sort, value, last_id = payload
        if cursor_sort != sort or not isinstance(last_id, int):
            raise ValueError
    except (signing.BadSignature, ValueError, TypeError):
        raise ValidationError({"cursor": ValidationError(_("This page link is not valid any more; start the search again."),
                                                        code="invalid_cursor")}) from None
    return value, last_id


def properties_search(*, params: Mapping[str, str], cursor: str | None = None, page_size: int = 25,
                      with_count: bool = False) -> SearchPage:
    """Validate the filters, then return one page of matching properties in a stable order.

    Pagination is by keyset (sort value, id): every matching row appears exactly once
    across pages, even while rows are inserted between requests. Counting is opt-in: a
    page costs a few index reads, but counting a broad or unindexed match (features, say)
    reads every matching row, up to COUNT_CAP.
    """
    filterset = properties_filters_validate(params)
    data = filterset.form.cleaned_data
    sort = data["sort"]
    queryset = filterset.qs

    near, radius = data.get("near"), data.get("radius_km")
    if near is not None:
        queryset = queryset.filter(_radius_box(*near, radius)).annotate(distance=_distance_expression(*near))
        queryset = queryset.filter(distance__lte=radius)

    field, direction = SORTS[sort]
    order = F(field).asc(nulls_last=True) if direction == "asc" else F(field).desc(nulls_last=True)
    queryset = queryset.order_by(order, "id" if direction == "asc" else "-id")

    counted = queryset.order_by()[: COUNT_CAP + 1].count() if with_count else None

    # Keys first, rows second: the first query reads only (id, sort key), which PostgreSQL can
    # answer from a covering index without visiting the table for rows that fail a filter;
    # the second fetches the page's rows by primary key.
    keys = queryset.values_list("id", field)
    limit = page_size + 1
    if not cursor:
        found = list(keys[:limit])
    else:
        # NULLs sort last. Each part is read with its own index range scan: the non-NULL
        # rows after the cursor, then (only when those run out) the NULL block by id.
        value, last_id = _decode_cursor(cursor, sort)
        idcmp = "gt" if direction == "asc" else "lt"
        null_block = keys.filter(**{f"{field}__isnull": True})
        if value is None:
            found = list(null_block.filter(**{f"id__{idcmp}": last_id})[:limit])
        else:
            found = list(keys.filter(_keyset_after(field, direction, value, last_id))[:limit])
            if len(found) < limit and field != "distance":
                found += list(null_block[: limit - len(found)])
    by_id = Property.objects.only(*LIST_FIELDS).in_bulk([pk for pk, _ in found[:page_size]])
    rows = []
    for pk, key in found[:page_size]:
        row = by_id[pk]
        if field == "distance":
            row.distance = key
        rows.append(row)
    next_cursor = None
    if len(found) > page_size:
        last_id, last_key = found[page_size - 1]
        next_cursor = signing.dumps([sort, last_key, last_id], salt=_CURSOR_SALT, compress=True)
    cleaned = {k: v for k, v in data.items() if v not in (None, "", [])}
    return SearchPage(
        results=rows,
        next_cursor=next_cursor,
        count=min(counted, COUNT_CAP) if counted is not None else None,
        count_is_exact=counted is not None and counted <= COUNT_CAP,
        filters=cleaned,
        sort=sort,
    )
