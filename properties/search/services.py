"""search_run: one search as the page and the API run it, recorded once."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from epty.locks import xact_lock

from ..models import MapCell, Property
from ..signals import search_performed
from . import params as table
from .querystring import search_params_for_record, search_params_normalise
from .selectors import STREET_ZOOM, SearchPage, cell_size, properties_search


def search_run(*, query: Mapping[str, Any], user: Any, via: str, page_size: int,
               with_count: bool | None = None) -> SearchPage:
    """Run a search from its query (a QueryDict or a mapping, read by search_params_normalise); one page.

    The number of matches (exact up to COUNT_CAP) is counted when ``with_count`` is true, or, when it
    is None, when the query asks for it (``count=true``). Raises ValidationError with a stable code
    per field. A first page (no cursor) found by a logged-in user is recorded through the
    ``search_performed`` signal (properties imports no other app; the saved-things app listens);
    ``via`` says which interface ran it ("page" or "api"). ``page_size`` is the interface's default; a ``limit``
    in the query (1–100) replaces it.
    """
    params = search_params_normalise(query)
    cursor = params.get("cursor")
    if with_count is None:
        with_count = table.param("count").parse(params.get("count", ""))
    if params.get("limit"):
        try:
            page_size = table.param("limit").parse(params["limit"].strip())
        except ValidationError as exc:
            raise ValidationError({"limit": exc}) from None
    page = properties_search(params=params, cursor=cursor, page_size=page_size, with_count=with_count)
    if not cursor:
        search_performed.send(sender=search_run, user=user, params=search_params_for_record(params),
                              result_count=page.count, count_is_exact=page.count_is_exact, via=via)
    return page


@transaction.atomic
def map_cells_rebuild() -> int:
    """Count every active property into the map's grid cells, per zoom level below street level.

    The finest level is counted from the properties, each coarser one from the level below (a cell
    holds exactly four of the next level's). Runs in one transaction: the map reads the old cells
    until it commits. Returns the number of cells written.
    """
    # Two rebuilds at once (beat's and a command's) would each delete only the cells they saw and insert their
    # own: doubled counts. The second waits for the first to commit, then replaces its cells.
    xact_lock("properties.map_cells_rebuild")
    cells = MapCell._meta.db_table
    props = Property._meta.db_table
    finest = STREET_ZOOM - 1
    width, height = cell_size(finest)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {cells}")
        cursor.execute(
            f"INSERT INTO {cells} (zoom, gx, gy, category, count, lat_sum, lon_sum, first_id) "
            f"SELECT %s, FLOOR(lon / %s), FLOOR(lat / %s), COALESCE(category, ''), COUNT(*), SUM(lat), SUM(lon), "
            f"MIN(id) FROM {props} WHERE retired_at IS NULL AND lat IS NOT NULL AND lon IS NOT NULL "
            f"GROUP BY 2, 3, 4", [finest, width, height])
        for zoom in range(finest - 1, -1, -1):
            cursor.execute(
                f"INSERT INTO {cells} (zoom, gx, gy, category, count, lat_sum, lon_sum, first_id) "
                f"SELECT %s, FLOOR(gx / 2.0), FLOOR(gy / 2.0), category, SUM(count), SUM(lat_sum), SUM(lon_sum), "
                f"MIN(first_id) FROM {cells} WHERE zoom = %s GROUP BY 2, 3, 4", [zoom, zoom + 1])
    return MapCell.objects.count()
