"""The "recommended for you" page: stored preferences plus the user's own saves and searches."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .selectors import recommendations_data, recommendations_for_user


@login_required
def recommended_page(request):
    found = recommendations_for_user(user=request.user, limit=20)
    return render(request, "recommender/recommended.html", {
        "prefs": found.preferences, "problems": found.problems, "results": recommendations_data(found.results)})
