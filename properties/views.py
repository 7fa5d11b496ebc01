"""Pages: the search page with its map, and a property's page."""
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from . import reference
from .filters import SORTS, PropertyFilter
from .matrikkelen.lookups import live_summary, matrikkel_live
from .models import Category, Property
from .selectors import properties_search, property_facts
from .signals import search_params_for_record, search_performed


def _markers(properties) -> list[dict]:
    return [
        {"id": p.id, "lat": p.lat, "lon": p.lon, "title": str(p), "estimate": p.estimate}
        for p in properties
    ]


@require_GET
def search(request):
    # Checkboxes send one value per box (features=sauna&features=view): join them the way the API takes them.
    params = request.GET.copy()
    for key, values in request.GET.lists():
        if len(values) > 1:
            params[key] = ",".join(v for v in values if v)
    page, errors = None, {}
    try:
        page = properties_search(params=params, cursor=params.get("cursor"), page_size=settings.SEARCH_PAGE_SIZE)
    except ValidationError as exc:
        errors = {field: [e.message % (e.params or {}) for e in errs] for field, errs in exc.error_dict.items()}
    if page is not None and not params.get("cursor"):
        search_performed.send(sender=search, user=request.user, params=search_params_for_record(params),
                              result_count=page.count, count_is_exact=page.count_is_exact, via="page")
    next_query = None
    if page and page.next_cursor:
        query = params.copy()
        query["cursor"] = page.next_cursor
        next_query = query.urlencode()
    first_query = params.copy()
    first_query.pop("cursor", None)
    return render(request, "properties/search.html", {
        "page": page,
        "errors": errors,
        "params": params,
        "filter_names": list(PropertyFilter.base_filters),
        "next_query": next_query,
        "first_query": first_query.urlencode(),
        "is_first_page": not params.get("cursor"),
        "markers": _markers(page.results) if page else [],
        "categories": Category.choices,
        "features": reference.FEATURES,
        "selected_features": set(params.get("features", "").split(",")),
        "sorts": list(SORTS),
        "counties": reference.counties().values(),
    })


def _address_markers(prop) -> list[dict]:
    """The property's point, and each further address where it lies elsewhere."""
    markers = _markers([prop])
    for address in (prop.addresses or [])[1:]:
        if address.get("lat") is not None:
            markers.append({"id": prop.id, "lat": address["lat"], "lon": address["lon"],
                            "title": f"{address['text']}, {address.get('postcode') or ''} {address.get('town') or ''}".strip(),
                            "estimate": prop.estimate})
    return markers


@require_GET
def detail(request, pk: int):
    prop = get_object_or_404(Property, pk=pk)
    live = matrikkel_live(prop=prop)
    return render(request, "properties/detail.html", {
        "property": prop,
        "facts": property_facts(prop=prop),
        "live": live,
        "live_record": live_summary(live.value),
        "live_age_minutes": round(live.age / 60),
        "markers": _address_markers(prop),
        "sales": prop.sales.all()[:20],
        "upstream_payload": json.dumps(prop.upstream_payload, indent=2, ensure_ascii=False, default=str),
    })
