"""The recommend request's `user_preferences` (parsed by accounts.preferences, the one parser of
preferences) and its optional `market_trends`, with stable error codes.

Every problem is collected; the error carries {"fields": {path: [{"code", "message"}]}} like
the API's other validation errors, plus "suggestions" for unknown locations.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from accounts.preferences import PreferenceProblem, UserPreferences, preferences_check
from properties import regions

from .errors import PreferencesInvalid

MAX_MARKET_TRENDS = 30  # regions with a trend of their own per request; an unknown name costs a ~5 ms fuzzy match

# Where each part of the preferences sits in the request body.
PATHS = {"": "user_preferences", "budget": "user_preferences.budget_range", "locations": "user_preferences.locations",
         "property_type": "user_preferences.property_type", "amenities": "user_preferences.amenities"}


@dataclass(frozen=True)
class Preferences(UserPreferences):
    """A user's preferences plus the request's own market trends."""

    market_overrides: dict[str, float] = field(default_factory=dict)  # municipality number → yearly change

    @classmethod
    def of(cls, base: UserPreferences, *, market_overrides: dict[str, float] | None = None) -> Preferences:
        values = {f.name: getattr(base, f.name) for f in dataclasses.fields(UserPreferences)}
        return cls(**values, market_overrides=market_overrides or {})


def _market_overrides(market_trends: Any, add, suggestions: dict[str, list[str]]) -> dict[str, float]:
    """market_trends: {} = ours; otherwise {"Bergen": 10.3, …}, a yearly change in per cent per region."""
    overrides: dict[str, float] = {}
    if market_trends in (None, {}):
        return overrides
    if not isinstance(market_trends, dict):
        add("market_trends", "invalid_market_trends", _("market_trends must be an object."))
        return overrides
    if len(market_trends) > MAX_MARKET_TRENDS:  # each unknown name costs a fuzzy match: bound them first
        add("market_trends", "too_many_market_trends",
            _("At most %(n)d regions in market_trends.") % {"n": MAX_MARKET_TRENDS})
        return overrides
    for name, change in market_trends.items():
        region = regions.resolve(str(name))
        if region is None:
            suggestions[str(name)] = regions.suggestions(str(name))
            add("market_trends", "unknown_location", _("Unknown location: %(v)s.") % {"v": name})
            continue
        if isinstance(change, bool) or not isinstance(change, int | float) or not -100 < change <= 1000:
            add("market_trends", "invalid_market_trends",
                _("Give a yearly price change in per cent, e.g. {\"Bergen\": 10.3}."))
            continue
        for number in region.municipality_numbers:
            overrides[number] = change / 100.0
    return overrides


def preferences_clean(*, user_preferences: Any, market_trends: Any = None) -> Preferences:
    """Parse the recommend request's body parts. Raises PreferencesInvalid with one code per problem."""
    errors: dict[str, list[dict]] = {}
    suggestions: dict[str, list[str]] = {}

    def add(path: str, code: str, message: str) -> None:
        errors.setdefault(path, []).append({"code": code, "message": message})

    base, problems = preferences_check(user_preferences)
    if any(not p.part for p in problems):
        add(PATHS[""], "invalid_preferences", _("user_preferences must be an object."))
        raise PreferencesInvalid(errors, suggestions)
    for problem in problems:
        add(PATHS[problem.part], problem.code, problem.message)
        suggestions.update(problem.suggestions)
    overrides = _market_overrides(market_trends, add, suggestions)
    if errors:
        raise PreferencesInvalid(errors, suggestions)
    return Preferences.of(base, market_overrides=overrides)


def stored_preferences_parse(stored: Any) -> tuple[Preferences, list[PreferenceProblem]]:
    """A stored profile's valid parts and the problems of the others (to be reported, not dropped)."""
    base, problems = preferences_check(stored)
    return Preferences.of(base), problems
