"""The valuation's market index: monthly, shrunk toward coarser series, with a nowcast for the current month.

The index is built from residuals ``u = log price − hedonic baseline − location level`` of sales, kept as sums and
counts per (index area, day), so that a value can be asked for *as of* any day from only the sales before it.

Series (for the months whose sales are all known):

- **national**, per month: the month's mean residual shrunk toward the mean of the three months around it (a
  rolling quarter) with weight ``MONTH_SHRINK`` sales: a month with many sales stands on its own, a sparse one is
  read quarterly. Months without sales carry the previous value.
- **local** (an index area: a municipality with many sales), per month: the national value plus the area's
  deviation from it, an exponentially weighted mean over the months around (half-life in months) shrunk toward zero
  (weight in sales). Both are chosen per model by time-ordered validation (:meth:`MarketIndex.choose_area_smoothing`):
  an area with few sales a month wants a long half-life, one that drifts fast a short one.

**Nowcast**: a sale (or a valuation) on day *d* of month *m* uses the series of the months before *m*, computed from
sales before *m*, carried forward by the recent trend (the slope of the last ``TREND_MONTHS`` national months, damped
by ``TREND_DAMPING``), and moved toward the mean residual of month *m*'s sales *before d* with weight
``NOWCAST_SHRINK`` sales. Nothing on or after *d* is used: this is how a hold-out sale is valued, and how today's
estimates are brought to today's level (today: the day after the newest known sale).

In-sample values (``as_of=None``) use every known sale, months on both sides included: they deflate the training
prices.
"""
from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

MONTH_SHRINK = 20.0
AREA_HALF_LIFE, AREA_SHRINK = 6.0, 30.0  # until choose_area_smoothing has chosen
# (half-life in months, shrinkage in sales) of the local deviations tried by MarketIndex.choose_area_smoothing
AREA_CANDIDATES = ((1.5, 10.0), (3.0, 10.0), (6.0, 10.0), (12.0, 10.0), (3.0, 30.0), (6.0, 30.0), (12.0, 30.0))
AREA_VALIDATION_SHARE = 0.3  # the newest sales of the index areas that the candidates are scored on
NOWCAST_SHRINK = 40.0
TREND_MONTHS = 6
TREND_DAMPING = 0.5
WINSOR = 0.6  # residuals further than this (log) from zero count as this far: one odd sale moves a month little


def month_of(day: np.ndarray) -> np.ndarray:
    """Month number (year*12 + month-1) of day numbers since 1970-01-01; -1 where unknown."""
    day = np.asarray(day, float)
    out = np.full(len(day), -1, np.int64)
    ok = np.isfinite(day)
    dt = np.datetime64("1970-01-01") + day[ok].astype(np.int64).astype("timedelta64[D]")
    out[ok] = dt.astype("datetime64[M]").astype(np.int64) + 1970 * 12
    return out


def month_start_day(month: np.ndarray) -> np.ndarray:
    """Day number of the first day of each month number."""
    m = np.asarray(month, np.int64) - 1970 * 12
    return m.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def month_label(month: int) -> str:
    return f"{month // 12}-{month % 12 + 1:02d}"


