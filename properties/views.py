"""Pages: the search page with its map, and a property's page."""
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from . import reference
from .matrikkelen.lookups import live_summary, matrikkel_live
from .models import Category, Property
from .search import params as search_params
from .search.querystring import search_params_normalise
from .search.services import search_run
from .selectors import property_facts

# The parameters templates/properties/search.html lays out itself; every other one of the search's
# table gets a labelled text input, so a new filter is on the page without touching the template.
LAID_OUT = {"q", "municipality", "county", "category", "building_type", "estimate_min", "estimate_max", "area_min",
            "area_max", "year_min", "year_max", "rooms_min", "bedrooms_min", "features", "bbox", "near", "radius_km",
            "sort"}


def _markers(properties) -> list[dict]:
    return [
        {"id": p.id, "lat": p.lat, "lon": p.lon, "title": str(p), "estimate": p.estimate}
        for p in properties
    ]


@require_GET
def search(request):
    params = search_params_normalise(request.GET)
    params.pop("count", None)  # the page shows no count, so it never pays for one (the API's are throttled)
    page, errors = None, {}
    try:
        page = search_run(query=params, user=request.user, via="page", page_size=settings.SEARCH_PAGE_SIZE)
    except ValidationError as exc:
        # Iterating a ValidationError formats each message with its params once; the text may quote the user's %.
        errors = {field: [message for error in errs for message in error] for field, errs in exc.error_dict.items()}
    query = QueryDict(mutable=True)
    query.update(params)
    next_query = None
    if page and page.next_cursor:
        following = query.copy()
        following["cursor"] = page.next_cursor
        next_query = following.urlencode()
    first_query = query.copy()
    first_query.pop("cursor", None)
    return render(request, "properties/search.html", {
        "page": page,
        "errors": errors,
        "params": params,
        "other_params": [{"name": p.name, "label": p.label, "value": params.get(p.name, "")}
                         for p in search_params.form_params() if p.name not in LAID_OUT],
        "next_query": next_query,
        "first_query": first_query.urlencode(),
        "is_first_page": not params.get("cursor"),
        "markers": _markers(page.results) if page else [],
        "categories": Category.choices,
        "features": reference.FEATURES,
        "selected_features": set(params.get("features", "").split(",")),
        "sorts": list(search_params.SORTS),
        "counties": reference.counties().values(),
    })


def _address_markers(prop) -> list[dict]:
    """The property's point, and each further address where it lies elsewhere."""
    markers = _markers([prop])
    for address in (prop.addresses or [])[1:]:
        if address.get("lat") is not None:
            place = f"{address.get('postcode') or ''} {address.get('town') or ''}"
            markers.append({"id": prop.id, "lat": address["lat"], "lon": address["lon"],
                            "title": f"{address['text']}, {place}".strip(), "estimate": prop.estimate})
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
