"""Reads for valuation: sales and properties as model frames, the active version, comparable sales."""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from django.conf import settings
from django.db.models import F, Window
from django.db.models.functions import Mod, RowNumber
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from properties.geo import haversine_km
from properties.models import FactSource, Property, PropertySale
from properties.selectors import FACT_LABELS

from .artifacts import valuation_artifact_check, valuation_model_for
from .errors import ArtifactRejected
from .frame import PROPERTY_COLUMNS, Frame, concat, day_number, from_property_rows
from .model import ModelFormatError
from .models import PropertyEstimateHistory, ValuationModelVersion

logger = logging.getLogger(__name__)
COMPARABLE_CANDIDATES = 500  # nearest recent sales ranked per request
# The facts of PROPERTY_COLUMNS that carry a source (Property.fact_sources); feature_mask is "features".
MODEL_FACTS = ("category", "building_type_code", "usable_area", "plot_area", "rooms", "bedrooms", "floors",
               "year_built", "location", "features")
SALE_PROPERTY_COLUMNS = tuple(f"property__{c}" if c != "id" else "property_id" for c in PROPERTY_COLUMNS)


def valuation_version_active() -> ValuationModelVersion | None:
    return ValuationModelVersion.objects.filter(is_active=True).first()


def sales_frame(*, chunk: int = 100_000) -> Frame:
    """Every recorded sale with its property's facts, oldest first."""
    parts = []
    last_id = 0
    while True:
        rows = list(
            PropertySale.objects.filter(id__gt=last_id)
            .order_by("id")
            .values_list("id", "sold_on", "price", "true_value", *SALE_PROPERTY_COLUMNS[1:], "property_id")[:chunk]
        )
        if not rows:
            break
        last_id = rows[-1][0]
        prop_rows = [(r[-1], *r[4:-1]) for r in rows]
        parts.append(from_property_rows(
            prop_rows, price=[r[2] for r in rows], sold_day=[day_number(r[1]) for r in rows],
            true_value=[r[3] for r in rows]))
    if not parts:
        return from_property_rows([], price=[], sold_day=[], true_value=[])
    f = concat(parts)
    return f.take(np.argsort(f.sold_day, kind="stable"))


def property_id_slices(*, size: int) -> list[tuple[int, int]]:
    """Half-open id ranges [low, high) covering every active property, about `size` properties each."""
    starts = list(Property.objects.active().annotate(row=Window(RowNumber(), order_by=F("id").asc()))
                  .annotate(slot=Mod(F("row") - 1, size)).filter(slot=0).order_by("id").values_list("id", flat=True))
    return list(zip(starts, [*starts[1:], None], strict=True))


def property_frame_between(*, low: int, high: int | None) -> tuple[list[int], Frame]:
    """The active properties with low <= id < high (no upper bound when high is None), in id order."""
    qs = Property.objects.active().filter(id__gte=low)
    if high is not None:
        qs = qs.filter(id__lt=high)
    rows = list(qs.order_by("id").values_list(*PROPERTY_COLUMNS))
    return [r[0] for r in rows], from_property_rows(rows)


def property_frame(*, prop: Property) -> Frame:
    return from_property_rows([tuple(getattr(prop, c) for c in PROPERTY_COLUMNS)])


@dataclass
class Comparable:
    sale_id: int
    property_id: int
    address: str
    municipality_name: str
    sold_on: date
    price: int
    usable_area: int | None
    distance_km: float


def comparable_sales(*, prop: Property, limit: int = 5, today: date | None = None) -> list[Comparable]:
    """The most comparable recent sales nearby: same category, close by, similar size, recent; one per property.

    Sales carry their property's category and place (migration 0007), so each step is one range scan
    of the `sale_place` index, nearest first. The box widens (1 → 5 → 25 → 50 km) until it holds
    enough candidates; they are ranked by distance, size difference and age. Empty when nothing is near.
    """
    today = today or date.today()
    since = today - timedelta(days=365 * settings.VALUATION_COMPARABLES_YEARS)
    kx = max(math.cos(math.radians(prop.lat)), 0.05)
    candidates = []
    for radius in (1.0, 5.0, 25.0, 50.0):
        dlat, dlon = radius / 111.0, radius / (111.0 * kx)
        # Squared degrees, longitude scaled: ordering by it is ordering by distance.
        d2 = (F("lat") - prop.lat) * (F("lat") - prop.lat) + (F("lon") - prop.lon) * (F("lon") - prop.lon) * (kx * kx)
        candidates = list(PropertySale.objects.filter(
            category=prop.category, lat__gte=prop.lat - dlat, lat__lte=prop.lat + dlat,
            lon__gte=prop.lon - dlon, lon__lte=prop.lon + dlon, sold_on__gte=since,
        ).exclude(property_id=prop.pk).annotate(d2=d2).order_by("d2", "id")
            .values_list("id", "property_id", "sold_on", "price", "usable_area", "lat", "lon")[:COMPARABLE_CANDIDATES])
        if len(candidates) >= limit * 3:
            break
    scored = []
    for sid, pid, sold_on, price, area, lat, lon in candidates:
        if lat is None or lon is None:  # the box filter already left these out
            continue
        distance = haversine_km(prop.lat, prop.lon, lat, lon)
        if distance > 50.0:
            continue
        size = abs(math.log(area / prop.usable_area)) if area and prop.usable_area else 0.5
        age_years = (today - sold_on).days / 365.0
        scored.append((distance / 2.0 + size * 4.0 + age_years * 0.3, sid, pid, sold_on, price, area, distance))
    scored.sort(key=lambda item: (item[0], item[1]))
    best: list[tuple] = []
    seen: set[int] = set()
    for item in scored:  # one sale per property: its most comparable (usually its latest)
        if item[2] not in seen and len(best) < limit:
            seen.add(item[2])
            best.append(item)
    names = {pk: (address, muni) for pk, address, muni in Property.objects.filter(
        pk__in=[item[2] for item in best]).values_list("id", "address", "municipality_name")}
    return [Comparable(sale_id=sid, property_id=pid, address=names[pid][0], municipality_name=names[pid][1],
                       sold_on=sold_on, price=price, usable_area=area, distance_km=round(distance, 2))
            for _score, sid, pid, sold_on, price, area, distance in best]


