"""Indexes from epty's own recorded sales, and comparable levels from the catalogue's estimates.

Pure numpy over rows read once per refresh: median price per m² per region (Norway, county,
municipality), dwelling type (all and each category) and quarter, published only with at least
MARKET_MIN_SALES sales; an index with the region's first full year in the window = 100.
"""
from __future__ import annotations

import math
from datetime import date
from typing import overload

import numpy as np

AREA_BUCKET_BASE = math.log(1.25)  # comparables: areas within a factor 1.25 share a bucket


@overload
def area_bucket(area: np.ndarray) -> np.ndarray: ...
@overload
def area_bucket(area: float) -> int: ...
def area_bucket(area: np.ndarray | float) -> np.ndarray | int:
    if isinstance(area, np.ndarray):
        return np.floor(np.log(np.maximum(area, 1)) / AREA_BUCKET_BASE).astype(np.int16)
    return int(math.floor(math.log(max(area, 1)) / AREA_BUCKET_BASE))


def group_median(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(unique keys, median of values per key, count per key)."""
    if len(keys) == 0:
        return keys[:0], values[:0].astype(float), np.zeros(0, int)
    order = np.lexsort((values, keys))
    k, v = keys[order], values[order].astype(float)
    starts = np.r_[0, np.flatnonzero(k[1:] != k[:-1]) + 1]
    counts = np.diff(np.r_[starts, len(k)])
    lo = starts + (counts - 1) // 2
    hi = starts + counts // 2
    return k[starts], (v[lo] + v[hi]) / 2, counts


def quarter_of(days: np.ndarray) -> np.ndarray:
    """Quarter number (year*4 + q-1) of dates given as numpy datetime64[D]."""
    months = days.astype("datetime64[M]").astype(int)  # months since 1970-01
    return (1970 * 12 + months) // 3


def quarter_label(q: int) -> str:
    return f"{q // 4}Q{q % 4 + 1}"


def quarter_start(q: int) -> date:
    return date(q // 4, (q % 4) * 3 + 1, 1)


def sales_index(*, municipality: np.ndarray, county: np.ndarray, category: np.ndarray, sold_on: np.ndarray,
                price: np.ndarray, area: np.ndarray, min_sales: int) -> list[dict]:
    """Rows {region_kind, region_code, dwelling_type, quarter, price_m2, sales, index} from sale arrays."""
    ok = (area > 0) & (price > 0)
    ppm2 = price[ok] / area[ok]
    quarter = quarter_of(sold_on[ok])
    levels = {
        "country": np.full(int(ok.sum()), "NO", dtype=object),
        "county": county[ok], "municipality": municipality[ok],
    }
    cats = category[ok]
    rows = []
    for kind, codes in levels.items():
        for dwelling in ("all", "residential", "cabin", "commercial"):
            mask = np.ones(len(ppm2), bool) if dwelling == "all" else cats == dwelling
            if not mask.any():
                continue
            code_ids, code_index = np.unique(codes[mask].astype(str), return_inverse=True)
            q = quarter[mask]
            qmin = int(q.min())
            key = code_index.astype(np.int64) * 100_000 + (q - qmin)
            ukeys, medians, counts = group_median(key, ppm2[mask])
            keep = counts >= min_sales
            series: dict[str, list] = {}
            for k, med, n in zip(ukeys[keep], medians[keep], counts[keep], strict=True):
                series.setdefault(code_ids[k // 100_000], []).append((int(k % 100_000) + qmin, float(med), int(n)))
            for code, points in series.items():
                points.sort()
                first_year = points[0][0] // 4
                base = [m for qq, m, _ in points if qq // 4 == first_year]
                base_value = float(np.median(base))
                for qq, med, n in points:
                    rows.append({"region_kind": kind, "region_code": code, "dwelling_type": dwelling, "quarter": qq,
                                 "price_m2": med, "sales": n, "index": 100.0 * med / base_value})
    return rows


def comparable_levels(*, municipality: np.ndarray, category: np.ndarray, area: np.ndarray, estimate: np.ndarray,
                      min_count: int = 5) -> list[tuple[str, str, int, int, int]]:
    """(municipality, category, area bucket, median estimate, count) per group with at least min_count."""
    ok = (area > 0) & (estimate > 0)
    groups = np.char.add(np.char.add(municipality[ok].astype(str), "|"), category[ok].astype(str))
    names, gi = np.unique(groups, return_inverse=True)
    buckets = area_bucket(area[ok].astype(float)).astype(np.int64)
    key = gi.astype(np.int64) * 1000 + buckets
    ukeys, medians, counts = group_median(key, estimate[ok].astype(float))
    out = []
    for k, med, n in zip(ukeys, medians, counts, strict=True):
        if n >= min_count:
            muni, cat = names[k // 1000].split("|")
            out.append((muni, cat, int(k % 1000), int(round(med)), int(n)))
    return out
