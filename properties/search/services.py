"""search_run: one search as the page and the API run it, recorded once."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..signals import search_performed
from . import params as table
from .querystring import search_params_for_record, search_params_normalise
from .selectors import SearchPage, properties_search


def search_run(*, query: Mapping[str, Any], user: Any, via: str, page_size: int,
               with_count: bool | None = None) -> SearchPage:
    """Run a search from its query (a QueryDict or a mapping, read by search_params_normalise); one page.

    The number of matches (exact up to COUNT_CAP) is counted when ``with_count`` is true, or, when it
    is None, when the query asks for it (``count=true``). Raises ValidationError with a stable code
    per field. A first page (no cursor) found by a logged-in user is recorded through the
    ``search_performed`` signal (properties imports no other app; the saved-things app listens); ``via`` says which interface ran it ("page" or "api").
    """
    params = search_params_normalise(query)
    cursor = params.get("cursor")
    if with_count is None:
        with_count = table.param("count").parse(params.get("count", ""))
    page = properties_search(params=params, cursor=cursor, page_size=page_size, with_count=with_count)
    if not cursor:
        search_performed.send(sender=search_run, user=user, params=search_params_for_record(params),
                              result_count=page.count, count_is_exact=page.count_is_exact, via=via)
    return page
