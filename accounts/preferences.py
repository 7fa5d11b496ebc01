"""A user's property preferences (`user_preferences`), parsed and checked once for every interface.

Budget, locations, property type and amenities, checked for meaning against the catalogue's
reference data: locations are municipality or county names or numbers (properties.regions), the
type a catalogue category, amenities feature tags. The profile page and API parse with it before a
profile is stored; the recommender parses a request's preferences and a stored profile with it.

Two shapes are read: the recommend request's (`budget_range: [min, max]`) and the stored profile
(`budget: {"min", "max"}`, exactly the four keys). `preferences_check` never raises: it keeps every
valid part and lists each problem with its part, a stable code and a message that says how to fix
it, so a stored profile with one bad part still gives the others. A part with a problem is left out
as a whole.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from properties import reference, regions
from properties.models import Category

PARTS = ("budget", "locations", "property_type", "amenities")
PART_LABELS = {"budget": gettext_lazy("Budget"), "locations": gettext_lazy("Locations"),
               "property_type": gettext_lazy("Property type"), "amenities": gettext_lazy("Amenities"),
               "": gettext_lazy("Preferences")}
MAX_AMOUNT = 10**11  # NOK; anything above is a typo


@dataclass(frozen=True)
class PreferenceProblem:
    part: str  # one of PARTS, or "" for the value as a whole
    code: str
    message: str
    suggestions: dict[str, list[str]] = field(default_factory=dict)  # unknown location → close names

    @property
    def label(self) -> str:
        return str(PART_LABELS.get(self.part, self.part))


@dataclass(frozen=True)
class UserPreferences:
    budget_min: int | None = None
    budget_max: int | None = None
    locations: tuple[regions.Region, ...] = ()  # resolved; Norway as a whole is no constraint and not listed
    property_type: str | None = None  # a Category value; None: any
    amenities: tuple[str, ...] = ()  # feature tags, reference.FEATURES
    location_names: tuple[str, ...] = ()  # as the user wrote them (stored so)

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

    def stored(self) -> dict:
        """The stored profile's shape (User.preferences)."""
        return {"budget": {"min": self.budget_min, "max": self.budget_max}, "locations": list(self.location_names),
                "property_type": self.property_type, "amenities": list(self.amenities)}


class _Problems(list):
    def add(self, part: str, code: str, message: str, suggestions: dict[str, list[str]] | None = None) -> None:
        self.append(PreferenceProblem(part, code, message, suggestions or {}))

    def has(self, part: str) -> bool:
        return any(p.part == part for p in self)


def _amount(value: Any, problems: _Problems) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        problems.add("budget", "invalid_amount", _("Enter an amount in NOK."))
        return None
    try:
        number = float(str(value).replace(" ", "").replace("_", ""))
    except ValueError:
        problems.add("budget", "invalid_amount", _("Enter an amount in NOK."))
        return None
    if not math.isfinite(number):
        problems.add("budget", "invalid_amount", _("Enter an amount in NOK."))
        return None
    if number < 0:
        problems.add("budget", "negative_amount", _("Amounts cannot be negative."))
        return None
    if number > MAX_AMOUNT:
        problems.add("budget", "amount_too_large", _("The amount is too large."))
        return None
    return int(number)


def _strings(value: Any, part: str, problems: _Problems) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        problems.add(part, "invalid_list", _("Give a list of names."))
        return []
    return [v.strip() for v in value if v.strip()]


def _budget(value: dict, problems: _Problems) -> tuple[int | None, int | None]:
    key = "budget_range" if "budget_range" in value else "budget"
    budget = value.get(key)
    if isinstance(budget, dict):
        budget = [budget.get("min"), budget.get("max")]
    if budget is None:
        return None, None
    if not isinstance(budget, list | tuple) or len(budget) != 2:
        problems.add("budget", "invalid_budget", _("budget_range must be [min, max] in NOK.") if key == "budget_range"
                     else _("The budget has a min and a max."))
        return None, None
    low, high = _amount(budget[0], problems), _amount(budget[1], problems)
    if low is not None and high is not None and low > high:
        problems.add("budget", "budget_min_above_max", _("The budget's minimum is above its maximum."))
    if problems.has("budget"):
        return None, None
    return low, high


