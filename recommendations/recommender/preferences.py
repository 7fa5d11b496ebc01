"""F9's `user_preferences` (and optional `market_trends`), parsed and checked, with stable error codes.

Every problem is collected; the error carries {"fields": {path: [{"code", "message"}]}} like
the API's other validation errors, plus "suggestions" for unknown locations.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from epty.errors import ApplicationError
from properties import reference
from properties.models import Category

from ..trends import regions

MAX_AMOUNT = 10**11  # NOK; anything above is a typo


class PreferencesInvalid(ApplicationError):
    code = "invalid_preferences"

    def __init__(self, errors: dict[str, list[dict]], suggestions: dict[str, list[str]]):
        codes = {e["code"] for errs in errors.values() for e in errs}
        self.code = codes.pop() if len(codes) == 1 else "invalid_preferences"
        extra: dict[str, Any] = {"fields": errors}
        if suggestions:
            extra["suggestions"] = suggestions
        super().__init__(_("The preferences are not valid."), extra=extra)


@dataclass(frozen=True)
class Preferences:
    budget_min: int | None = None
    budget_max: int | None = None
    locations: tuple[regions.Region, ...] = ()
    property_type: str | None = None
    amenities: tuple[str, ...] = ()
    market_overrides: dict[str, float] = field(default_factory=dict)  # municipality number → yearly change

    @property
    def amenity_mask(self) -> int:
        return reference.feature_mask(self.amenities)

    @property
    def municipality_numbers(self) -> set[str]:
        return {r.code for r in self.locations if r.kind == "municipality"}

    @property
    def county_numbers(self) -> set[str]:
        return {r.code for r in self.locations if r.kind == "county"}

    @property
    def is_empty(self) -> bool:
        return not (self.budget_min or self.budget_max or self.locations or self.property_type or self.amenities)


def _amount(value, path, add) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        add(path, "invalid_amount", _("Enter an amount in NOK."))
        return None
    try:
        number = float(str(value).replace(" ", "").replace("_", ""))
    except ValueError:
        add(path, "invalid_amount", _("Enter an amount in NOK."))
        return None
    if number != number or number in (float("inf"), float("-inf")):
        add(path, "invalid_amount", _("Enter an amount in NOK."))
        return None
    if number < 0:
        add(path, "negative_amount", _("Amounts cannot be negative."))
        return None
    if number > MAX_AMOUNT:
        add(path, "amount_too_large", _("The amount is too large."))
        return None
    return int(number)


def _strings(value, path, add) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        add(path, "invalid_list", _("Give a list of names."))
        return []
    return [v.strip() for v in value if v.strip()]


def preferences_clean(*, user_preferences: Any, market_trends: Any = None) -> Preferences:
    """Parse F9's request body parts. Raises PreferencesInvalid with one code per problem."""
    errors: dict[str, list[dict]] = {}
    suggestions: dict[str, list[str]] = {}

    def add(path: str, code: str, message: str) -> None:
        errors.setdefault(path, []).append({"code": code, "message": message})

    prefs = user_preferences if user_preferences is not None else {}
    if not isinstance(prefs, dict):
        add("user_preferences", "invalid_preferences", _("user_preferences must be an object."))
        raise PreferencesInvalid(errors, suggestions)

    # Budget: [min, max] (either may be null); the stored-preferences shape {"min", "max"} is accepted too.
    budget = prefs.get("budget_range", prefs.get("budget"))
    budget_min = budget_max = None
    if isinstance(budget, dict):
        budget = [budget.get("min"), budget.get("max")]
    if budget is not None:
        if not isinstance(budget, list | tuple) or len(budget) != 2:
            add("user_preferences.budget_range", "invalid_budget", _("budget_range must be [min, max] in NOK."))
        else:
            budget_min = _amount(budget[0], "user_preferences.budget_range", add)
            budget_max = _amount(budget[1], "user_preferences.budget_range", add)
            if budget_min is not None and budget_max is not None and budget_min > budget_max:
                add("user_preferences.budget_range", "budget_min_above_max",
                    _("The budget's minimum is above its maximum."))

    # Locations: municipality or county names (or numbers), case- and accent-insensitive.
    names = _strings(prefs.get("locations"), "user_preferences.locations", add)
    located: list[regions.Region] = []
    if len(names) > settings.RECOMMENDER_MAX_LOCATIONS:
        add("user_preferences.locations", "too_many_locations",
            _("At most %(n)d locations.") % {"n": settings.RECOMMENDER_MAX_LOCATIONS})
    else:
        unknown = []
        for name in names:
            region = regions.resolve(name)
            if region is None:
                unknown.append(name)
                suggestions[name] = regions.suggestions(name)
            elif region.kind != "country" and region not in located:
                located.append(region)
        if unknown:
            hints = "; ".join(f"{', '.join(suggestions[n])} ({n})" for n in unknown if suggestions[n])
            message = _("Unknown location: %(v)s.") % {"v": ", ".join(unknown)}
            if hints:
                message += " " + _("Did you mean %(hints)s?") % {"hints": hints}
            add("user_preferences.locations", "unknown_location", message)

    # Property type: a catalogue category.
    property_type = prefs.get("property_type")
    if property_type in ("", None, "any"):
        property_type = None
    elif not isinstance(property_type, str) or property_type.strip().lower() not in Category.values:
        add("user_preferences.property_type", "unknown_property_type",
            _("Unknown property type. Use one of %(ok)s.") % {"ok": ", ".join(Category.values)})
        property_type = None
    else:
        property_type = property_type.strip().lower()

    # Amenities: feature tags.
    amenities = _strings(prefs.get("amenities"), "user_preferences.amenities", add)
    amenities = [a.lower() for a in amenities]
    unknown_amenities = [a for a in amenities if a not in reference.FEATURE_BITS]
    if unknown_amenities:
        add("user_preferences.amenities", "unknown_amenity",
            _("Unknown amenity: %(v)s. Use any of %(ok)s.") % {"v": ", ".join(unknown_amenities),
                                                               "ok": ", ".join(reference.FEATURES)})

    # market_trends: {} = ours; otherwise {"Bergen": 10.3, …}, a yearly change in per cent per region.
    overrides: dict[str, float] = {}
    if market_trends not in (None, {}):
        if not isinstance(market_trends, dict):
            add("market_trends", "invalid_market_trends", _("market_trends must be an object."))
        else:
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
    if errors:
        raise PreferencesInvalid(errors, suggestions)
    return Preferences(budget_min=budget_min, budget_max=budget_max, locations=tuple(located),
                       property_type=property_type, amenities=tuple(dict.fromkeys(amenities)),
                       market_overrides=overrides)
