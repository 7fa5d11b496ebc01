"""Reads of Kartverket in the user's path, all through the read cache (cache.py).

- `matrikkel_live`: what Matrikkelen says about a property now (the property page's "Data from
  Matrikkelen"). Never waits for Kartverket: a miss answers `pending` and fetches in the
  background; a stale copy is shown (with its age) while it is refreshed.
- `address_suggestions`: addresses for the search box, from the open address API, with the
  epty property each belongs to.
"""
from __future__ import annotations

import hashlib
import threading

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from properties import reference
from properties.models import Property

from .cache import CachedRead, cached_read
from .interface import MatrikkelSource

SUGGEST_MIN, SUGGEST_MAX, SUGGEST_LIMIT = 3, 100, 8
_readers: dict[tuple, object] = {}
_readers_lock = threading.Lock()


def _reader(kind: str):
    """One source per process for reads (their HTTP sessions, parsed WSDLs and caches are reused)."""
    key = (kind, settings.MATRIKKEL_SOURCE, settings.MATRIKKEL_BASE_URL, settings.MATRIKKEL_REST_BASE_URL)
    with _readers_lock:
        if key not in _readers:
            if settings.MATRIKKEL_SOURCE == "standin":
                _readers[key] = import_string(settings.MATRIKKEL_STANDIN_READERS[kind])()
            elif kind == "rest":
                from .rest import RestSource
                _readers[key] = RestSource()
            else:
                from .sync import get_source
                _readers[key] = get_source()
        return _readers[key]


def matrikkel_reader() -> MatrikkelSource:
    return _reader("unit")


def address_reader():
    return _reader("rest")


def matrikkel_live(*, prop: Property) -> CachedRead:
    """Matrikkelen's current record of the property (value None: not found there), without waiting for it."""
    source = matrikkel_reader()
    return cached_read(f"{source.name}:unit:{prop.external_id}", lambda: source.unit_by_ident(prop.external_id),
                       wait=False)


def address_suggestions(*, text: str, limit: int = SUGGEST_LIMIT) -> tuple[list[dict], CachedRead]:
    """Addresses matching what the user typed, best first, each with the active epty property it belongs to.

    Raises ValidationError (code invalid_query) for text that is too short or long; the
    interface's UpstreamUnavailable when Kartverket cannot answer and nothing is cached.
    """
    folded = reference.fold((text or "").replace(",", " "))
    if not SUGGEST_MIN <= len(folded) <= SUGGEST_MAX:
        raise ValidationError({"q": ValidationError(
            _("Type %(min)d to %(max)d characters.") % {"min": SUGGEST_MIN, "max": SUGGEST_MAX}, code="invalid_query")})
    source = address_reader()
    digest = hashlib.sha256(folded.encode()).hexdigest()[:32]  # what users type stays out of keys and logs
    read = cached_read(
        f"{source.name}:suggest:{limit}:{digest}", lambda: source.addresses_search(text=text, limit=limit)
    )
    addresses = read.value or []
    ids = dict(Property.objects.active().filter(external_id__in={a["ident"] for a in addresses})
               .values_list("external_id", "id"))
    return [{**a, "property_id": ids.get(a["ident"])} for a in addresses], read


def live_summary(record: dict | None) -> dict | None:
    """The parts of a Matrikkelen record the property page shows."""
    if not record:
        return None
    types = reference.building_types()
    return {
        "kind": record.get("kind") or "",
        "changed": record.get("changed") or "",
        "plot_area": record.get("plot_area"),
        "buildings": [{"nr": b.get("nr"), "type": f"{b['type_code']} {types[b['type_code']].name}"
                       if b.get("type_code") in types else "", "floors": b.get("floors"), "year": b.get("year")}
                      for b in record.get("buildings") or []],
        "addresses": [f"{a['text']}, {a.get('postcode') or ''} {a.get('town') or ''}".strip().rstrip(",")
                      for a in record.get("addresses") or []],
    }
