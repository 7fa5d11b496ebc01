"""What a logged-in user's own behaviour says about their taste, from plain inputs.

Built from the user's saved properties (their facts), saved searches and search history
(their parameters) and stored preferences. Only that user's data goes in; the recommender
uses it for that user alone.

Evidence is counted, not yet compared: a save counts 1 and a search 0.5 (newer searches a
little more). How much a feature is *over-represented* in the saves — the loved amenities —
depends on what is on offer, so the engine works that out against its candidates
(`engine.feature_weights`).
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

from properties import reference

N_FEATURES = len(reference.FEATURES)
BITS = np.array([1 << i for i in range(N_FEATURES)], dtype=np.int64)
SEARCH_WEIGHT = 0.5
PLACE_HALF = 0.5  # evidence at which a place counts two thirds (1 save: 0.67, 5 saves: 0.91)
SEARCHED_PRICE_WEIGHT = 2.0  # a searched budget's midpoint counts as much as one save
PRICE_SD_FLOOR = 0.15  # log units
AREA_SD_FLOOR = 0.25


def feature_matrix(masks) -> np.ndarray:
    return ((np.asarray(masks, dtype=np.int64)[:, None] & BITS) > 0).astype(float)


@dataclass(frozen=True)
class SavedFacts:
    property_id: int
    municipality_number: str
    county_number: str
    category: str | None  # unknown for a register-only property
    estimate: int | None
    usable_area: int | None
    feature_mask: int


@dataclass(frozen=True)
class PriceBand:
    """A searched price range in log NOK (either end may be open) and the search's weight."""
    low: float | None
    high: float | None
    weight: float


@dataclass
class Profile:
    saved: list[SavedFacts] = field(default_factory=list)
    searches: list[dict] = field(default_factory=list)  # search parameters, newest first

    # Derived (see profile_build()).
    municipality_weight: dict[str, float] = field(default_factory=dict)  # 0–1, saturating in the evidence
    county_weight: dict[str, float] = field(default_factory=dict)
    searched_counties: set[str] = field(default_factory=set)
    category_share: dict[str, float] = field(default_factory=dict)
    saved_features: np.ndarray = field(default_factory=lambda: np.zeros(N_FEATURES))  # saves having each feature
    searched_features: np.ndarray = field(default_factory=lambda: np.zeros(N_FEATURES))  # weight of searches naming it
    log_price: tuple[float, float] | None = None  # centre, spread
    price_bands: list[PriceBand] = field(default_factory=list)
    log_area: tuple[float, float] | None = None
    searched_municipalities: set[str] = field(default_factory=set)
    saved_municipalities: Counter = field(default_factory=Counter)
    top_category: str | None = None

    @property
    def saved_ids(self) -> set[int]:
        return {s.property_id for s in self.saved}

    @property
    def is_empty(self) -> bool:
        return not self.saved and not self.searches

    @property
    def feature_share(self) -> np.ndarray | None:
        """Share of the saves having each feature."""
        return self.saved_features / len(self.saved) if self.saved else None

    @property
    def has_feature_evidence(self) -> bool:
        return bool(self.saved) or bool(self.searched_features.any())

    def price_window(self) -> tuple[int, int] | None:
        """The estimates this user's saves and searched budgets cover, with some room either side."""
        if self.log_price is None:
            return None
        mu, sd = self.log_price
        lo, hi = mu - 2 * sd, mu + 2 * sd
        for band in self.price_bands:
            if band.low is not None:
                lo = min(lo, band.low - 0.05)
            if band.high is not None:
                hi = max(hi, band.high + 0.05)
        return int(math.exp(lo)), int(math.ceil(math.exp(hi)))


def _search_munis(params: dict) -> tuple[set[str], set[str]]:
    munis, counties = set(), set()
    for item in str(params.get("municipality") or "").split(","):
        munis.update(reference.municipality_numbers_for(item) if item.strip() else [])
    for item in str(params.get("county") or "").split(","):
        number = reference.county_number_for(item) if item.strip() else None
        if number:
            counties.add(number)
    return munis, counties


def _bound(params: dict, key: str) -> float | None:
    try:
        value = float(str(params.get(key) or "").replace(" ", ""))
    except ValueError:
        return None
    return math.log(value) if value > 0 else None


def _saturate(evidence: dict[str, float]) -> dict[str, float]:
    return {k: v / (v + PLACE_HALF) for k, v in evidence.items() if v > 0}


def profile_build(*, saved: list[SavedFacts], searches: list[dict]) -> Profile:
    """Evidence from saves (1 each) and searches (0.5 each, newer first count a little more)."""
    profile = Profile(saved=saved, searches=searches)
    # Evidence weights (saves count 1, searches less): floats, so not Counters.
    muni: defaultdict[str, float] = defaultdict(float)
    county: defaultdict[str, float] = defaultdict(float)
    cats: defaultdict[str, float] = defaultdict(float)
    prices: list[tuple[float, float]] = []  # (log price, weight)
    areas = []
    for s in saved:
        muni[s.municipality_number] += 1.0
        county[s.county_number] += 1.0
        if s.category:  # an unknown category is no evidence of taste
            cats[s.category] += 1.0
        profile.saved_features += feature_matrix([s.feature_mask])[0]
        if s.estimate:
            prices.append((math.log(s.estimate), 1.0))
        if s.usable_area:
            areas.append(math.log(s.usable_area))
        profile.saved_municipalities[s.municipality_number] += 1
    for i, params in enumerate(searches):
        weight = SEARCH_WEIGHT * (0.97 ** i)
        m, c = _search_munis(params)
        for number in m:
            muni[number] += weight
            profile.searched_municipalities.add(number)
        for number in c:
            county[number] += weight
            profile.searched_counties.add(number)
        for cat in str(params.get("category") or "").split(","):
            if cat.strip() in ("residential", "cabin", "commercial"):
                cats[cat.strip()] += weight
        tags = [t.strip() for t in str(params.get("features") or "").split(",") if t.strip() in reference.FEATURE_BITS]
        if tags:  # a search naming a feature is evidence for it, not against the others
            profile.searched_features += weight * feature_matrix([reference.feature_mask(tags)])[0]
        low, high = _bound(params, "estimate_min"), _bound(params, "estimate_max")
        if low is not None or high is not None:
            profile.price_bands.append(PriceBand(low, high, weight))
            if low is not None and high is not None:
                prices.append(((low + high) / 2, SEARCHED_PRICE_WEIGHT * weight))
    # A municipality's county counts a quarter of the municipality's evidence.
    for number, weight in list(muni.items()):
        if number in reference.municipalities():
            county[reference.municipalities()[number].county_number] += 0.25 * weight
    profile.municipality_weight = _saturate(muni)
    profile.county_weight = _saturate(county)
    if cats:
        total = sum(cats.values())
        profile.category_share = {k: v / total for k, v in cats.items()}
        profile.top_category = max(cats.items(), key=lambda item: item[1])[0]  # the first of equals
    if prices:
        values = np.array([p for p, _w in prices])
        weights = np.array([w for _p, w in prices])
        mu = float(np.average(values, weights=weights))
        sd = math.sqrt(float(np.average((values - mu) ** 2, weights=weights)))
        profile.log_price = (mu, max(sd, PRICE_SD_FLOOR))
    if areas:
        profile.log_area = (float(np.mean(areas)), max(float(np.std(areas)), AREA_SD_FLOOR))
    return profile
