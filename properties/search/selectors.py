"""Reads: search with keyset (cursor) pagination, and validation of a search's parameters."""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Avg, Count, F, Min, Q, Sum
from django.db.models.functions import Floor
from django.utils.translation import gettext as _

from ..models import MapCell, Property
from . import params as table
from .forms import filterset_class, validation_error

COUNT_CAP = 10_000
_CURSOR_SALT = "properties.search.cursor"

LIST_FIELDS = (
    "id", "external_id", "source", "category", "building_type_code", "address", "postcode", "town",
    "municipality_number", "municipality_name", "county_number", "county_name", "lat", "lon",
    "usable_area", "plot_area", "rooms", "bedrooms", "floors", "year_built", "features",
    "estimate", "estimate_low", "estimate_high", "estimate_source", "fact_sources", "cover_photo",
    "open_to_offers_since",
)


@dataclass
class SearchPage:
    results: list[Property]
    next_cursor: str | None
    count: int | None  # only when asked for: capped at COUNT_CAP, see count_is_exact
    count_is_exact: bool
    filters: dict
    sort: str


def properties_filters_validate(params: Mapping[str, str]) -> Any:
    """Validate search parameters exactly as a search does (saved searches and alerts reuse this).

    Returns the bound FilterSet. Raises ValidationError with a stable code per field; unknown
    parameters are refused.
    """
    # Any mapping will do (a QueryDict keeps repeated keys); the stubs name only dict and QueryDict.
    filterset = filterset_class()(data=cast(dict[str, Any], params), queryset=Property.objects.active())
    unknown = sorted(set(params) - set(filterset.filters) - table.control_names())
    if unknown:
        raise ValidationError({name: ValidationError(_("Unknown search parameter."), code="unknown_parameter")
                               for name in unknown})
    if not filterset.is_valid():
        raise validation_error(filterset.form)
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
        raise ValidationError({"cursor": ValidationError(
            _("This page link is not valid any more; start the search again."), code="invalid_cursor")}) from None
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
    queryset = filterset.qs  # every filter of the table; near also annotates the distance

    field, direction = table.SORTS[sort]
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
        if isinstance(last_key, datetime):  # JSON has no datetime; the lookup parses the ISO text back
            last_key = last_key.isoformat()
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


# --- the map: every match of a search, aggregated into grid cells ---------------------------------------
MAP_MAX_ZOOM = 20
STREET_ZOOM = 15  # from this zoom on, the map shows each property (up to MAP_MAX_POINTS in the view)
MAP_MAX_POINTS = 500
CELLS_PER_TILE = 4  # a 256-pixel map tile holds 4 × 4 cells: a cluster is about 64 pixels across
# Web Mercator stretches latitude: at Norway's middle (65° N) a square on screen spans cos(65°) as many
# degrees north-south as east-west. One fixed factor keeps the grid the same for every view.
CELL_LAT_FACTOR = math.cos(math.radians(65))
PRE_AGGREGATED = frozenset({"category"})  # the filters the pre-aggregated cells (MapCell) can answer
POINT_FIELDS = ("id", "lat", "lon", "address", "external_id", "municipality_name", "category", "usable_area",
                "rooms", "estimate", "cover_photo")


@dataclass
class MapCells:
    zoom: int
    cell_lon: float
    cell_lat: float
    total: int
    clusters: list[dict]  # {"lat", "lon", "count"[, "id" when the cell holds one property]}
    points: list[dict] | None  # at street level: each property in the view, for a popup card
    truncated: bool


def cell_size(zoom: int) -> tuple[float, float]:
    """A grid cell's width and height in degrees at this zoom level; each level halves both."""
    width = 360.0 / (2 ** zoom) / CELLS_PER_TILE
    return width, width * CELL_LAT_FACTOR


def _view(raw: str | None) -> tuple[float, float, float, float]:
    message = _("The map view must be min_lon,min_lat,max_lon,max_lat in WGS84 degrees.")
    if not raw:
        raise ValidationError({"view": ValidationError(message, code="invalid_view")})
    try:
        min_lon, min_lat, max_lon, max_lat = (float(v) for v in raw.split(","))
    except ValueError:
        raise ValidationError({"view": ValidationError(message, code="invalid_view")}) from None
    if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
        raise ValidationError({"view": ValidationError(message, code="invalid_view")})
    return min_lon, min_lat, max_lon, max_lat


