"""Writes for market trends: the daily refresh (SSB + platform index + comparable levels)."""
from __future__ import annotations

import logging
from datetime import date

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from epty.locks import xact_lock
from properties import regions
from properties.models import Property, PropertySale

from . import platform, ssb
from .models import ComparableLevel, MarketTrend, TrendMetric, TrendSource
from .selectors import FEATURE_SHARES_KEY, FEATURE_SHARES_TTL, TRENDS_VERSION_KEY, feature_shares_build

logger = logging.getLogger(__name__)
SALES_WINDOW_YEARS = 6


def _period(code: str) -> tuple[str, date]:
    """SSB's "2024K4" or "2024" → ("2024Q4", 2024-10-01) or ("2024", 2024-01-01)."""
    code = code.strip().upper()
    if "K" in code or "Q" in code:
        year, quarter = code.replace("K", "Q").split("Q")
        return f"{int(year)}Q{int(quarter)}", date(int(year), (int(quarter) - 1) * 3 + 1, 1)
    return str(int(code)), date(int(code), 1, 1)


def _ssb_rows(dataset: dict, metric: str, now) -> list[MarketTrend]:
    out = []
    for row in ssb.parse(dataset):
        region_code, region_label = row["Region"]
        kind, code, name, munis = ssb.ssb_region(region_code, region_label)
        dwelling_code, dwelling_label = row.get("Boligtype", ("00", "all"))
        period, start = _period(row["Tid"][0])
        out.append(MarketTrend(
            source=TrendSource.SSB, metric=metric, region_kind=kind, region_code=code, region_name=name,
            municipality_numbers=munis, dwelling_type="all" if dwelling_code == "00" else dwelling_label.lower(),
            period=period, period_start=start, value=row["value"], fetched_at=now))
    return out


def _platform_rows(now) -> list[MarketTrend]:
    since = date(now.year - SALES_WINDOW_YEARS, 1, 1)
    rows = list(PropertySale.objects.filter(sold_on__gte=since, property__usable_area__gt=0)
                .values_list("property__municipality_number", "property__county_number", "property__category",
                             "sold_on", "price", "property__usable_area").iterator(chunk_size=20_000))
    if not rows:
        return []
    muni, county, cat, sold, price, area = (np.array(col) for col in zip(*rows, strict=True))
    index_rows = platform.sales_index(municipality=muni.astype(str), county=county.astype(str),
                                      category=cat.astype(str), sold_on=sold.astype("datetime64[D]"),
                                      price=price.astype(float), area=area.astype(float),
                                      min_sales=settings.MARKET_MIN_SALES)
    out = []
    for r in index_rows:
        kind, code = r["region_kind"], r["region_code"]
        region = (regions.NATIONAL if kind == "country" else
                  regions.county_region(code) if kind == "county" else regions.municipality_region(code))
        common = dict(source=TrendSource.PLATFORM, region_kind=kind, region_code=code, region_name=region.name,
                      municipality_numbers=[], dwelling_type=r["dwelling_type"],
                      period=platform.quarter_label(r["quarter"]), period_start=platform.quarter_start(r["quarter"]),
                      sales=r["sales"], fetched_at=now)
        out.append(MarketTrend(metric=TrendMetric.PRICE_M2, value=round(r["price_m2"], 1), **common))
        out.append(MarketTrend(metric=TrendMetric.INDEX, value=round(r["index"], 2), **common))
    return out


def _comparables(now) -> list[ComparableLevel]:
    rows = list(Property.objects.active().filter(estimate__gt=0, usable_area__gt=0)
                .values_list("municipality_number", "category", "usable_area", "estimate").iterator(chunk_size=50_000))
    if not rows:
        return []
    muni, cat, area, estimate = (np.array(col) for col in zip(*rows, strict=True))
    return [ComparableLevel(municipality_number=m, category=c, area_bucket=b, median_estimate=med, count=n,
                            updated_at=now)
            for m, c, b, med, n in platform.comparable_levels(municipality=muni.astype(str), category=cat.astype(str),
                                                              area=area.astype(float), estimate=estimate.astype(float))]


def market_trends_refresh(*, now=None, base_url: str | None = None) -> dict:
    """Fetch SSB (cached; recorded answer offline), recompute the platform index and comparable levels.

    Network and number crunching happen before the write transaction; each source's rows are
    replaced as a whole, so running it twice leaves the same state.
    """
    now = now or timezone.now()
    fetched = {t.table: ssb.fetch(t, base_url=base_url) for t in (ssb.PRICE_INDEX, ssb.PRICE_PER_M2)}
    ssb_rows = (_ssb_rows(fetched[ssb.PRICE_INDEX.table].dataset, TrendMetric.INDEX, now)
                + _ssb_rows(fetched[ssb.PRICE_PER_M2.table].dataset, TrendMetric.PRICE_M2, now))
    platform_rows = _platform_rows(now)
    comparables = _comparables(now)
    shares = feature_shares_build()  # one pass over the catalogue here, so no request pays for it
    with transaction.atomic():
        # Two refreshes at once would each delete only the rows they saw and insert their own: the second waits.
        xact_lock("market.trends_refresh")
        MarketTrend.objects.filter(source=TrendSource.SSB).delete()
        MarketTrend.objects.bulk_create(ssb_rows, batch_size=2000)
        MarketTrend.objects.filter(source=TrendSource.PLATFORM).delete()
        MarketTrend.objects.bulk_create(platform_rows, batch_size=2000)
        ComparableLevel.objects.all().delete()
        ComparableLevel.objects.bulk_create(comparables, batch_size=5000)
        transaction.on_commit(lambda: _publish(shares))
    result = {"ssb_rows": len(ssb_rows), "ssb_origin": {k: v.origin for k, v in fetched.items()},
              "platform_rows": len(platform_rows), "comparable_levels": len(comparables)}
    logger.info("market trends refreshed: %s", result)
    return result


def _publish(shares: dict) -> None:
    trends_cache_bump()
    cache.set(FEATURE_SHARES_KEY.format(version=cache.get(TRENDS_VERSION_KEY) or 0), shares, FEATURE_SHARES_TTL)


def trends_cache_bump() -> None:
    try:
        cache.incr(TRENDS_VERSION_KEY)
    except ValueError:
        cache.set(TRENDS_VERSION_KEY, 1, None)
