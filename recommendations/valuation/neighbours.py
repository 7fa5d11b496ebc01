"""Comparable-sales features for the gradient boosting: the k nearest *earlier* sales of each row.

For a sale on day *d* only sales before *d* count (never its own, never a later one); for a property valued today,
every known sale. Exact k nearest among the earlier sales without a tree per day: the reference sales are sorted
by day, and the ones before a row form a prefix of that order, which splits into at most log2(n) aligned blocks of
sizes 2^j (the binary digits of the prefix length). Each block has its own k-d tree, built once and shared by every
row whose prefix contains it; the last few hundred sales of a prefix are compared directly. A row thus queries
about log2(n) small trees instead of one large one, and the answer is exact.

Each reference sale carries two values, both time-adjusted by the market index (deflated): its log price per m²
and its residual against the hedonic baseline (what location and condition add). The features of a row, weighted
by distance and by the time between the two sales:

- ``comp_log_ppm``: weighted mean of the neighbours' log price per m²;
- ``comp_spread``: weighted standard deviation of the same;
- ``comp_residual``: weighted mean of the neighbours' residuals;
- ``comp_distance``: median distance to the neighbours (km where coordinates are degrees);
- ``nearest_distance``, ``nearest_residual``, ``nearest_log_ppm``, ``nearest_age``: the single nearest earlier sale's
  distance, residual, log price per m² and age in days. At distance zero this is usually the same property's own
  earlier sale (or one in the same building): the boosting learns how much of its residual carries over, which a
  weighted mean over ten neighbours blurs.

A row with no coordinates, or no earlier sale of its category, gets NaN (the boosting treats it as missing).
"""
from __future__ import annotations

import warnings

import numpy as np
from scipy.spatial import cKDTree

K = 10
DIRECT_BLOCK = 256  # prefix remainders below this size are compared directly
DISTANCE_SCALE = 1.0  # km: a neighbour this far weighs half as much as one next door
TIME_SCALE = 3 * 365.0  # days: a sale this much older weighs e^-1 as much
MIN_CATEGORY_SALES = 50  # a category with fewer sales is compared with every category's sales
NAMES = ("comp_log_ppm", "comp_spread", "comp_residual", "comp_distance", "nearest_distance", "nearest_residual",
         "nearest_log_ppm", "nearest_age")