def _zoom(raw: str | None) -> int:
    try:
        zoom = int(raw or "")
    except ValueError:
        zoom = -1
    if not 0 <= zoom <= MAP_MAX_ZOOM:
        raise ValidationError({"zoom": ValidationError(
            _("The zoom must be a whole number from 0 to %(max)d.") % {"max": MAP_MAX_ZOOM}, code="invalid_zoom")})
    return zoom


def properties_map_cells(*, params: Mapping[str, str], zoom: str | None, view: str | None) -> MapCells:
    """Every property matching the search's filters inside the map view, as grid cells sized for the zoom.

    The filters are the search's own (the same validation and SQL; sort and paging do not matter
    here). Each cell has its count and a representative point (the mean position of what it holds),
    so a cluster sits where its properties are. Cells are aligned to a fixed grid per zoom level, so
    panning does not move them. At STREET_ZOOM and closer, each property comes with what its popup
    card shows (up to MAP_MAX_POINTS).
    """
    level = _zoom(zoom)
    min_lon, min_lat, max_lon, max_lat = _view(view)
    filters = {k: v for k, v in params.items() if k not in ("sort", "cursor", "count")}
    filterset = properties_filters_validate(filters)
    cell_lon, cell_lat = cell_size(level)
    given = {k for k, v in filterset.form.cleaned_data.items() if k != "sort" and v not in (None, "", [])}
    if level < STREET_ZOOM and given <= PRE_AGGREGATED and MapCell.objects.filter(zoom=level).exists():
        return _cells_pre_aggregated(level, (min_lon, min_lat, max_lon, max_lat),
                                     filterset.form.cleaned_data.get("category") or [])
    queryset = filterset.qs.filter(
        lat__gte=min_lat, lat__lte=max_lat, lon__gte=min_lon, lon__lte=max_lon, lat__isnull=False,
        lon__isnull=False).order_by()
    if level >= STREET_ZOOM:
        rows = list(queryset.order_by("id").values(*POINT_FIELDS)[: MAP_MAX_POINTS + 1])
        truncated = len(rows) > MAP_MAX_POINTS
        rows = rows[:MAP_MAX_POINTS]
        clusters = [{"lat": r["lat"], "lon": r["lon"], "count": 1, "id": r["id"]} for r in rows]
        return MapCells(level, cell_lon, cell_lat, len(rows), clusters, rows, truncated)
    cells = (
        queryset.annotate(gx=Floor(F("lon") / cell_lon), gy=Floor(F("lat") / cell_lat))
        .values("gx", "gy")
        .annotate(count=Count("id"), lat=Avg("lat"), lon=Avg("lon"), first=Min("id"))
        .order_by()
    )
    clusters = []
    total = 0
    for c in cells:
        total += c["count"]
        cluster = {"lat": round(c["lat"], 6), "lon": round(c["lon"], 6), "count": c["count"]}
        if c["count"] == 1:
            cluster["id"] = c["first"]
        clusters.append(cluster)
    return MapCells(level, cell_lon, cell_lat, total, clusters, None, False)


def _cells_pre_aggregated(level: int, view: tuple[float, float, float, float], categories: list[str]) -> MapCells:
    """The cells that meet the view, summed over the asked categories, from the MapCell table.

    Whole cells are counted (a cell on the view's edge holds some properties just outside it), so the
    clusters do not change as the map pans. Properties changed since the last rebuild are not in yet.
    """
    min_lon, min_lat, max_lon, max_lat = view
    cell_lon, cell_lat = cell_size(level)
    rows = MapCell.objects.filter(
        zoom=level, gx__gte=math.floor(min_lon / cell_lon), gx__lte=math.floor(max_lon / cell_lon),
        gy__gte=math.floor(min_lat / cell_lat), gy__lte=math.floor(max_lat / cell_lat))
    if categories:
        rows = rows.filter(category__in=categories)
    summed = rows.values("gx", "gy").annotate(
        n=Sum("count"), lat_total=Sum("lat_sum"), lon_total=Sum("lon_sum"), first=Min("first_id")).order_by()
    clusters, total = [], 0
    for c in summed:
        total += c["n"]
        cluster = {"lat": round(c["lat_total"] / c["n"], 6), "lon": round(c["lon_total"] / c["n"], 6),
                   "count": c["n"]}
        if c["n"] == 1:
            cluster["id"] = c["first"]
        clusters.append(cluster)
    return MapCells(level, cell_lon, cell_lat, total, clusters, None, False)
