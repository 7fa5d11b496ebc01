"""The market trends page."""
from __future__ import annotations

from django.shortcuts import render

from epty.errors import ApplicationError

from ..api.trends import region_from_query


def trends_page(request):
    error = None
    try:
        region = region_from_query(request.GET.get("region"))
    except ApplicationError as exc:
        from .regions import NATIONAL

        region, error = NATIONAL, exc.message
    return render(request, "recommendations/trends.html", {"region": region, "error": error,
                                                           "query": request.GET.get("region", "")})
