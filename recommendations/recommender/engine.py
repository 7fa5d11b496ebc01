"""Candidate generation (indexed filters, bounded), scoring (numpy), diversity and reasons.

Hard constraints — property type, budget within RECOMMENDER_BUDGET_TOLERANCE, locations — are
SQL filters on indexed columns; about RECOMMENDER_CANDIDATES rows are read (asked amenities and,
logged in, the amenities the user's saves favour first), split across the locations — or, logged
in without locations, the user's own places — so each is represented, nearest the price asked
or favoured. Soft signals are scored per candidate in [0, 1] and combined by fixed weights:
value for money compares a property with comparables of the same amenities (value_ratios), and
the user's own behaviour (personal_score: places, kind, searched budgets, price level, size and
the amenities over-represented in their saves) dominates when there is any. A greedy pick then
caps near neighbours (same ~1 km cell) and, with several locations asked, any one
municipality's share. Reasons use only public facts and the user's own behaviour.
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
from recommendations.market import platform as trend_platform
from recommendations.market import selectors as trend_selectors

from .preferences import Preferences
from .profile import Profile, feature_matrix

COLUMNS = ("id", "external_id", "address", "postcode", "town", "municipality_number", "municipality_name",
           "county_number", "county_name", "category", "lat", "lon", "usable_area", "estimate", "feature_mask")
WEIGHTS = {"amenities": 0.30, "budget": 0.10, "value": 0.10, "momentum": 0.05, "personal": 1.00}
CELL_DEGREES = (0.01, 0.02)  # lat, lon: about 1 km
CELL_PENALTY = 0.8
MAX_PERSONAL_PLACES = 6
# Personal score (log-scores, see personal_score).
PLACE_FLOOR = 0.003  # a place or kind the user never looked at: log(0.003/1.003) = -5.8
COUNTY_SHARE = 0.01  # elsewhere in a county the user looked at: about -4.4
BAND_EDGE = 0.02  # outside every searched budget: -1 per 2 % (log) beyond its edge ...
BAND_PENALTY_CAP = 3.0  # ... down to -3
PRICE_WEIGHT = 0.3  # Gaussian closeness to the saves' and searches' price level
AREA_WEIGHT = 0.2  # ... and to the saves' size
FEATURE_PRIOR = 1.0  # precision of the normal prior on each amenity's log-odds (feature_weights)
SEARCH_FEATURE_PRIOR = 4.0  # prior log-odds per unit of search weight naming an amenity (a search: +2)
FEATURE_SCALE = 1.0  # weight of the amenities' log-odds in the personal score
REF_SHARPNESS = 1.0  # how strictly the offer the saves are compared with is the user's place/kind/price
SPARSE_ROUNDS = 3  # adaptive-ridge reweightings in feature_weights (0: plain normal prior)
SPARSE_SCALE = 1.0
SPARSE_EPS = 0.3
LIKED_THETA = math.log(2)  # "like most properties you saved": at least twice the odds
PERSONAL_SCALE = 1.0  # logistic scale of the summed log-scores
VALUE_RIDGE = 2.0


@dataclass
class Recommendation:
    property: dict
    score: float
    reasons: list[str]
    signals: dict[str, float]


def _category_noun(category: str) -> str:
    return {"cabin": _("cabins"), "residential": _("homes"), "commercial": _("commercial properties")}.get(
        category, category
    )


def _hard_filter(prefs: Preferences, tolerance: float) -> Q:
    q = Q(retired_at__isnull=True)
    if prefs.property_type:
        q &= Q(category=prefs.property_type)
    if prefs.budget_min is not None:
        q &= Q(estimate__gte=int(prefs.budget_min * (1 - tolerance)))
    if prefs.budget_max is not None:
        q &= Q(estimate__lte=int(math.ceil(prefs.budget_max * (1 + tolerance))))
    return q


def _personal_scopes(prefs: Preferences, profile: Profile) -> tuple[list[Q], float | None]:
    """No locations asked: the user's own places (and their counties, to look around), narrowed to
    the kind and price range their saves and searches favour; plus the centre of that price range."""
    narrow, centre = Q(), None
    if not prefs.property_type and profile.top_category and profile.category_share[profile.top_category] >= 0.6:
        narrow &= Q(category=profile.top_category)
    window = profile.price_window()  # None when the saves and searches say nothing of price
    if prefs.budget_min is None and prefs.budget_max is None and profile.log_price is not None and window:
        low, high = window
        narrow &= Q(estimate__gte=low, estimate__lte=high)
        centre = math.exp(profile.log_price[0])
    top = sorted(profile.municipality_weight.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_PERSONAL_PLACES]
    scopes = [Q(municipality_number=number) & narrow for number, _w in top]
    counties = sorted(profile.searched_counties | {reference.municipalities()[n].county_number
                                                   for n, _w in top if n in reference.municipalities()})
    # Around the user's places (the same counties), or anywhere when they have none.
    scopes.append((Q(county_number__in=counties) if counties else Q()) & narrow)
    return scopes, centre


def _rows(qs, n: int, centre: float | None) -> list[tuple]:
    """Up to n rows; with a price centre, those nearest it (two ordered index range scans)."""
    if centre is None:
        return list(qs.values_list(*COLUMNS)[:n])
    above = list(qs.filter(estimate__gte=centre).order_by("estimate", "id").values_list(*COLUMNS)[: n - n // 2])
    below = list(qs.filter(estimate__lt=centre).order_by("-estimate", "-id").values_list(*COLUMNS)[: n // 2])
    return above + below


def candidates(*, prefs: Preferences, profile: Profile | None, limit: int, tolerance: float,
               loved_mask: int = 0) -> tuple[list[tuple], set[int]]:
    """At most `limit` rows meeting every hard constraint; per location, amenity matches first.

    Logged in without locations, the scopes are the user's own places (see _personal_scopes),
    read nearest the price they favour. `loved_mask` (amenities the user's saves favour) brings
    in those matches first, like asked amenities. Returns the rows and the ids read without an
    amenity condition (an unbiased sample of what is on offer, the reference for `feature_weights`).
    """
    base = Property.objects.filter(_hard_filter(prefs, tolerance))
    scopes: list[Q] = [Q(municipality_number=r.code) if r.kind == "municipality" else Q(county_number=r.code)
                       for r in prefs.locations]
    centre = None
    if prefs.budget_min and prefs.budget_max:
        centre = math.sqrt(prefs.budget_min * prefs.budget_max)
    if profile is not None and not profile.is_empty:
        if not scopes:
            scopes, centre = _personal_scopes(prefs, profile)
        elif prefs.budget_min is None and prefs.budget_max is None and profile.log_price is not None:
            centre = math.exp(profile.log_price[0])
    if not scopes:
        scopes = [Q()]
    per_scope = max(limit // len(scopes), 50)
    rows: dict[int, tuple] = {}
    plain: set[int] = set()
    wanted = prefs.amenity_mask
    extra = loved_mask & ~wanted
    for scope in scopes:
        qs = base.filter(scope)
        for mask, n in ((wanted, per_scope // 2), (extra, per_scope // 4)):
            if mask:
                matching = qs.annotate(_m=F("feature_mask").bitand(mask)).filter(_m=mask)
                for row in _rows(matching, n, centre):
                    rows[row[0]] = row
        for row in _rows(qs, per_scope, centre):
            rows.setdefault(row[0], row)
            plain.add(row[0])
    return list(rows.values()), plain


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


def feature_weights(profile: Profile, feats: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per feature, how much more likely the user is to save a property having it: the loved amenities.

    A log-linear choice model: the saves are taken to be drawn from what is on offer (`feats`,
    weighted by how well each candidate fits the user's place, kind and price) with odds
    exp(theta · features). theta is its maximum a-posteriori estimate (a few Newton steps) under a
    normal prior centred on a bonus for amenities the user's searches named; an amenity only
    counts as far as it is over-represented in the saves compared with the offer (lift), and
    amenities that go together (jetty and waterfront) share the credit instead of adding up.
    """
    prior = SEARCH_FEATURE_PRIOR * profile.searched_features
    n_saved = len(profile.saved)
    if not n_saved or weights.sum() <= 0:
        return prior
    masks, inverse = np.unique(feats @ (1 << np.arange(feats.shape[1])), return_inverse=True)
    x = feats[np.unique(inverse, return_index=True)[1]]
    w = np.bincount(inverse.ravel(), weights=weights, minlength=len(masks))
    w = w / w.sum()
    target = profile.saved_features
    theta = prior.copy()
    precision = np.full(x.shape[1], FEATURE_PRIOR)
    for _round in range(SPARSE_ROUNDS + 1):
        for _step in range(25):
            logits = x @ theta
            p = w * np.exp(logits - logits.max())
            p /= p.sum()
            mean = p @ x
            cov = (x * p[:, None]).T @ x - np.outer(mean, mean)
            grad = target - n_saved * mean - precision * (theta - prior)
            step = np.linalg.solve(n_saved * cov + np.diag(precision), grad)
            theta += step
            if np.abs(step).max() < 1e-4:
                break
        # Adaptive ridge (a Laplace prior, approximately): weak evidence shrinks to nothing,
        # strong evidence is left nearly alone — most amenities do not matter to a given user.
        precision = FEATURE_PRIOR * SPARSE_SCALE / (np.abs(theta - prior) + SPARSE_EPS)
    return theta


def learned_amenity_mask(profile: Profile | None, category_shares: dict[str, tuple[float, ...]]) -> int:
    """Amenities most of the user's saves have and that are at least twice as common there as in the
    catalogue (of their usual kind): candidates with them are read first."""
    if profile is None or not profile.saved:
        return 0
    offer = category_shares.get(profile.top_category or "")
    if offer is None:
        return 0
    share = profile.feature_share
    if share is None:
        return 0
    mask = 0
    for j, name in enumerate(reference.FEATURES):
        if share[j] >= 0.5 and share[j] >= 2 * offer[j]:
            mask |= reference.FEATURE_BITS[name]
    return mask


def _gauss(x: np.ndarray, centre: tuple[float, float], ok: np.ndarray) -> np.ndarray:
    """Log-closeness to a (log) centre and spread: 0 at one spread away, positive nearer."""
    mu, sd = centre
    z = (np.log(np.maximum(x, 1)) - mu) / sd
    return np.where(ok, -0.5 * (z * z - 1), -1.5)


def personal_score(*, profile: Profile, cols: dict, estimate: np.ndarray, area: np.ndarray, feats: np.ndarray,
                   plain: np.ndarray) -> tuple[np.ndarray, dict]:
    """How much a candidate looks like what this user saved and searched, in (0, 1).

    A sum of log-scores — place, kind, price (the searched budgets and the saves' price level),
    size, amenities (`feature_weights` against the candidates that fit the user's place, kind
    and price) — squashed by a logistic: 0.5 is "as likely as a typical candidate".
    """
    n = len(estimate)
    facts: dict = {}
    mw, cw = profile.municipality_weight, profile.county_weight
    loc = np.array([max(mw.get(m, 0.0), COUNTY_SHARE * cw.get(c, 0.0))
                    for m, c in zip(cols["municipality_number"], cols["county_number"], strict=True)])
    cat = np.array([profile.category_share.get(c, 0.0) for c in cols["category"]])
    fit = np.zeros(n)
    if mw or cw:  # relative to the user's main place
        top = max([*mw.values(), *(COUNTY_SHARE * v for v in cw.values())])
        fit += np.log(PLACE_FLOOR + loc) - math.log(PLACE_FLOOR + top)
    if profile.category_share:
        fit += np.log(PLACE_FLOOR + cat) - math.log(PLACE_FLOOR + 1)
    log_est = np.log(np.maximum(estimate, 1))
    if profile.price_bands:
        outside = np.full(n, np.inf)
        for band in profile.price_bands:
            d = np.zeros(n)
            if band.low is not None:
                d = np.maximum(d, band.low - log_est)
            if band.high is not None:
                d = np.maximum(d, log_est - band.high)
            outside = np.minimum(outside, d)
        fit -= np.minimum(outside / BAND_EDGE, BAND_PENALTY_CAP)
    total = fit.copy()
    if profile.log_price is not None:
        total += PRICE_WEIGHT * _gauss(estimate, profile.log_price, estimate > 0)
    if profile.log_area is not None:
        total += AREA_WEIGHT * _gauss(area, profile.log_area, area > 0)
    facts["liked_features"] = np.zeros(len(reference.FEATURES), bool)
    if profile.has_feature_evidence:
        # What is on offer where this user looks: the unbiased candidates, weighted by how well
        # they fit the user's place, kind and price.
        w = np.exp(REF_SHARPNESS * total) * plain
        theta = feature_weights(profile, feats, w if w.sum() > 0 else np.ones(n))
        total += FEATURE_SCALE * (feats @ theta - (w @ feats) @ theta / max(w.sum(), 1e-12))
        share = profile.feature_share
        facts["liked_features"] = (theta >= LIKED_THETA) & (share >= 0.5 if share is not None else False)
    facts["personal_loc"], facts["personal_cat"] = loc, cat
    return 0.5 * (1 + np.tanh(total / (2 * PERSONAL_SCALE))), facts  # the logistic, without overflow


def value_ratios(*, cols: dict, estimate: np.ndarray, area: np.ndarray, feats: np.ndarray, comparables: dict,
                 typical: dict[str, tuple[float, ...]]) -> np.ndarray:
    """Estimate against similar properties — same municipality, kind, size and amenities — as a fraction.

    The comparable level is the median estimate of the municipality's properties of that kind and
    size, whose amenities are the usual ones (`typical`, the catalogue's share per kind). What each
    amenity adds is learnt from the candidates themselves (a ridge regression of the log ratio on
    the amenities within each comparable group), so a property is not marked expensive merely for
    having amenities its comparables lack. NaN where no comparable level exists.
    """
    n = len(estimate)
    buckets = trend_platform.area_bucket(np.maximum(area, 1))
    log_ratio = np.full(n, np.nan)
    groups: list = [None] * n
    for i in range(n):
        if estimate[i] > 0 and area[i] > 0:
            key = (cols["municipality_number"][i], cols["category"][i], int(buckets[i]))
            median = comparables.get(key)
            if median:
                log_ratio[i] = math.log(estimate[i] / median)
                groups[i] = key
    ok = ~np.isnan(log_ratio)
    if ok.sum() < 2:
        return np.expm1(log_ratio)
    idx = np.flatnonzero(ok)
    keys: dict[tuple, int] = {}
    gid = np.array([keys.setdefault(groups[i], len(keys)) for i in idx])
    counts = np.bincount(gid)
    x, y = feats[idx], log_ratio[idx]
    x_c = x - _group_means(x, gid, counts)[gid]
    y_c = y - _group_means(y[:, None], gid, counts)[gid, 0]
    beta = np.linalg.solve(x_c.T @ x_c + VALUE_RIDGE * np.eye(x.shape[1]), x_c.T @ y_c)
    usual = np.array([typical.get(c, (0.0,) * x.shape[1]) for c in cols["category"]], float)[idx]
    adjusted = np.full(n, np.nan)
    adjusted[idx] = y - (x - usual) @ beta
    return np.expm1(adjusted)


def _group_means(x: np.ndarray, gid: np.ndarray, counts: np.ndarray) -> np.ndarray:
    sums = np.zeros((len(counts), x.shape[1]))
    np.add.at(sums, gid, x)
    return sums / counts[:, None]


def score(*, rows: list[tuple], prefs: Preferences, profile: Profile | None, tolerance: float,
          momentum=None, comparables: dict | None = None, plain: set[int] | None = None,
          typical: dict | None = None) -> tuple[np.ndarray, dict[str, np.ndarray], dict]:
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

    # Value for money: estimate against alike properties (municipality, category, size, amenities).
    comparables = comparables if comparables is not None else trend_selectors.comparable_levels(
        municipality_numbers=set(cols["municipality_number"]), categories=set(cols["category"]))
    typical = typical if typical is not None else trend_selectors.feature_shares()
    ratio = value_ratios(cols=cols, estimate=estimate, area=area, feats=feats, comparables=comparables,
                         typical=typical)
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
        in_plain = np.array([r[0] in plain for r in rows], float) if plain is not None else np.ones(n)
        signals["personal"], personal_facts = personal_score(
            profile=profile, cols=cols, estimate=estimate, area=area, feats=feats, plain=in_plain)
        facts.update(personal_facts)

    total_weight = sum(WEIGHTS[k] for k in signals)
    combined = sum(WEIGHTS[k] * v for k, v in signals.items()) / total_weight
    return np.clip(combined, 0, 1), signals, facts


def diversify(*, rows: list[tuple], scores: np.ndarray, limit: int, spread: bool = True) -> list[int]:
    """Greedy pick: each pick from an already used ~1 km cell costs 20 %; with `spread` (several
    locations asked) and several municipalities among the rows, none takes over half."""
    if not rows:
        return []
    lat = np.array([r[COLUMNS.index("lat")] for r in rows])
    lon = np.array([r[COLUMNS.index("lon")] for r in rows])
    cells = list(zip((lat / CELL_DEGREES[0]).astype(int), (lon / CELL_DEGREES[1]).astype(int), strict=True))
    munis = [r[COLUMNS.index("municipality_number")] for r in rows]
    cap = max(2, math.ceil(limit * 0.5)) if spread and len(set(munis)) > 1 else limit
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
            reasons.append(
                _("prices in %(r)s up %(p)d%% in a year") % {"r": change.region_name, "p": _pct(change.value)}
            )
        else:
            reasons.append(
                _("prices in %(r)s down %(p)d%% in a year") % {"r": change.region_name, "p": _pct(change.value)}
            )
    ratio = facts["value_ratio"][i]
    if not np.isnan(ratio) and abs(ratio) >= 0.02:
        noun = _category_noun(row["category"])
        if ratio < 0:
            reasons.append(_("estimate %(p)d%% below similar %(noun)s") % {"p": _pct(ratio), "noun": noun})
        else:
            reasons.append(_("estimate %(p)d%% above similar %(noun)s") % {"p": _pct(ratio), "noun": noun})
    if profile is not None and "personal" in signals:
        # Facts about the user's own behaviour, stated only when they hold for this property.
        saved_here = profile.saved_municipalities.get(row["municipality_number"], 0)
        if saved_here:
            reasons.append(
                ngettext(
                    "in %(m)s, where you saved %(n)d property", "in %(m)s, where you saved %(n)d properties", saved_here
                )
                % {"m": row["municipality_name"], "n": saved_here}
            )
        elif row["municipality_number"] in profile.searched_municipalities:
            reasons.append(_("in %(m)s, where you searched") % {"m": row["municipality_name"]})
        if facts["personal_cat"][i] >= 0.5 and any(s.category == row["category"] for s in profile.saved):
            reasons.append(_("similar to %(noun)s you saved") % {"noun": _category_noun(row["category"])})
        liked = [name for j, name in enumerate(reference.FEATURES)
                 if facts["liked_features"][j] and name in row["features"] and name not in prefs.amenities]
        if liked and profile.saved:
            reasons.append(
                _("%(a)s, like most properties you saved") % {"a": _join([a.replace("_", " ") for a in liked])}
            )
    return reasons


def recommend(*, prefs: Preferences, profile: Profile | None = None, limit: int = 10, include_saved: bool = False,
              momentum=None, comparables: dict | None = None, typical: dict | None = None) -> list[Recommendation]:
    tolerance = settings.RECOMMENDER_BUDGET_TOLERANCE
    personal = profile is not None and not profile.is_empty
    typical = typical if typical is not None else trend_selectors.feature_shares()
    rows, plain = candidates(prefs=prefs, profile=profile, limit=settings.RECOMMENDER_CANDIDATES, tolerance=tolerance,
                             loved_mask=learned_amenity_mask(profile, typical) if personal else 0)
    if profile is not None and not include_saved:
        saved = profile.saved_ids
        rows = [r for r in rows if r[0] not in saved]
    if not rows:
        return []
    scores, signals, facts = score(rows=rows, prefs=prefs, profile=profile, tolerance=tolerance,
                                   momentum=momentum, comparables=comparables, plain=plain, typical=typical)
    out = []
    for i in diversify(rows=rows, scores=scores, limit=limit, spread=len(prefs.locations) > 1):
        row = _as_dict(rows[i])
        out.append(Recommendation(
            property=row, score=round(float(scores[i]), 4),
            reasons=reasons_for(i=i, row=row, prefs=prefs, profile=profile, signals=signals, facts=facts,
                                tolerance=tolerance),
            signals={k: round(float(v[i]), 4) for k, v in signals.items()}))
    return out
