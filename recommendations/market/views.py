"""The market trends page."""
from __future__ import annotations

from django.shortcuts import render

from properties.regions import NATIONAL

from .errors import UnknownRegion
from .selectors import region_from_query


def trends_page(request):
    error = None
    try:
        region = region_from_query(request.GET.get("region"))
    except UnknownRegion as exc:
        region, error = NATIONAL, exc.message
    return render(request, "market/trends.html", {"region": region, "error": error,
                                                  "query": request.GET.get("region", "")})