def _locations(value: Any, problems: _Problems) -> tuple[tuple[regions.Region, ...], tuple[str, ...]]:
    names = list(dict.fromkeys(_strings(value, "locations", problems)))
    if len(names) > settings.RECOMMENDER_MAX_LOCATIONS:
        problems.add("locations", "too_many_locations",
                     _("At most %(n)d locations.") % {"n": settings.RECOMMENDER_MAX_LOCATIONS})
        return (), ()
    located: list[regions.Region] = []
    unknown: dict[str, list[str]] = {}
    for name in names:
        region = regions.resolve(name)
        if region is None:
            unknown[name] = regions.suggestions(name)
        elif region.kind != "country" and region not in located:
            located.append(region)
    if unknown:
        hints = "; ".join(f"{', '.join(close)} ({name})" for name, close in unknown.items() if close)
        message = _("Unknown location: %(v)s.") % {"v": ", ".join(unknown)}
        if hints:
            message += " " + _("Did you mean %(hints)s?") % {"hints": hints}
        problems.add("locations", "unknown_location", message, unknown)
    if problems.has("locations"):
        return (), ()
    return tuple(located), tuple(names)


def _property_type(value: Any, problems: _Problems) -> str | None:
    if value in ("", None, "any"):
        return None
    if not isinstance(value, str) or value.strip().lower() not in Category.values:
        problems.add("property_type", "unknown_property_type",
                     _("Unknown property type. Use one of %(ok)s.") % {"ok": ", ".join(Category.values)})
        return None
    return value.strip().lower()


def _amenities(value: Any, problems: _Problems) -> tuple[str, ...]:
    amenities = [a.lower() for a in _strings(value, "amenities", problems)]
    unknown = [a for a in amenities if a not in reference.FEATURE_BITS]
    if unknown:
        problems.add("amenities", "unknown_amenity",
                     _("Unknown amenity: %(v)s. Use any of %(ok)s.") % {"v": ", ".join(unknown),
                                                                        "ok": ", ".join(reference.FEATURES)})
    if problems.has("amenities"):
        return ()
    return tuple(dict.fromkeys(amenities))


def preferences_check(value: Any, *, stored_shape: bool = False) -> tuple[UserPreferences, list[PreferenceProblem]]:
    """The valid parts of `value`, and every problem (part, code, message). Never raises.

    With `stored_shape`, keys other than the stored profile's four are a problem of the whole.
    """
    problems = _Problems()
    if value is None:
        value = {}
    if not isinstance(value, dict):
        problems.add("", "invalid_preferences", _("Preferences have budget, locations, property_type and amenities."))
        return UserPreferences(), list(problems)
    if stored_shape and set(value) - set(PARTS):
        problems.add("", "invalid_preferences", _("Preferences have budget, locations, property_type and amenities."))
        return UserPreferences(), list(problems)
    budget_min, budget_max = _budget(value, problems)
    locations, names = _locations(value.get("locations"), problems)
    property_type = _property_type(value.get("property_type"), problems)
    amenities = _amenities(value.get("amenities"), problems)
    return UserPreferences(budget_min=budget_min, budget_max=budget_max, locations=locations,
                           property_type=property_type, amenities=amenities, location_names=names), list(problems)


def preferences_error(problems: list[PreferenceProblem], *, prefix: str = "preferences") -> ValidationError:
    """The problems as one ValidationError keyed by `prefix.part` (the whole value: `prefix`), codes kept."""
    errors: dict[str, list[ValidationError]] = {}
    for problem in problems:
        key = f"{prefix}.{problem.part}" if problem.part else prefix
        errors.setdefault(key, []).append(ValidationError(problem.message, code=problem.code))
    return ValidationError(errors)
