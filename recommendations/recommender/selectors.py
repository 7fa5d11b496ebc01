"""Reads: recommendations for a request or for a logged-in user, and their data as pages and the API show it."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.urls import reverse

from accounts.preferences import PreferenceProblem
from accounts.saved.models import SavedProperty, SavedSearch, SearchHistoryEntry

from .engine import Recommendation, recommend
from .preferences import Preferences, preferences_clean, stored_preferences_parse
from .profile import Profile, SavedFacts, profile_build

logger = logging.getLogger(__name__)


def user_profile_get(*, user) -> Profile | None:
    """The user's own saves, saved searches and recent searches; None for anonymous users."""
    if user is None or not user.is_authenticated:
        return None
    saved = [SavedFacts(*row) for row in (
        SavedProperty.objects.filter(collection__user=user).order_by("-created_at", "-id")
        .values_list("property_id", "property__municipality_number", "property__county_number", "property__category",
                     "property__estimate", "property__usable_area", "property__feature_mask")
        .distinct()[: settings.RECOMMENDER_PROFILE_SAVED])]
    searches = list(SavedSearch.objects.filter(user=user).order_by("-updated_at", "-id")
                    .values_list("params", flat=True)[: settings.RECOMMENDER_PROFILE_SEARCHES])
    searches += list(SearchHistoryEntry.objects.filter(user=user).order_by("-created_at", "-id")
                     .values_list("params", flat=True)[: settings.RECOMMENDER_PROFILE_SEARCHES])
    return profile_build(saved=saved, searches=[p for p in searches if isinstance(p, dict)])


def stored_preferences_get(*, user) -> tuple[Preferences, list[PreferenceProblem]]:
    """The user's stored preferences (User.preferences): the parts that parse, and the problems of the others.

    A stored profile that no longer parses (saved before a rule existed, or its reference data
    changed) is used for what is valid; the rest is reported to the user, never silently dropped.
    `manage.py check_preferences` lists such profiles for staff.
    """
    prefs, problems = stored_preferences_parse(getattr(user, "preferences", None) or {})
    if problems:
        logger.warning("stored preferences of user %s do not parse: %s", user.pk,
                       ", ".join(f"{p.part or 'preferences'}: {p.code}" for p in problems))
    return prefs, problems


def _limit(limit: int | None) -> int:
    return min(max(limit or settings.RECOMMENDER_DEFAULT_LIMIT, 1), settings.RECOMMENDER_MAX_LIMIT)


def recommendations_get(*, user_preferences: Any, market_trends: Any = None, user=None, limit: int | None = None,
                        include_saved: bool = False) -> tuple[Preferences, list[Recommendation]]:
    """The API's entry point: parse, personalise for the user (if logged in), rank."""
    prefs = preferences_clean(user_preferences=user_preferences, market_trends=market_trends)
    return prefs, recommend(prefs=prefs, profile=user_profile_get(user=user), limit=_limit(limit),
                            include_saved=include_saved)


@dataclass(frozen=True)
class UserRecommendations:
    preferences: Preferences
    problems: list[PreferenceProblem]  # parts of the stored preferences that could not be used
    results: list[Recommendation]


def recommendations_for_user(*, user, limit: int | None = None) -> UserRecommendations:
    """"Recommended for you": the user's stored preferences (their valid parts) and behaviour."""
    prefs, problems = stored_preferences_get(user=user)
    results = recommend(prefs=prefs, profile=user_profile_get(user=user), limit=_limit(limit))
    return UserRecommendations(preferences=prefs, problems=problems, results=results)


# --- as pages and the API show them ----------------------------------------------------------------

def recommendations_data(results: list[Recommendation]) -> list[dict]:
    """Each result as plain data: the property (with its page's URL), score, reasons, explanation, signals."""
    out = []
    for r in results:
        prop = dict(r.property)
        prop["url"] = reverse("properties:detail", args=[prop["id"]])
        out.append({"property": prop, "score": r.score, "reasons": r.reasons, "explanation": "; ".join(r.reasons),
                    "signals": r.signals})
    return out


def applied_preferences_data(prefs: Preferences, *, personalised: bool) -> dict:
    """The preferences a ranking applied, as plain data."""
    return {"budget_range": [prefs.budget_min, prefs.budget_max],
            "budget_tolerance": settings.RECOMMENDER_BUDGET_TOLERANCE,
            "locations": [{"kind": r.kind, "code": r.code, "name": r.name} for r in prefs.locations],
            "property_type": prefs.property_type, "amenities": list(prefs.amenities),
            "market_trends": "request" if prefs.market_overrides else "epty", "personalised": personalised}
