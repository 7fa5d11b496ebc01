"""The "recommended for you" page: stored preferences plus the user's own saves and searches."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from ..api.recommend import results_data
from .selectors import recommendations_for_user


@login_required
def recommended_page(request):
    prefs, results = recommendations_for_user(user=request.user, limit=20)
    return render(request, "recommendations/recommended.html", {"prefs": prefs, "results": results_data(results)})
