"""Reads for market trends: series for a region, yearly change (momentum) and comparable levels."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection
from django.utils.translation import gettext as _

from properties import reference, regions
from properties.models import Property
from properties.regions import NATIONAL_CODE, Region

from .errors import UnknownRegion
from .models import ComparableLevel, MarketTrend, TrendMetric, TrendSource

UNITS = {TrendMetric.INDEX: "index", TrendMetric.PRICE_M2: "NOK/m²"}
# A refresh bumps the version (services.trends_cache_bump); memos and cached builds are per version.
TRENDS_VERSION_KEY = "market:trends:version"
FEATURE_SHARES_KEY = "market:feature-shares:{version}"  # per trends version, so never stale
FEATURE_SHARES_TTL = 8 * 24 * 3600
MOMENTUM_KEY = "market:momentum-data:{version}"  # plain data (see _momentum_data)


@dataclass(frozen=True)
class Change:
    value: float  # fraction, 0.10 = +10 % in a year
    region_name: str
    source: str
    period: str


@dataclass
class Momentum:
    municipality: dict[str, Change] = field(default_factory=dict)
    national: Change | None = None

    def for_municipality(self, number: str) -> Change | None:
        return self.municipality.get(number) or self.national


def _series(rows) -> list[dict]:
    groups: dict[tuple, list[MarketTrend]] = defaultdict(list)
    for r in rows:
        groups[(r.source, r.metric, r.region_kind, r.region_code, r.dwelling_type)].append(r)
    out = []
    for (source, metric, kind, code, dwelling), points in sorted(groups.items()):
        points.sort(key=lambda r: r.period_start)
        out.append({"source": source, "metric": metric, "unit": UNITS[metric], "region_kind": kind,
                    "region_code": code, "region_name": points[0].region_name, "dwelling_type": dwelling,
                    "points": [{"period": p.period, "value": p.value, "sales": p.sales} for p in points]})
    return out


def _yearly_change(points: list[MarketTrend], *, weighted: bool) -> tuple[float, str] | None:
    """Latest four quarters against the four before (sales-weighted for the platform); SSB: latest vs a year before."""
    quarterly = sorted((p for p in points if "Q" in p.period), key=lambda p: p.period_start)
    if not weighted:
        by_period = {p.period_start: p for p in quarterly}
        if not quarterly:
            return None
        last = quarterly[-1]
        before = by_period.get(last.period_start.replace(year=last.period_start.year - 1))
        return (last.value / before.value - 1, last.period) if before and before.value else None
    if len(quarterly) < 6:
        return None
    end = quarterly[-1].period_start
    recent = [p for p in quarterly
              if (end.year * 12 + end.month) - (p.period_start.year * 12 + p.period_start.month) < 12]
    older = [p for p in quarterly
             if 12 <= (end.year * 12 + end.month) - (p.period_start.year * 12 + p.period_start.month) < 24]
    if len(recent) < 3 or len(older) < 3:
        return None

    def mean(ps):
        total = sum(p.sales or 1 for p in ps)
        return sum(p.value * (p.sales or 1) for p in ps) / total

    return mean(recent) / mean(older) - 1, quarterly[-1].period


def _momentum_build() -> Momentum:
    rows = list(MarketTrend.objects.filter(dwelling_type="all").filter(
        source=TrendSource.SSB, metric=TrendMetric.INDEX) | MarketTrend.objects.filter(
        dwelling_type="all", source=TrendSource.PLATFORM, metric=TrendMetric.PRICE_M2))
    groups: dict[tuple, list[MarketTrend]] = defaultdict(list)
    for r in rows:
        groups[(r.source, r.region_kind, r.region_code)].append(r)
    momentum = Momentum()
    changes: dict[tuple, Change] = {}
    for (source, kind, code), points in groups.items():
        found = _yearly_change(points, weighted=source == TrendSource.PLATFORM)
        if found:
            changes[(source, kind, code)] = Change(round(found[0], 4), points[0].region_name, source, found[1])
    # Most specific first, official before ours: SSB region or municipality, our municipality, our county, Norway.
    for number, muni in reference.municipalities().items():
        candidates: list[Change | None] = [c for (s, k, code), c in changes.items()
                                           if s == TrendSource.SSB and k != "country"
                      and number in next(g for g in groups[(s, k, code)]).municipality_numbers]
        candidates += [changes.get((TrendSource.PLATFORM, "municipality", number)),
                       changes.get((TrendSource.PLATFORM, "county", muni.county_number))]
        chosen = next((c for c in candidates if c), None)
        if chosen:
            momentum.municipality[number] = chosen
    momentum.national = (changes.get((TrendSource.SSB, "country", NATIONAL_CODE))
                         or changes.get((TrendSource.PLATFORM, "country", NATIONAL_CODE)))
    return momentum


_memo: dict = {}  # trends version → Momentum; ("feature-shares", version) → feature_shares()


def _momentum_data(m: Momentum) -> dict:
    """As plain data for the shared cache: no pickled classes, so moving this module never breaks a read."""
    def change(c: Change | None) -> tuple | None:
        return None if c is None else (c.value, c.region_name, c.source, c.period)

    return {"municipality": {n: change(c) for n, c in m.municipality.items()}, "national": change(m.national)}


def _momentum_from_data(data: dict) -> Momentum:
    return Momentum(municipality={n: Change(*c) for n, c in data["municipality"].items()},
                    national=Change(*data["national"]) if data["national"] else None)


def momentum() -> Momentum:
    """Yearly price change per municipality, rebuilt when a refresh bumps the version (memoised per process)."""
    version = cache.get(TRENDS_VERSION_KEY) or 0
    if version not in _memo:
        key = MOMENTUM_KEY.format(version=version)
        data = cache.get(key)
        if data is None:
            data = _momentum_data(_momentum_build())
            cache.set(key, data, 24 * 3600)
        _memo.clear()
        _memo[version] = _momentum_from_data(data)
    return _memo[version]


def region_from_query(value: str | None) -> Region:
    """The region a user asked for by name or number; blank: Norway. Unknown: UnknownRegion with suggestions."""
    if not value or not value.strip():
        return regions.NATIONAL
    region = regions.resolve(value)
    if region is None:
        hints = regions.suggestions(value)
        message = _("Unknown region: %(v)s.") % {"v": value}
        if hints:
            message += " " + _("Did you mean %(hints)s?") % {"hints": ", ".join(hints)}
        raise UnknownRegion(message, extra={"suggestions": hints})
    return region


def trends_for_region(*, region: Region) -> dict:
    """Every series that describes the region, with its yearly change."""
    if region.kind == "municipality":
        ssb_rows = [r for r in MarketTrend.objects.filter(source=TrendSource.SSB,
                                                          region_kind__in=["ssb_region", "municipality"])
                    if region.code in r.municipality_numbers
                    or (r.region_kind == "municipality" and r.region_code == region.code)]
        own = MarketTrend.objects.filter(source=TrendSource.PLATFORM, region_kind="municipality",
                                         region_code=region.code)
        change = momentum().for_municipality(region.code)
    elif region.kind == "county":
        ssb_rows = list(MarketTrend.objects.filter(source=TrendSource.SSB, region_kind="country"))
        own = MarketTrend.objects.filter(source=TrendSource.PLATFORM, region_kind="county", region_code=region.code)
        own_rows = [r for r in own if r.dwelling_type == "all" and r.metric == TrendMetric.PRICE_M2]
        found = _yearly_change(own_rows, weighted=True)
        change = (
            Change(round(found[0], 4), region.name, TrendSource.PLATFORM, found[1]) if found else momentum().national
        )
    else:
        ssb_rows = list(MarketTrend.objects.filter(source=TrendSource.SSB, region_kind="country"))
        own = MarketTrend.objects.filter(source=TrendSource.PLATFORM, region_kind="country")
        change = momentum().national
    return {"region": {"kind": region.kind, "code": region.code, "name": region.name},
            "change_1y": None if change is None else {"value": change.value, "region_name": change.region_name,
                                                      "source": change.source, "period": change.period},
            "series": _series(list(ssb_rows) + list(own)),
            "attribution": _("Statistisk sentralbyrå (SSB), tables 07221 and 06035, NLOD; epty's own recorded sales.")}


def feature_shares_build() -> dict[str, tuple[float, ...]]:
    table = Property._meta.db_table
    sums = ", ".join(f"SUM(CASE WHEN (feature_mask & {bit}) <> 0 THEN 1 ELSE 0 END)"
                     for bit in reference.FEATURE_BITS.values())
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT category, COUNT(*), {sums} FROM {table} WHERE retired_at IS NULL GROUP BY category")
        rows = cursor.fetchall()
    return {row[0]: tuple(float(x) / row[1] for x in row[2:]) for row in rows if row[1]}


def feature_shares() -> dict[str, tuple[float, ...]]:
    """Per category, the share of the catalogue having each feature (reference.FEATURES order).

    What a typical comparable has: the recommender's value signal compares a property with
    comparables *of the same features*, so it needs to know which features the comparable
    levels' properties usually have. Rebuilt when a refresh bumps the trends version; memoised
    beside the momentum (same memo, so whatever clears one clears both).
    """
    version = cache.get(TRENDS_VERSION_KEY) or 0
    memo_key = ("feature-shares", version)
    if memo_key not in _memo:
        key = FEATURE_SHARES_KEY.format(version=version)
        built = cache.get(key)
        if built is None:  # normally stored by the refresh that made this version
            built = feature_shares_build()
            cache.set(key, built, FEATURE_SHARES_TTL)
        for stale in [k for k in _memo if isinstance(k, tuple)]:
            del _memo[stale]
        _memo[memo_key] = built
    return _memo[memo_key]


def comparable_levels(*, municipality_numbers, categories) -> dict[tuple[str, str, int], int]:
    """Median estimate per (municipality, category, area bucket), for the value signal."""
    rows = ComparableLevel.objects.filter(municipality_number__in=list(municipality_numbers),
                                          category__in=list(categories))
    return {(r[0], r[1], r[2]): r[3] for r in rows.values_list("municipality_number", "category", "area_bucket",
                                                                "median_estimate")}