class MarketIndex:
    """Sums and counts of residuals per (area, day); series and nowcasts computed from them on demand."""

    def __init__(self, n_areas: int):
        self.n_areas = n_areas  # area 0: outside every local index area
        self.area_smoothing = (AREA_HALF_LIFE, AREA_SHRINK)
        self.first_day = 0
        self.sums = np.zeros((n_areas + 1, 0))
        self.counts = np.zeros((n_areas + 1, 0))
        self._cache: dict = {}

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_cache"] = {}
        return state

    def copy(self) -> MarketIndex:
        clone = MarketIndex(self.n_areas)
        clone.area_smoothing = self.area_smoothing
        clone.first_day, clone.sums, clone.counts = self.first_day, self.sums.copy(), self.counts.copy()
        return clone

    @property
    def last_day(self) -> int:
        """The newest day with a sale (first_day - 1 when empty)."""
        seen = np.flatnonzero(self.counts.sum(axis=0) > 0)
        return self.first_day + int(seen[-1]) if len(seen) else self.first_day - 1

    def add(self, area: np.ndarray, day: np.ndarray, u: np.ndarray) -> None:
        """Record residuals of sales (rows with an unknown day or residual are left out)."""
        ok = np.isfinite(day) & np.isfinite(u)
        if not ok.any():
            return
        d = day[ok].astype(np.int64)
        lo, hi = int(d.min()), int(d.max())
        if self.sums.shape[1] == 0:
            self.first_day = month_start_day(month_of(np.array([lo], float)))[0]
            self.sums = np.zeros((self.n_areas + 1, 0))
            self.counts = np.zeros((self.n_areas + 1, 0))
        if lo < self.first_day:
            pad = self.first_day - int(month_start_day(month_of(np.array([lo], float)))[0])
            self.sums = np.pad(self.sums, ((0, 0), (pad, 0)))
            self.counts = np.pad(self.counts, ((0, 0), (pad, 0)))
            self.first_day -= pad
        need = hi - self.first_day + 1
        if need > self.sums.shape[1]:
            grow = need - self.sums.shape[1]
            self.sums = np.pad(self.sums, ((0, 0), (0, grow)))
            self.counts = np.pad(self.counts, ((0, 0), (0, grow)))
        col = d - self.first_day
        np.add.at(self.sums, (area[ok], col), np.clip(u[ok], -WINSOR, WINSOR))
        np.add.at(self.counts, (area[ok], col), 1.0)
        self._cache = {}

    # --- series -----------------------------------------------------------------------------------

    def _monthly(self, before_day: int | None) -> tuple[int, np.ndarray, np.ndarray]:
        """(first month, sums, counts) per area and month from the sales before `before_day` (all when None)."""
        days = self.first_day + np.arange(self.sums.shape[1])
        keep = days < before_day if before_day is not None else np.ones(len(days), bool)
        months = month_of(days.astype(float))
        first = int(months[0]) if len(months) else 0
        pos = months - first
        width = int(pos.max()) + 1 if len(pos) else 0
        sums = np.zeros((self.n_areas + 1, width))
        counts = np.zeros((self.n_areas + 1, width))
        for a in range(self.n_areas + 1):
            sums[a] = np.bincount(pos[keep], weights=self.sums[a][keep], minlength=width)
            counts[a] = np.bincount(pos[keep], weights=self.counts[a][keep], minlength=width)
        return first, sums, counts

    def series(self, before_month: int | None = None) -> tuple[int, np.ndarray]:
        """(first month, values (areas+1, months)) from the sales of months before `before_month` (all when None).

        Row 0 is the national series; row a the local series of area a."""
        key = ("series", before_month)
        if key in self._cache:
            return self._cache[key]
        before_day = None if before_month is None else int(month_start_day(np.array([before_month]))[0])
        first, sums, counts = self._monthly(before_day)
        if before_month is not None:
            width = max(0, before_month - first)
            sums, counts = sums[:, :width], counts[:, :width]
        width = sums.shape[1]
        half_life, shrink = self.area_smoothing
        out = np.zeros((self.n_areas + 1, width))
        if width:
            s0, c0 = sums.sum(axis=0), counts.sum(axis=0)
            sq, cq = _rolling3(s0), _rolling3(c0)
            national = np.full(width, np.nan)
            has = cq > 0
            quarter_mean = np.where(has, sq / np.where(has, cq, 1), np.nan)
            own = c0 > 0
            national[has] = (np.where(own, s0, 0)[has] + MONTH_SHRINK * quarter_mean[has]) / (c0[has] + MONTH_SHRINK)
            national = _carry(national)
            out[0] = national
            for a in range(1, self.n_areas + 1):
                dev_s = _smooth(sums[a] - counts[a] * national, half_life)
                dev_c = _smooth(counts[a], half_life)
                out[a] = national + dev_s / (dev_c + shrink)
        self._cache[key] = (first, out)
        return first, out

    def choose_area_smoothing(self, area: np.ndarray, day: np.ndarray, u: np.ndarray) -> list[dict]:
        """Half-life and shrinkage of the local deviations, chosen by time-ordered validation on the recorded sales:
        the newest AREA_VALIDATION_SHARE of the index areas' sales are each nowcast from the sales before them
        (as a new sale is valued) with every candidate; the smallest median absolute error wins. `area`, `day` and
        `u` are the sales already added. Returns one row per candidate."""
        rows = np.flatnonzero((area > 0) & np.isfinite(day) & np.isfinite(u))
        if self.n_areas == 0 or len(rows) < 100:
            return []
        cut = np.quantile(day[rows], 1 - AREA_VALIDATION_SHARE)
        rows = rows[day[rows] >= cut]
        target = np.clip(u[rows], -WINSOR, WINSOR)
        table = []
        for half_life, shrink in AREA_CANDIDATES:
            self.area_smoothing = (half_life, shrink)
            self._cache = {}
            err = np.abs(target - self.value(area[rows], day[rows], nowcast=True))
            table.append({"half_life": half_life, "shrink": shrink,
                          "median_abs_error": round(float(np.median(err)), 5)})
        best = min(table, key=lambda t: t["median_abs_error"])
        self.area_smoothing = (best["half_life"], best["shrink"])
        self._cache = {}
        return table

    # --- values -----------------------------------------------------------------------------------

    def value(self, area: np.ndarray, day: np.ndarray, *, nowcast: bool) -> np.ndarray:
        """Log index of each (area, day). nowcast=False: in-sample (every known sale); nowcast=True: only the
        sales before each day (see the module's docstring). An unknown day is today."""
        day = np.asarray(day, float).copy()
        today = self.last_day + 1
        day[~np.isfinite(day)] = today
        out = np.zeros(len(day))
        if not self.counts.sum():
            return out
        month = month_of(day)
        if not nowcast:
            first, values = self.series(None)
            pos = np.clip(month - first, 0, values.shape[1] - 1)
            return values[area, pos]
        for m in np.unique(month):
            sel = np.flatnonzero(month == m)
            out[sel] = self._nowcast(int(m), area[sel], day[sel].astype(np.int64))
        return out

    def _nowcast(self, month: int, area: np.ndarray, day: np.ndarray) -> np.ndarray:
        first, values = self.series(month)
        if values.shape[1] == 0:  # nothing known before this month: the first known month's level
            first, values = self.series(None)
            return values[area, 0]
        national = values[0]
        last = values[:, -1]
        tail = national[-TREND_MONTHS:]
        slope = float(np.polyfit(np.arange(len(tail)), tail, 1)[0]) if len(tail) >= 3 else 0.0
        gap = month - (first + values.shape[1] - 1)  # months from the last known month to this one
        prior_nat = last[0] + TREND_DAMPING * slope * gap
        # the sales of this month so far (strictly before each day), all areas together
        start = int(month_start_day(np.array([month]))[0])
        lo = start - self.first_day
        hi = min(lo + 31, self.sums.shape[1])
        out = np.empty(len(day))
        if hi <= max(lo, 0):
            s_before = np.zeros(len(day))
            c_before = np.zeros(len(day))
        else:
            cs = np.concatenate([[0.0], np.cumsum(self.sums[:, max(lo, 0):hi].sum(axis=0))])
            cc = np.concatenate([[0.0], np.cumsum(self.counts[:, max(lo, 0):hi].sum(axis=0))])
            k = np.clip(day - self.first_day - max(lo, 0), 0, len(cs) - 1)
            s_before, c_before = cs[k], cc[k]
        nat_now = prior_nat + (s_before - c_before * prior_nat) / (c_before + NOWCAST_SHRINK)
        out[:] = nat_now + (last[area] - last[0])
        return out


def _rolling3(x: np.ndarray) -> np.ndarray:
    """Sum of each element and its two neighbours (those that exist)."""
    out = x.copy()
    out[1:] += x[:-1]
    out[:-1] += x[1:]
    return out


def _smooth(x: np.ndarray, half_life: float) -> np.ndarray:
    """Exponentially weighted sum over the months on both sides (weight 1/2 at `half_life` months away)."""
    lam = 0.5 ** (1.0 / half_life)
    x = np.asarray(x, float)
    if not len(x):
        return x.copy()
    fwd = lfilter([1.0], [1.0, -lam], x)
    bwd = lfilter([1.0], [1.0, -lam], x[::-1])[::-1]
    return fwd + bwd - x


def _carry(x: np.ndarray) -> np.ndarray:
    """Forward-fill NaN (then back-fill the start)."""
    out = x.copy()
    ok = np.isfinite(out)
    if not ok.any():
        return np.zeros_like(out)
    idx = np.where(ok, np.arange(len(out)), 0)
    np.maximum.accumulate(idx, out=idx)
    out = out[idx]
    first = int(np.flatnonzero(ok)[0])
    out[:first] = out[first]
    return out
