"""Candidate generation (indexed filters, bounded), scoring (numpy), diversity and reasons.

Hard constraints — property type, budget within RECOMMENDER_BUDGET_TOLERANCE, locations — are
SQL filters on indexed columns; at most RECOMMENDER_CANDIDATES rows are read, split across the
locations so each is represented. Soft signals are scored per candidate in [0, 1] and combined
by fixed weights, then a greedy pick caps near neighbours (same ~1 km cell) and, with several
municipalities, any one municipality's share. Reasons use only public facts and the user's
own behaviour.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db.models import F, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from properties import reference
from properties.models import Property

from ..trends import platform as trend_platform
from ..trends import selectors as trend_selectors
from .preferences import Preferences
from .profile import Profile, feature_matrix

COLUMNS = ("id", "external_id", "address", "postcode", "town", "municipality_number", "municipality_name",
           "county_number", "county_name", "category", "lat", "lon", "usable_area", "estimate", "feature_mask")
WEIGHTS = {"amenities": 0.30, "budget": 0.10, "value": 0.10, "momentum": 0.05, "personal": 1.00}
CELL_DEGREES = (0.01, 0.02)  # lat, lon: about 1 km
CELL_PENALTY = 0.8


@dataclass
class Recommendation:
    property: dict
    score: float
    reasons: list[str]
    signals: dict[str, float]


def _category_noun(category: str) -> str:
    return {"cabin": _("cabins"), "residential": _("homes"), "commercial": _("commercial properties")}.get(category, category)


def _hard_filter(prefs: Preferences, tolerance: float) -> Q:
    q = Q(retired_at__isnull=True)
    if prefs.property_type:
        q &= Q(category=prefs.property_type)
    if prefs.budget_min is not None:
        q &= Q(estimate__gte=int(prefs.budget_min * (1 - tolerance)))
    if prefs.budget_max is not None:
        q &= Q(estimate__lte=int(math.ceil(prefs.budget_max * (1 + tolerance))))
    return q


def candidates(*, prefs: Preferences, profile: Profile | None, limit: int, tolerance: float) -> list[tuple]:
    """At most `limit` rows meeting every hard constraint; per location, amenity matches first."""
    base = Property.objects.filter(_hard_filter(prefs, tolerance))
    scopes: list[Q] = [Q(municipality_number=r.code) if r.kind == "municipality" else Q(county_number=r.code)
                       for r in prefs.locations]
    if not scopes and profile is not None and profile.municipality_weight:
        # No locations asked: the user's own places, narrowed to the kind and price band they favour.
        narrow = Q()
        if not prefs.property_type and profile.top_category and profile.category_share[profile.top_category] >= 0.6:
            narrow &= Q(category=profile.top_category)
        if prefs.budget_min is None and prefs.budget_max is None and profile.log_price is not None:
            mu, sd = profile.log_price
            narrow &= Q(estimate__gte=int(math.exp(mu - 2 * sd)), estimate__lte=int(math.exp(mu + 2 * sd)))
        top = sorted(profile.municipality_weight.items(), key=lambda kv: -kv[1])[:6]
        scopes = [Q(municipality_number=number) & narrow for number, _w in top] + [Q()]
    if not scopes:
        scopes = [Q()]
    per_scope = max(limit // len(scopes), 50)
    rows: dict[int, tuple] = {}
    wanted = prefs.amenity_mask
    for scope in scopes:
        qs = base.filter(scope)
        if wanted:
            matching = qs.annotate(_m=F("feature_mask").bitand(wanted)).filter(_m=wanted)
            for row in matching.values_list(*COLUMNS)[: per_scope // 2]:
                rows[row[0]] = row
        for row in qs.values_list(*COLUMNS)[:per_scope]:
            rows.setdefault(row[0], row)
    return list(rows.values())


def _as_dict(row: tuple) -> dict:
    d = dict(zip(COLUMNS, row, strict=True))
    d["features"] = [name for name, bit in reference.FEATURE_BITS.items() if d["feature_mask"] & bit]
    return d


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return _("%(a)s and %(b)s") % {"a": ", ".join(words[:-1]), "b": words[-1]}


def _pct(x: float) -> int:
    return int(round(abs(x) * 100))


def score(*, rows: list[tuple], prefs: Preferences, profile: Profile | None, tolerance: float,
          momentum=None, comparables: dict | None = None) -> tuple[np.ndarray, dict[str, np.ndarray], dict]:
    n = len(rows)
    cols = {name: [r[i] for r in rows] for i, name in enumerate(COLUMNS)}
    estimate = np.array([e or 0 for e in cols["estimate"]], float)
    area = np.array([a or 0 for a in cols["usable_area"]], float)
    feats = feature_matrix(cols["feature_mask"])
    signals: dict[str, np.ndarray] = {}
    facts: dict = {}

    if prefs.amenities:
        idx = [reference.FEATURES.index(a) for a in prefs.amenities]
        signals["amenities"] = feats[:, idx].mean(axis=1)

    if prefs.budget_min is not None or prefs.budget_max is not None:
        fit = np.ones(n)
        if prefs.budget_max:
            over = (estimate - prefs.budget_max) / max(prefs.budget_max * tolerance, 1)
            fit = np.minimum(fit, 1 - np.clip(over, 0, 1))
        if prefs.budget_min:
            under = (prefs.budget_min - estimate) / max(prefs.budget_min * tolerance, 1)
            fit = np.minimum(fit, 1 - 0.5 * np.clip(under, 0, 1))
        signals["budget"] = fit

    # Value for money: estimate against the median of alike properties (municipality, category, size).
    comparables = comparables if comparables is not None else trend_selectors.comparable_levels(
        municipality_numbers=set(cols["municipality_number"]), categories=set(cols["category"]))
    buckets = trend_platform.area_bucket(np.maximum(area, 1))
    ratio = np.full(n, np.nan)
    for i in range(n):
        if estimate[i] and area[i]:
            median = comparables.get((cols["municipality_number"][i], cols["category"][i], int(buckets[i])))
            if median:
                ratio[i] = estimate[i] / median - 1
    facts["value_ratio"] = ratio
    signals["value"] = np.where(np.isnan(ratio), 0.5, np.clip(0.5 - 2.5 * np.nan_to_num(ratio), 0, 1))

    # Market momentum: yearly change for the property's region (the request's, else ours).
    momentum = momentum if momentum is not None else trend_selectors.momentum()
    changes = []
    for number in cols["municipality_number"]:
        if number in prefs.market_overrides:
            name = reference.municipalities()[number].name if number in reference.municipalities() else number
            changes.append(trend_selectors.Change(prefs.market_overrides[number], name, "request", ""))
        else:
            changes.append(momentum.for_municipality(number))
    facts["change"] = changes
    yoy = np.array([c.value if c else 0.0 for c in changes])
    signals["momentum"] = np.clip(0.5 + 2.5 * yoy, 0, 1)

    if profile is not None and not profile.is_empty:
        mw, cw = profile.municipality_weight, profile.county_weight
        loc = np.array([max(mw.get(m, 0.0), 0.6 * cw.get(c, 0.0))
                        for m, c in zip(cols["municipality_number"], cols["county_number"], strict=True)])
        cat = np.array([profile.category_share.get(c, 0.0) for c in cols["category"]])
        parts = [(0.3, loc), (0.2, cat)]
        if profile.feature_share is not None:
            lift = profile.feature_share - feats.mean(axis=0)
            parts.append((0.3, 0.5 + 0.5 * np.tanh(4.0 * (feats @ lift))))
        if profile.log_price is not None:
            mu, sd = profile.log_price
            z = (np.log(np.maximum(estimate, 1)) - mu) / sd
            parts.append((0.1, np.where(estimate > 0, np.exp(-0.5 * z * z), 0.0)))
        if profile.log_area is not None:
            mu, sd = profile.log_area
            z = (np.log(np.maximum(area, 1)) - mu) / sd
            parts.append((0.1, np.where(area > 0, np.exp(-0.5 * z * z), 0.0)))
        total = sum(w for w, _v in parts)
        signals["personal"] = sum(w * v for w, v in parts) / total
        facts["personal_loc"], facts["personal_cat"] = loc, cat

    total_weight = sum(WEIGHTS[k] for k in signals)
    combined = sum(WEIGHTS[k] * v for k, v in signals.items()) / total_weight
    return np.clip(combined, 0, 1), signals, facts


def diversify(*, rows: list[tuple], scores: np.ndarray, limit: int) -> list[int]:
    """Greedy pick: each pick from an already used ~1 km cell costs 20 %; with several municipalities none takes over half."""
    if not rows:
        return []
    lat = np.array([r[COLUMNS.index("lat")] for r in rows])
    lon = np.array([r[COLUMNS.index("lon")] for r in rows])
    cells = list(zip((lat / CELL_DEGREES[0]).astype(int), (lon / CELL_DEGREES[1]).astype(int), strict=True))
    munis = [r[COLUMNS.index("municipality_number")] for r in rows]
    cap = max(2, math.ceil(limit * 0.5)) if len(set(munis)) > 1 else limit
    order = np.argsort(-scores, kind="stable")[: max(limit * 20, 200)]
    chosen: list[int] = []
    cell_count: dict = {}
    muni_count: dict = {}
    remaining = list(order)
    while remaining and len(chosen) < limit:
        best, best_value, best_pos = None, -1.0, -1
        for pos, i in enumerate(remaining):
            if muni_count.get(munis[i], 0) >= cap:
                continue
            value = scores[i] * CELL_PENALTY ** cell_count.get(cells[i], 0)
            if value > best_value:
                best, best_value, best_pos = i, value, pos
            if scores[i] <= best_value:  # sorted by score: nothing later can beat it
                break
        if best is None:
            break
        chosen.append(int(best))
        remaining.pop(best_pos)
        cell_count[cells[best]] = cell_count.get(cells[best], 0) + 1
        muni_count[munis[best]] = muni_count.get(munis[best], 0) + 1
    return chosen


def reasons_for(*, i: int, row: dict, prefs: Preferences, profile: Profile | None, signals: dict, facts: dict,
                tolerance: float) -> list[str]:
    reasons: list[str] = []
    estimate = row["estimate"]
    if estimate and (prefs.budget_min is not None or prefs.budget_max is not None):
        if prefs.budget_max is not None and estimate > prefs.budget_max:
            reasons.append(_("%(p)d%% above your budget") % {"p": max(_pct(estimate / prefs.budget_max - 1), 1)})
        elif prefs.budget_min is not None and estimate < prefs.budget_min:
            reasons.append(_("%(p)d%% below your budget") % {"p": max(_pct(1 - estimate / prefs.budget_min), 1)})
        else:
            reasons.append(_("within budget"))
    if prefs.amenities:
        have = [a for a in prefs.amenities if a in row["features"]]
        missing = [a for a in prefs.amenities if a not in row["features"]]
        if have:
            reasons.append(_join([a.replace("_", " ") for a in have]))
        if missing:
            reasons.append(_("no %(a)s") % {"a": _join([a.replace("_", " ") for a in missing])})
    change = facts["change"][i]
    if change is not None:
        if abs(change.value) < 0.005:
            reasons.append(_("prices in %(r)s flat over a year") % {"r": change.region_name})
        elif change.value > 0:
            reasons.append(_("prices in %(r)s up %(p)d%% in a year") % {"r": change.region_name, "p": _pct(change.value)})
        else:
            reasons.append(_("prices in %(r)s down %(p)d%% in a year") % {"r": change.region_name, "p": _pct(change.value)})
    ratio = facts["value_ratio"][i]
    if not np.isnan(ratio) and abs(ratio) >= 0.02:
        noun = _category_noun(row["category"])
        if ratio < 0:
            reasons.append(_("estimate %(p)d%% below similar %(noun)s") % {"p": _pct(ratio), "noun": noun})
        else:
            reasons.append(_("estimate %(p)d%% above similar %(noun)s") % {"p": _pct(ratio), "noun": noun})
    if profile is not None and "personal" in signals and signals["personal"][i] >= 0.5:
        saved_here = profile.saved_municipalities.get(row["municipality_number"], 0)
        if saved_here:
            reasons.append(ngettext("in %(m)s, where you saved %(n)d property", "in %(m)s, where you saved %(n)d properties",
                                    saved_here) % {"m": row["municipality_name"], "n": saved_here})
        elif row["municipality_number"] in profile.searched_municipalities:
            reasons.append(_("in %(m)s, where you searched") % {"m": row["municipality_name"]})
        if profile.saved and facts["personal_cat"][i] >= 0.5:
            reasons.append(_("similar to %(noun)s you saved") % {"noun": _category_noun(row["category"])})
    return reasons


def recommend(*, prefs: Preferences, profile: Profile | None = None, limit: int = 10, include_saved: bool = False,
              momentum=None, comparables: dict | None = None) -> list[Recommendation]:
    tolerance = settings.RECOMMENDER_BUDGET_TOLERANCE
    rows = candidates(prefs=prefs, profile=profile, limit=settings.RECOMMENDER_CANDIDATES, tolerance=tolerance)
    if profile is not None and not include_saved:
        saved = profile.saved_ids
        rows = [r for r in rows if r[0] not in saved]
    if not rows:
        return []
    scores, signals, facts = score(rows=rows, prefs=prefs, profile=profile, tolerance=tolerance,
                                   momentum=momentum, comparables=comparables)
    out = []
    for i in diversify(rows=rows, scores=scores, limit=limit):
        row = _as_dict(rows[i])
        out.append(Recommendation(
            property=row, score=round(float(scores[i]), 4),
            reasons=reasons_for(i=i, row=row, prefs=prefs, profile=profile, signals=signals, facts=facts,
                                tolerance=tolerance),
            signals={k: round(float(v[i]), 4) for k, v in signals.items()}))
    return out
