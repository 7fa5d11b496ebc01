"""Regions for trends and recommendations: Norway, a county or a municipality, by name or number.

Names are matched case- and accent-insensitively (properties.reference.fold); unknown names
get suggestions from the closest municipality and county names.
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
    kind: str  # country | county | municipality (RegionKind values)
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


# SSB's house price index regions (table 07221) by their label; codes are not relied on.
SSB_REGION_MUNICIPALITIES = {
    "hele landet": (), "oslo med baerum": ("0301", "3201"), "oslo med bærum": ("0301", "3201"),
}


def ssb_region(code: str, label: str) -> tuple[str, str, str, list[str]]:
    """(region_kind, region_code, region_name, municipality_numbers) for an SSB region."""
    folded = reference.fold(label)
    if folded in NATIONAL_NAMES or code.upper() == "TOTAL":
        return "country", NATIONAL_CODE, "Norge", []
    if folded in SSB_REGION_MUNICIPALITIES:
        return "ssb_region", f"ssb-{code}", label, list(SSB_REGION_MUNICIPALITIES[folded])
    if code.isdigit() and len(code) == 4 and code in reference.municipalities():
        return "municipality", code, reference.municipalities()[code].name, [code]
    numbers = reference.municipality_numbers_for(label)
    if len(numbers) == 1:
        return "ssb_region", f"ssb-{code}", label, numbers
    county = reference.county_number_for(label)
    if county:
        return "county", county, reference.counties()[county].name, list(county_region(county).municipality_numbers)
    return "ssb_region", f"ssb-{code}", label, []
