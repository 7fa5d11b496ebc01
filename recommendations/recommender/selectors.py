"""Reads: recommendations for a request (and the logged-in user's own behaviour)."""
from __future__ import annotations

from typing import Any

from django.conf import settings

from accounts.saved.models import SavedProperty, SavedSearch, SearchHistoryEntry

from .engine import Recommendation, recommend
from .preferences import Preferences, preferences_clean
from .profile import Profile, SavedFacts, profile_build


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


def stored_preferences_get(*, user) -> Preferences:
    """The user's stored F9 preferences (User.preferences); invalid leftovers are dropped, not fatal."""
    stored = getattr(user, "preferences", None) or {}
    try:
        return preferences_clean(user_preferences=stored)
    except Exception:  # noqa: BLE001 - a stale stored value must not break the page
        return Preferences()


def recommendations_get(*, user_preferences: Any, market_trends: Any = None, user=None, limit: int | None = None,
                        include_saved: bool = False) -> tuple[Preferences, list[Recommendation]]:
    """The API's and the page's entry point: parse, personalise for the user (if logged in), rank."""
    prefs = preferences_clean(user_preferences=user_preferences, market_trends=market_trends)
    limit = min(max(limit or settings.RECOMMENDER_DEFAULT_LIMIT, 1), settings.RECOMMENDER_MAX_LIMIT)
    return prefs, recommend(prefs=prefs, profile=user_profile_get(user=user), limit=limit, include_saved=include_saved)


def recommendations_for_user(*, user, limit: int | None = None) -> tuple[Preferences, list[Recommendation]]:
    """"Recommended for you": the user's stored preferences and behaviour."""
    prefs = stored_preferences_get(user=user)
    limit = min(max(limit or settings.RECOMMENDER_DEFAULT_LIMIT, 1), settings.RECOMMENDER_MAX_LIMIT)
    return prefs, recommend(prefs=prefs, profile=user_profile_get(user=user), limit=limit)
