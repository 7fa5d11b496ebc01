"""search_run: one search as the page and the API run it, recorded once."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError

from ..signals import search_performed
from . import params as table
from .querystring import search_params_for_record, search_params_normalise
from .selectors import SearchPage, properties_search


def search_run(*, query: Mapping[str, Any], user: Any, via: str, page_size: int) -> SearchPage:
    """Run a search from its query (a QueryDict or a mapping, read by search_params_normalise); one page.

    ``page_size`` is the interface's default; a ``limit`` in the query (1–100) replaces it.
    Raises ValidationError with a stable code per field. A first page (no cursor) found by a
    logged-in user is recorded through the ``search_performed`` signal (properties imports no other
    app; the saved-things app listens); ``via`` says which interface ran it ("page" or "api").
    """
    params = search_params_normalise(query)
    cursor = params.get("cursor")
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