# --- one property's valuation ------------------------------------------------------------------

GROUP_LABELS = {"location": gettext_lazy("Location"), "size": gettext_lazy("Size"),
                "type": gettext_lazy("Building type"), "age": gettext_lazy("Age"),
                "features": gettext_lazy("Features"), "other": gettext_lazy("Other facts")}


@dataclass
class Factor:
    group: str
    label: str
    effect_percent: float
    text: str


@dataclass
class PropertyValuation:
    property_id: int
    estimate: int | None
    low: int | None
    high: int | None
    source: str
    estimated_at: object
    model_version: int | None
    typical_value: int | None
    factors: list[Factor]
    comparables: list[Comparable]
    # The active model wrote the estimate but cannot be loaded in this process (missing, or trained under
    # other library versions): the stored estimate stands, its explanation is unavailable.
    explanation_unavailable: bool = False
    accuracy: Accuracy | None = None
    comparables_used: int | None = None  # recorded sales the model's comparable-sales features rest on
    history: list[HistoryPoint] = field(default_factory=list)
    sales: list[RecordedSale] = field(default_factory=list)
    # Where each fact the model reads came from (Property.fact_sources), e.g. {"usable_area": "owner"}; the
    # estimate is written from the facts in force, and re-written when an owner changes one.
    fact_sources: dict[str, str] = field(default_factory=dict)
    owner_facts: list[str] = field(default_factory=list)  # labels of the facts used that the owner supplied


@dataclass
class Accuracy:
    """How accurate the active version was on its hold-out for estimates like this one."""

    scope: str  # "category_county", "category" or "all": the narrowest group with enough hold-out sales
    category: str
    county_name: str
    sales: int
    mdape: float
    within_10: float  # % of hold-out sales within ±10 %
    within_20: float


@dataclass
class HistoryPoint:
    version: int
    estimated_at: object
    estimate: int
    low: int
    high: int


@dataclass
class RecordedSale:
    sold_on: date
    price: int


MIN_ACCURACY_SALES = 30  # a group's hold-out figures are shown only when this many sales stand behind them


def valuation_accuracy_for(*, version: ValuationModelVersion, category: str, county_number: str,
                           county_name: str = "") -> Accuracy | None:
    """The version's hold-out figures for this category in this county, else for the category, else overall."""
    metrics = version.metrics or {}
    candidates = (("category_county", (metrics.get("by_category_county") or {}).get(f"{category}|{county_number}")),
                  ("category", (metrics.get("by_category") or {}).get(category)),
                  ("all", metrics.get("overall")))
    for scope, row in candidates:
        if row and row.get("n", 0) >= MIN_ACCURACY_SALES and row.get("mdape") is not None:
            return Accuracy(scope=scope, category=category, county_name=county_name, sales=int(row["n"]),
                            mdape=float(row["mdape"]), within_10=float(row["pe10"]), within_20=float(row["pe20"]))
    return None


def property_estimate_history(*, prop: Property) -> list[HistoryPoint]:
    """Every version's estimate of the property, oldest first."""
    rows = (PropertyEstimateHistory.objects.filter(property=prop).select_related("version")
            .order_by("estimated_at", "version__version"))
    return [HistoryPoint(version=r.version.version, estimated_at=r.estimated_at, estimate=r.estimate, low=r.low,
                         high=r.high) for r in rows]


def property_recorded_sales(*, prop: Property) -> list[RecordedSale]:
    return [RecordedSale(sold_on=d, price=p)
            for d, p in PropertySale.objects.filter(property=prop).order_by("sold_on", "id").values_list("sold_on",
                                                                                                       "price")]