def knn_before(ref_xy: np.ndarray, ref_day: np.ndarray, q_xy: np.ndarray, q_day: np.ndarray | None,
               k: int) -> tuple[np.ndarray, np.ndarray]:
    """(distances, indexes into ref) of the k nearest reference points sold strictly before each query's day
    (every reference point when q_day is None). Missing neighbours: distance inf, index -1.
    ref_day must be sorted ascending."""
    n, nq = len(ref_day), len(q_xy)
    best_d = np.full((nq, k), np.inf)
    best_i = np.full((nq, k), -1, np.int64)
    if not n or not nq:
        return best_d, best_i
    if q_day is None:
        tree = cKDTree(ref_xy)
        d, i = tree.query(q_xy, k=min(k, n))
        d, i = d.reshape(nq, -1), i.reshape(nq, -1)
        best_d[:, :d.shape[1]], best_i[:, :i.shape[1]] = d, np.where(np.isfinite(d), i, -1)
        return best_d, best_i
    p = np.searchsorted(ref_day, q_day, side="left")  # number of sales strictly before each query
    top = int(n).bit_length()
    min_level = int(DIRECT_BLOCK).bit_length() - 1
    for j in range(top, min_level - 1, -1):
        size = 1 << j
        rows = np.flatnonzero((p >> j) & 1)
        if not len(rows):
            continue
        starts = (p[rows] >> (j + 1)) << (j + 1)
        order = np.argsort(starts, kind="stable")
        rows, starts = rows[order], starts[order]
        uniq, first = np.unique(starts, return_index=True)
        bounds = np.append(first, len(rows))
        for s, a, b in zip(uniq.tolist(), bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            sub = rows[a:b]
            tree = cKDTree(ref_xy[s:s + size])
            kk = min(k, size)
            d, i = tree.query(q_xy[sub], k=kk)
            _merge(best_d, best_i, sub, d.reshape(len(sub), kk), i.reshape(len(sub), kk) + s)
    # the remainder of each prefix, below the smallest block: compared directly
    lo = (p >> min_level) << min_level
    rows = np.flatnonzero(p > lo)
    width = 1 << min_level
    for c in range(0, len(rows), 4096):
        sub = rows[c:c + 4096]
        idx = lo[sub, None] + np.arange(width)[None, :]
        valid = idx < p[sub, None]
        idx = np.minimum(idx, n - 1)
        diff = ref_xy[idx] - q_xy[sub, None, :]
        d = np.sqrt((diff ** 2).sum(axis=2))
        d[~valid] = np.inf
        kk = min(k, width)
        part = np.argpartition(d, kk - 1, axis=1)[:, :kk]
        dd = np.take_along_axis(d, part, axis=1)
        ii = np.where(np.isfinite(dd), np.take_along_axis(idx, part, axis=1), -1)
        _merge(best_d, best_i, sub, dd, ii)
    return best_d, best_i


def _merge(best_d, best_i, rows, d, i) -> None:
    d = np.where(i >= 0, d, np.inf)
    all_d = np.concatenate([best_d[rows], d], axis=1)
    all_i = np.concatenate([best_i[rows], i], axis=1)
    k = best_d.shape[1]
    part = np.argpartition(all_d, k - 1, axis=1)[:, :k]
    best_d[rows] = np.take_along_axis(all_d, part, axis=1)
    best_i[rows] = np.take_along_axis(all_i, part, axis=1)


class Comparables:
    """Reference sales (position, day, category, log price per m², residual) and the features they give."""

    def __init__(self, scale: tuple[float, float] | None):
        self.scale = scale  # (units per km north, units per km east); None: no coordinates
        self.xy = np.zeros((0, 2))
        self.day = np.zeros(0)
        self.cat = np.zeros(0, np.int64)
        self.ppm = np.zeros(0)
        self.resid = np.zeros(0)
        self._trees: dict[int, cKDTree] = {}

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_trees"] = {}  # rebuilt on first use
        return state

    def _tree(self, group: int, refs: np.ndarray) -> cKDTree:
        """One k-d tree over every reference sale of a group (valuing today), built once per process."""
        tree = self._trees.get(group)
        if tree is None:
            tree = self._trees[group] = cKDTree(self.xy[refs])
        return tree

    def copy(self) -> Comparables:
        clone = Comparables(self.scale)
        clone.xy, clone.day, clone.cat = self.xy.copy(), self.day.copy(), self.cat.copy()
        clone.ppm, clone.resid = self.ppm.copy(), self.resid.copy()
        return clone

    def _points(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        assert self.scale is not None
        return np.stack([lat / self.scale[0], lon / self.scale[1]], axis=1)

    def add(self, *, lat, lon, day, cat, ppm, resid) -> None:
        if self.scale is None:
            return
        ok = np.isfinite(lat) & np.isfinite(lon) & np.isfinite(day) & np.isfinite(resid)
        self.xy = np.concatenate([self.xy, self._points(lat[ok], lon[ok])])
        self.day = np.concatenate([self.day, day[ok]])
        self.cat = np.concatenate([self.cat, cat[ok]])
        self.ppm = np.concatenate([self.ppm, ppm[ok]])
        self.resid = np.concatenate([self.resid, resid[ok]])
        order = np.argsort(self.day, kind="stable")
        self.xy, self.day, self.cat = self.xy[order], self.day[order], self.cat[order]
        self.ppm, self.resid = self.ppm[order], self.resid[order]
        self._trees = {}

    def features(self, *, lat, lon, cat, day: np.ndarray | None, today: float) -> tuple[np.ndarray, np.ndarray]:
        """((n, len(NAMES)) features, (n,) number of neighbours used). day None: every known sale counts (valuing
        today); otherwise only sales strictly before each row's day."""
        n = len(lat)
        out = np.full((n, len(NAMES)), np.nan)
        used = np.zeros(n, np.int64)
        if self.scale is None or not len(self.day):
            return out, used
        ok = np.isfinite(lat) & np.isfinite(lon)
        if day is not None:
            ok &= np.isfinite(day)
        counts = np.bincount(self.cat, minlength=int(max(cat.max(initial=0), self.cat.max(initial=0))) + 1)
        pooled = counts < MIN_CATEGORY_SALES
        groups = np.where(pooled[cat], -1, cat)
        for g in np.unique(groups[ok]):
            rows = np.flatnonzero(ok & (groups == g))
            refs = np.arange(len(self.day)) if g < 0 else np.flatnonzero(self.cat == g)
            q = self._points(lat[rows], lon[rows])
            if day is None:
                d, i = self._tree(int(g), refs).query(q, k=min(K, len(refs)))
                d, i = d.reshape(len(rows), -1), i.reshape(len(rows), -1)
                i = np.where(np.isfinite(d), i, -1)
            else:
                d, i = knn_before(self.xy[refs], self.day[refs], q, day[rows], K)
            has = i >= 0
            gi = refs[np.where(has, i, 0)]
            when = (today if day is None else day[rows])
            age = np.maximum(np.asarray(when, float).reshape(-1, 1) - self.day[gi], 0.0)
            w = np.where(has, 1.0 / (1.0 + (d / DISTANCE_SCALE) ** 2) * np.exp(-age / TIME_SCALE), 0.0)
            ppm = self.ppm[gi]
            wp = np.where(np.isfinite(ppm), w, 0.0)
            sw, swp = w.sum(axis=1), wp.sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean_ppm = (wp * np.nan_to_num(ppm)).sum(axis=1) / swp
                var = (wp * (np.nan_to_num(ppm) - mean_ppm[:, None]) ** 2).sum(axis=1) / swp
                out[rows, 0] = mean_ppm
                out[rows, 1] = np.sqrt(var)
                out[rows, 2] = (w * self.resid[gi]).sum(axis=1) / sw
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # rows without a neighbour: NaN, as meant
                out[rows, 3] = np.nanmedian(np.where(has, d, np.nan), axis=1)
            near = np.argmin(np.where(has, d, np.inf), axis=1)
            pick = np.arange(len(rows))
            found = has[pick, near]
            gn = gi[pick, near]
            out[rows, 4] = np.where(found, d[pick, near], np.nan)
            out[rows, 5] = np.where(found, self.resid[gn], np.nan)
            out[rows, 6] = np.where(found, self.ppm[gn], np.nan)
            out[rows, 7] = np.where(found, age[pick, near], np.nan)
            used[rows] = has.sum(axis=1)
        return out, used
