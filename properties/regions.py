"""Regions by name or number: Norway, a county or a municipality ("Bergen", "Vestland", "4601").

Names are matched case- and accent-insensitively (reference.fold); unknown names get
suggestions ("did you mean") from the closest municipality and county names. Used wherever
a user names a place: market trends, recommendations, stored preferences.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache

from properties import reference

NATIONAL_CODE = "NO"
NATIONAL_NAMES = {"norge", "norway", "hele landet", "no", "all"}


@dataclass(frozen=True)
class Region:
    kind: str  # country | county | municipality
    code: str
    name: str

    @property
    def municipality_numbers(self) -> tuple[str, ...]:
        if self.kind == "municipality":
            return (self.code,)
        if self.kind == "county":
            return tuple(n for n, m in reference.municipalities().items() if m.county_number == self.code)
        return tuple(reference.municipalities())


NATIONAL = Region("country", NATIONAL_CODE, "Norge")


def resolve(value: str) -> Region | None:
    """A municipality (preferred: "Oslo" is both) or county for a name or number; None if unknown."""
    value = (value or "").strip()
    if not value:
        return None
    if reference.fold(value) in NATIONAL_NAMES:
        return NATIONAL
    numbers = reference.municipality_numbers_for(value.zfill(4) if value.isdigit() and len(value) == 3 else value)
    if len(numbers) == 1:
        muni = reference.municipalities()[numbers[0]]
        return Region("municipality", muni.number, muni.name)
    county = reference.county_number_for(value)
    if county:
        return Region("county", county, reference.counties()[county].name)
    if len(numbers) > 1:  # a name two municipalities share (none today): take the first
        muni = reference.municipalities()[numbers[0]]
        return Region("municipality", muni.number, muni.name)
    return None


@cache
def _names() -> dict[str, str]:
    names = {reference.fold(m.name): m.name for m in reference.municipalities().values()}
    names.update({reference.fold(c.name): c.name for c in reference.counties().values()})
    return names


def suggestions(value: str, n: int = 3) -> list[str]:
    names = _names()
    return [names[k] for k in difflib.get_close_matches(reference.fold(value or ""), list(names), n=n, cutoff=0.6)]


def municipality_region(number: str) -> Region:
    muni = reference.municipalities()[number]
    return Region("municipality", muni.number, muni.name)


def county_region(number: str) -> Region:
    return Region("county", number, reference.counties()[number].name)
