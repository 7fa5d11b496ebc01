"""Public reference data shipped in data/: municipalities, counties and building types.

Sources: data/kommuner_2025.csv (SSB via aprestmo/norway-geodata, MIT / NLOD
"Statistisk sentralbyrå"; coordinates © Kartverket, CC BY 4.0) and
data/bygningstyper_ns3457.csv (SSB classification 31). Loaded once per process.
"""
from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import gettext_lazy as _

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

# Feature tags. The position in this tuple is the tag's bit in Property.feature_mask:
# append new tags at the end, never reorder or remove.
FEATURES: tuple[str, ...] = (
    "waterfront", "sauna", "garage", "balcony", "fireplace", "view",
    "jetty", "ski_in_out", "road_access", "electricity", "water",
)
FEATURE_BITS = {name: 1 << i for i, name in enumerate(FEATURES)}
FEATURE_LABELS = {
    "waterfront": _("Waterfront"), "sauna": _("Sauna"), "garage": _("Garage"), "balcony": _("Balcony"),
    "fireplace": _("Fireplace"), "view": _("View"), "jetty": _("Jetty"), "ski_in_out": _("Ski-in/ski-out"),
    "road_access": _("Road access"), "electricity": _("Electricity"), "water": _("Running water"),
}


def feature_label(tag: str) -> str:
    """A feature tag as a person reads it, in the current language (unknown tags as they are)."""
    return str(FEATURE_LABELS.get(tag, tag.replace("_", " ")))


def feature_mask(tags) -> int:
    mask = 0
    for tag in tags:
        mask |= FEATURE_BITS[tag]
    return mask


def fold(text: str) -> str:
    """Lower-case, accent-free form used for name matching and address search.

    Norwegian letters are folded the way people type them without a Norwegian
    keyboard: æ→ae, ø→o, å→a.
    """
    text = text.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    if not text.isascii():  # accents left: strip them (most addresses have none, and this is the slow part)
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.split())


@dataclass(frozen=True)
class Municipality:
    number: str
    name: str
    county_number: str
    county_name: str
    population: int
    area_km2: float
    lat: float
    lon: float


@dataclass(frozen=True)
class County:
    number: str
    name: str


@dataclass(frozen=True)
class BuildingType:
    code: int
    name: str
    group: str
    category: str  # residential | cabin | commercial | other


@cache
def municipalities() -> dict[str, Municipality]:
    with open(DATA_DIR / "kommuner_2025.csv", encoding="utf-8") as fh:
        return {
            row["kommunenummer"]: Municipality(
                number=row["kommunenummer"],
                name=row["kommunenavn_norsk"] or row["kommunenavn"],
                county_number=row["fylkesnummer"],
                county_name=row["fylkesnavn"],
                population=int(row["folketall_2025_01_01"]),
                area_km2=float(row["areal_km2"]),
                lat=float(row["lat"]),
                lon=float(row["lon"]),
            )
            for row in csv.DictReader(fh)
        }


@cache
def counties() -> dict[str, County]:
    result = {}
    for m in municipalities().values():
        result[m.county_number] = County(m.county_number, m.county_name)
    return dict(sorted(result.items()))


@cache
def _municipality_names() -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    with open(DATA_DIR / "kommuner_2025.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for name in {row["kommunenavn"], row["kommunenavn_norsk"]}:
                # Sami and Kven names are written "Kárášjohka - Karasjok": accept each part.
                for part in {name, *name.split(" - ")}:
                    if part:
                        names.setdefault(fold(part), []).append(row["kommunenummer"])
    return names


def municipality_numbers_for(value: str) -> list[str]:
    """Municipality numbers for a number or a (case- and accent-insensitive) name; [] if unknown."""
    value = value.strip()
    if value.isdigit():
        return [value] if value in municipalities() else []
    return sorted(set(_municipality_names().get(fold(value), [])))


def county_number_for(value: str) -> str | None:
    value = value.strip()
    if value.isdigit():
        value = value.zfill(2)
        return value if value in counties() else None
    folded = fold(value)
    for county in counties().values():
        if fold(county.name) == folded or folded in {fold(p) for p in county.name.split(" - ")}:
            return county.number
    return None


@cache
def building_types() -> dict[int, BuildingType]:
    with open(DATA_DIR / "bygningstyper_ns3457.csv", encoding="utf-8") as fh:
        return {
            int(row["kode"]): BuildingType(
                int(row["kode"]), row["navn_nb"], row["hovedgruppe"], row["kategori_forslag"]
            )
            for row in csv.DictReader(fh)
        }
