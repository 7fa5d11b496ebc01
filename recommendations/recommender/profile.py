"""What a logged-in user's own behaviour says about their taste, from plain inputs.

Built from the user's saved properties (their facts), saved searches and search history
(their parameters) and stored preferences. Only that user's data goes in; the recommender
uses it for that user alone.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from properties import reference

N_FEATURES = len(reference.FEATURES)
BITS = np.array([1 << i for i in range(N_FEATURES)], dtype=np.int64)


def feature_matrix(masks) -> np.ndarray:
    return ((np.asarray(masks, dtype=np.int64)[:, None] & BITS) > 0).astype(float)


@dataclass(frozen=True)
class SavedFacts:
    property_id: int
    municipality_number: str
    county_number: str
    category: str
    estimate: int | None
    usable_area: int | None
    feature_mask: int


@dataclass
class Profile:
    saved: list[SavedFacts] = field(default_factory=list)
    searches: list[dict] = field(default_factory=list)  # search parameters, newest first

    # Derived (see build()).
    municipality_weight: dict[str, float] = field(default_factory=dict)
    county_weight: dict[str, float] = field(default_factory=dict)
    category_share: dict[str, float] = field(default_factory=dict)
    feature_share: np.ndarray | None = None
    log_price: tuple[float, float] | None = None
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


def _search_munis(params: dict) -> tuple[set[str], set[str]]:
    munis, counties = set(), set()
    for item in str(params.get("municipality") or "").split(","):
        munis.update(reference.municipality_numbers_for(item) if item.strip() else [])
    for item in str(params.get("county") or "").split(","):
        number = reference.county_number_for(item) if item.strip() else None
        if number:
            counties.add(number)
    return munis, counties


def profile_build(*, saved: list[SavedFacts], searches: list[dict]) -> Profile:
    """Weights from saves (1 each) and searches (0.5 each, newer first count a little more)."""
    profile = Profile(saved=saved, searches=searches)
    muni, county, cats = Counter(), Counter(), Counter()
    feature_sum, feature_n = np.zeros(N_FEATURES), 0.0
    prices, areas = [], []
    for s in saved:
        muni[s.municipality_number] += 1.0
        county[s.county_number] += 1.0
        cats[s.category] += 1.0
        feature_sum += feature_matrix([s.feature_mask])[0]
        feature_n += 1
        if s.estimate:
            prices.append(np.log(s.estimate))
        if s.usable_area:
            areas.append(np.log(s.usable_area))
        profile.saved_municipalities[s.municipality_number] += 1
    for i, params in enumerate(searches):
        weight = 0.5 * (0.97 ** i)
        m, c = _search_munis(params)
        for number in m:
            muni[number] += weight
            profile.searched_municipalities.add(number)
        for number in c:
            county[number] += weight
        for cat in str(params.get("category") or "").split(","):
            if cat.strip() in ("residential", "cabin", "commercial"):
                cats[cat.strip()] += weight
        tags = [t.strip() for t in str(params.get("features") or "").split(",") if t.strip() in reference.FEATURE_BITS]
        if tags:
            feature_sum += weight * feature_matrix([reference.feature_mask(tags)])[0]
            feature_n += weight
        bounds = []
        for key in ("estimate_min", "estimate_max"):
            try:
                value = float(str(params.get(key) or "").replace(" ", ""))
            except ValueError:
                continue
            if value > 0:
                bounds.append(np.log(value))
        if bounds:
            prices.append(float(np.mean(bounds)))
    for number, weight in list(muni.items()):
        county[reference.municipalities()[number].county_number] += 0.25 * weight if number in reference.municipalities() else 0
    if muni:
        top = max(muni.values())
        profile.municipality_weight = {k: v / top for k, v in muni.items()}
    if county:
        top = max(county.values())
        profile.county_weight = {k: v / top for k, v in county.items()}
    if cats:
        total = sum(cats.values())
        profile.category_share = {k: v / total for k, v in cats.items()}
        profile.top_category = cats.most_common(1)[0][0]
    if feature_n:
        profile.feature_share = feature_sum / feature_n
    if prices:
        profile.log_price = (float(np.mean(prices)), max(float(np.std(prices)), 0.25))
    if areas:
        profile.log_area = (float(np.mean(areas)), max(float(np.std(areas)), 0.25))
    return profile
