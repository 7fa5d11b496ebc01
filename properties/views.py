"""Pages: the search page with its map, and a property's page."""
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from . import reference
from .matrikkelen.lookups import live_summary, matrikkel_live
from .models import Category, Property
from .search import params as search_params
from .search.querystring import search_params_normalise
from .search.services import search_run
from .selectors import property_facts
from .signals import property_viewed

# The parameters templates/properties/search.html lays out itself; every other one of the search's
# table gets a labelled text input, so a new filter is on the page without touching the template.
LAID_OUT = {"q", "municipality", "county", "category", "building_type", "estimate_min", "estimate_max", "area_min",
            "area_max", "year_min", "year_max", "rooms_min", "bedrooms_min", "features", "bbox", "near", "radius_km",
            "open_to_offers", "sort"}


# What a search error means to a person on the page, by its stable code (the API keeps the precise
# parameter-level message); codes not listed show the parameter's own message.
PAGE_MESSAGES = {
    "distance_needs_point": _("To sort by distance, choose a place first: “Near me” or an address."),
    "radius_needs_point": _("Choose a place to search around first: “Near me” or an address."),
    "point_needs_radius": _("Choose how far from the place to search."),
    "invalid_point": _("That place could not be read; choose it again."),
    "invalid_bbox": _("The map area could not be read; move the map and search in it again."),
    "bbox_too_large": _("The map area is too large; zoom in and search in it again."),
    "invalid_cursor": _("This page link is not valid any more; start the search again."),
}
HOME_QUERY = QueryDict("category=residential&sort=newest")
RADII_KM = ("1", "2", "5", "10", "25", "50", "100")


def _page_errors(exc: ValidationError, params) -> list[dict]:
    """The search's errors in plain words, each under its field's label, with "did you mean" for places."""
    labels = {p.name: p.label for p in search_params.form_params()}
    errors = []
    for field, errs in exc.error_dict.items():
        for e in errs:
            text = PAGE_MESSAGES.get(e.code or "") or next(iter(e))  # iterating formats the message once
            suggestions: list[dict] = []
            if e.code == "unknown_municipality":
                for item in params.get("municipality", "").split(","):
                    if item.strip() and not reference.municipality_numbers_for(item.strip()):
                        for name in search_params.municipality_suggestions(item.strip()):
                            corrected = params.copy()
                            corrected["municipality"] = params["municipality"].replace(item, name)
                            suggestions.append({"name": name, "query": corrected.urlencode()})
            errors.append({"field": field, "label": labels.get(field, ""), "message": str(text), "code": e.code,
                           "suggestions": suggestions})
    return errors


def _markers(properties) -> list[dict]:
    return [
        {"id": p.id, "lat": p.lat, "lon": p.lon, "title": str(p), "estimate": p.estimate}
        for p in properties
    ]


@require_GET
def search(request):
    # The first screen shows homes a buyer would look at (the newest), not the priciest office blocks;
    # the form shows the filter, and "Clear" or any search of one's own replaces it.
    params = search_params_normalise(request.GET or HOME_QUERY)
    query = QueryDict(mutable=True)
    query.update(params)
    page, errors = None, []
    try:
        page = search_run(query=params, user=request.user, via="page", page_size=settings.SEARCH_PAGE_SIZE,
                          with_count=True)
    except ValidationError as exc:
        errors = _page_errors(exc, query)
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
        "features": [(tag, reference.feature_label(tag)) for tag in reference.FEATURES],
        "radii": RADII_KM,
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
    property_viewed.send(sender=Property, property=prop, user=request.user)
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
