"""Signals the catalogue sends; other apps listen (properties imports no other app).

``search_performed`` is sent by ``properties.search.services.search_run`` (the search page and the
API both call it) after a successful search's first page (no cursor), with keyword arguments:

- ``user``: ``request.user`` (may be anonymous),
- ``params``: the search parameters as given, without paging controls (dict of str),
- ``result_count``: the page's count (capped; None when the search was not counted),
- ``count_is_exact``: whether the count is exact,
- ``via``: ``"page"`` or ``"api"``.

``property_viewed`` is sent by the property page (``views.detail``) for each view, with ``property``
(the Property) and ``user`` (``request.user``, may be anonymous). offers counts it unless the viewer
owns the property (properties.services.property_view_record: a count, never who).
"""
from __future__ import annotations

from django.dispatch import Signal

search_performed = Signal()
property_viewed = Signal()