def _group_detail(group: str, prop: Property) -> str:
    from properties import reference

    if group == "location":
        return prop.municipality_name
    if group == "size":
        return f"{prop.usable_area} m²" if prop.usable_area else _("unknown area")
    if group == "type":
        bt = reference.building_types().get(prop.building_type_code) if prop.building_type_code else None
        if bt:
            return bt.name
        return str(prop.building_type_code) if prop.building_type_code else prop.category or "unknown type"
    if group == "age":
        return _("built %(year)s") % {"year": prop.year_built} if prop.year_built else _("year built unknown")
    if group == "features":
        basics = ("road_access", "electricity", "water")
        present = [reference.feature_label(t) for t in (prop.features or []) if t not in basics]
        missing = [reference.feature_label(t).lower() for t in basics if t not in (prop.features or [])]
        parts = present[:4] + [_("no %(feature)s") % {"feature": m} for m in missing]
        return ", ".join(parts) if parts else _("standard")
    return ""


def _explain(prop: Property, version: ValuationModelVersion) -> tuple[int, list[Factor], int]:
    from django.core.cache import cache

    stamp = prop.updated_at.timestamp() if prop.updated_at else 0
    # The factors' texts are in the reader's language: one cached copy per language.
    key = f"valuation:factors:{version.artifact_sha256[:16]}:{prop.pk}:{stamp}:{get_language()}"
    cached = cache.get(key)  # plain data, no pickled classes: moving this module never breaks a read
    if cached is not None and len(cached) == 3:
        typical, rows, used = cached
        return typical, [Factor(*row) for row in rows], used
    model = valuation_model_for(version=version)
    frame = property_frame(prop=prop)
    phi = model.explain(frame)
    used = int(model.comparables_used(frame)[0])
    typical = int(round(math.exp(phi.pop("_reference")), -3))
    factors = []
    for group, value in sorted(phi.items(), key=lambda item: -abs(item[1])):
        pct = round((math.exp(value) - 1) * 100, 1)
        if abs(pct) < 0.5:
            continue
        label = str(GROUP_LABELS.get(group, group))
        detail = _group_detail(group, prop)
        title = f"{label} ({detail})" if detail else label
        factors.append(Factor(group=group, label=title, effect_percent=pct, text=f"{title}: {pct:+.0f}%"))
    cache.set(key, (typical, [(f.group, f.label, f.effect_percent, f.text) for f in factors], used), 3600)
    return typical, factors, used


def property_valuation(*, prop: Property) -> PropertyValuation:
    """The stored estimate, what drives it (when the active model wrote it) and comparable sales nearby."""
    version = valuation_version_active()
    factors: list[Factor] = []
    typical = None
    model_version = None
    unavailable = False
    accuracy = None
    used = None
    if version is not None and prop.estimate_source == version.label:
        model_version = version.version
        try:
            typical, factors, used = _explain(prop, version)
        except ArtifactRejected as exc:
            logger.warning("valuation explanation unavailable: version=%s reason=%s", version.version,
                           exc.extra.get("reason"))
            unavailable = True
        except ModelFormatError:  # a file of an earlier model layout: the stored estimate, without its factors
            logger.warning("valuation model %s has an earlier layout; retrain it", version.label)
            unavailable = True
        accuracy = valuation_accuracy_for(version=version, category=prop.category or "",
                                          county_number=prop.county_number, county_name=prop.county_name)
    known = prop.fact_sources or {}
    sources = {fact: str(known[fact]) for fact in MODEL_FACTS if known.get(fact)}
    return PropertyValuation(
        property_id=prop.pk, estimate=prop.estimate, low=prop.estimate_low, high=prop.estimate_high,
        source=prop.estimate_source, estimated_at=prop.estimated_at, model_version=model_version,
        typical_value=typical, factors=factors, comparables=comparable_sales(prop=prop),
        explanation_unavailable=unavailable, accuracy=accuracy, comparables_used=used,
        history=property_estimate_history(prop=prop), sales=property_recorded_sales(prop=prop),
        fact_sources=sources, owner_facts=[str(FACT_LABELS[f]) for f, s in sources.items() if s == FactSource.OWNER],
    )


def valuation_model_state() -> dict:
    """Whether the active model can be loaded by this process: for /healthz and the admin. Never raises."""
    version = valuation_version_active()
    if version is None:
        return {"ok": False, "state": "no_active_model", "message": "No valuation model version is active."}
    state = {"version": version.version, "trained_at": version.created_at.isoformat()}
    try:
        artifact = valuation_artifact_check(name=version.artifact_name, sha256=version.artifact_sha256)
        valuation_model_for(version=version)
    except ArtifactRejected as exc:
        return {**state, "ok": False, "state": "unloadable", "reason": exc.extra.get("reason"), "message": exc.message}
    return {**state, "ok": True, "state": "loaded", "sklearn_version": artifact.sklearn_version,
            "numpy_version": artifact.numpy_version, "size": artifact.size}
