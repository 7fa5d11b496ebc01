"""Signals the catalogue sends; other apps listen (properties imports no other app).

``search_performed`` is sent after a successful search's first page (no cursor), by the
search page and the API, with keyword arguments:

- ``user``: ``request.user`` (may be anonymous),
- ``params``: the search parameters as given, without paging controls (dict of str),
- ``result_count``: the page's count (capped; None when the search was not counted),
- ``count_is_exact``: whether the count is exact,
- ``via``: ``"page"`` or ``"api"``.
"""
from __future__ import annotations

from django.dispatch import Signal

from .filters import CONTROL_PARAMS

search_performed = Signal()


def search_params_for_record(params) -> dict[str, str]:
    """The non-empty filter parameters of a search, as one string each."""
    return {key: value for key, value in params.items() if key not in CONTROL_PARAMS and value not in (None, "")}
