"""Reads from the catalogue. Search lives in properties.search (selectors: properties_search)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import reference
from .models import FactSource, Property


def property_get(*, pk: int) -> Property:
    """One property, retired ones included (offers and favourites still point at them)."""
    return Property.objects.get(pk=pk)


FACT_LABELS = {
    "category": gettext_lazy("Category"), "building_type_code": gettext_lazy("Building type"),
    "usable_area": gettext_lazy("Usable area"), "plot_area": gettext_lazy("Plot area"),
    "rooms": gettext_lazy("Rooms"), "bedrooms": gettext_lazy("Bedrooms"), "floors": gettext_lazy("Floors"),
    "year_built": gettext_lazy("Year built"), "features": gettext_lazy("Features"),
    "location": gettext_lazy("Position on the map"), "address": gettext_lazy("Address"),
}
# Why a fact is unknown, by the source that left it so.
UNKNOWN_BECAUSE: dict[str, Any] = {  # FactSource value → lazy text
    FactSource.OPEN_REGISTER: gettext_lazy("not in Kartverket's open address register"),
    FactSource.MATRIKKEL_API: gettext_lazy("not recorded in Matrikkelen"),
    FactSource.DEMO: gettext_lazy("not generated"),
    FactSource.OWNER: gettext_lazy("not given by the owner"),
}


# Where the value beside an owner's comes from, as the page says it ("112 m² in Matrikkelen").
BESIDE_LABELS: dict[str, Any] = {
    FactSource.MATRIKKEL_API: gettext_lazy("in Matrikkelen"),
    FactSource.OPEN_REGISTER: gettext_lazy("in Kartverket's open address register"),
    FactSource.DEMO: gettext_lazy("in the synthetic demo data"),
}


@dataclass(frozen=True)
class Fact:
    name: str
    label: str
    value: str | None  # None: unknown
    source: str | None  # FactSource value
    source_label: str
    synthetic: bool
    unknown_because: str
    by_owner: bool = False  # the owner supplied the value in force
    beside: str = ""  # then: the value another source gives, e.g. "112 m² in Matrikkelen" (empty if none)
    tags: tuple[tuple[str, bool], ...] = ()  # features: (label, supplied by the owner) per tag


def _fact_text(name: str, value: Any, prop: Property, *, known: bool = True) -> str | None:
    if name == "usable_area":
        return f"{value} m²" if value is not None else None
    if name == "features":
        labels = ", ".join(reference.feature_label(t) for t in value or [])
        return (labels or _("none")) if known else (labels or None)
    return None if value is None else str(value)


def _beside(name: str, prop: Property) -> str:
    """The value another source gives a fact the owner supplied, with where it comes from."""
    record = ((prop.fact_sources or {}).get("upstream") or {}).get(name) or {}
    source = record.get("source")
    if not source:
        return ""
    text = _fact_text(name, record.get("value"), prop)
    if text is None:
        return str(UNKNOWN_BECAUSE.get(source, "")).capitalize()
    return f"{text} {BESIDE_LABELS.get(source, '')}".strip()


def property_facts(*, prop: Property) -> list[Fact]:
    """Each fact of a property as the page shows it: its value or "unknown", and where it came from."""
    code = prop.building_type_code
    building_type = reference.building_types().get(code) if code is not None else None
    values = {
        "address": ", ".join(p for p in (prop.address, f"{prop.postcode} {prop.town}".strip()) if p) or None,
        "location": f"{prop.lat:.5f}, {prop.lon:.5f}",
        "category": prop.get_category_display() if prop.category else None,
        "building_type_code": (f"{prop.building_type_code} {building_type.name if building_type else ''}".strip()
                               if prop.building_type_code is not None else None),
        "usable_area": f"{prop.usable_area} m²" if prop.usable_area is not None else None,
        "plot_area": f"{intcomma(prop.plot_area)} m²" if prop.plot_area is not None else None,
        "rooms": prop.rooms, "bedrooms": prop.bedrooms, "floors": prop.floors, "year_built": prop.year_built,
        "features": (", ".join(reference.feature_label(t) for t in prop.features) or _("none")) if prop.features_known
        else (", ".join(reference.feature_label(t) for t in prop.features) or None),
    }
    facts = []
    tag_sources = (prop.fact_sources or {}).get("feature_tags") or {}
    for name, value in values.items():
        source = prop.fact_source(name)
        by_owner = source == FactSource.OWNER
        facts.append(Fact(
            name=name, label=str(FACT_LABELS[name]), value=None if value is None else str(value), source=source,
            source_label=str(FactSource(source).label) if source in FactSource.values else "",
            synthetic=source == FactSource.DEMO and value is not None,
            unknown_because=str(UNKNOWN_BECAUSE.get(source or "", "")) if value is None else "",
            by_owner=by_owner, beside=_beside(name, prop) if by_owner else "",
            tags=tuple((reference.feature_label(t), tag_sources.get(t) == FactSource.OWNER)
                       for t in prop.features or []) if name == "features" else (),
        ))
    return facts


def property_views_recent(*, property_ids: list[int], days: int = 7) -> dict[int, int]:
    """How many times each property's page was viewed in the last ``days`` days (today included)."""
    import datetime as dt

    from django.db.models import Sum
    from django.utils import timezone

    from .models import PropertyDailyViews

    since = timezone.localdate() - dt.timedelta(days=days - 1)
    rows = (PropertyDailyViews.objects.filter(property_id__in=property_ids, day__gte=since)
            .values("property_id").annotate(n=Sum("count")).order_by())
    return {row["property_id"]: row["n"] for row in rows}
