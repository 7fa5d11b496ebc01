"""The valuation model: market index, location levels, hedonic baseline, gradient boosting, interval.

Fitting, in order (all from the sales handed to :meth:`Valuer.fit`, nothing else):

1. The newest ``calibration_share`` of the training sales are set aside for calibrating the
   interval; everything below is fitted on the older part.
2. A sparse ridge hedonic regression of log price on quarter effects (national, plus a
   deviation for each municipality with many sales), municipality and county effects and
   property facts. Its property part is the *hedonic baseline*.
3. **Location price level** (:class:`Levels`): the robust mean residual of the baseline per
   county, municipality and grid cell, each shrunk toward the coarser level, plus each
   category's own deviation per county and municipality; the shrinkage weights are estimated
   from the data. For training rows it is computed out-of-fold (5 folds), so a sale never sees
   its own price; for any other row it uses the training sales only.
4. **Market index** (:mod:`.index`): monthly (quarterly where sparse), national and per
   municipality with a few hundred sales (shrunk toward the national series; how much chosen by
   time-ordered validation), from log price minus baseline minus
   location level. Prices are deflated by it; an estimate is the deflated value times the
   index of the valuation day, a *nowcast* from the sales before that day (the months before
   and the current month so far). Later sales are added with :meth:`Valuer.sales_extend`; a
   sale is valued with only the sales before its date.
5. **Comparable sales** (:mod:`.neighbours`): the k nearest earlier sales of the same category
   give time-adjusted log price per m², its spread, the neighbours' residual and distance, and the
   nearest one's own (often the same property's earlier sale); training rows see only sales before
   their own date.
6. ``HistGradientBoostingRegressor`` (Huber loss) on what the baseline leaves unexplained, with the
   comparable-sales features; its settings chosen by time-ordered cross-validation on the
   training part (:func:`tune_boosting`).
7. Interval: 10th/90th percentiles of the log errors on the calibration slice (per category
   where there are enough), added to the estimate (split conformal).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import lsqr
from threadpoolctl import threadpool_limits

from .frame import Frame
from .index import MarketIndex
from .neighbours import Comparables

AGE_EDGES = np.array([0, 5, 10, 20, 30, 40, 50, 60, 80, 100, 130])
# Location levels. Shrinkage weights (in sales) where there are too few groups to estimate them from the data:
LEVEL_SHRINK = {"county": 30.0, "municipality": 20.0, "cell": 10.0, "cat_county": 30.0, "cat_municipality": 20.0}
EB_MIN_GROUPS = 5
EB_MIN_WEIGHT, EB_MAX_WEIGHT = 1.0, 10_000.0  # a group's own mean never counts fully, nor is it ever ignored
EB_CLIP = 1.0  # log: residuals beyond this count as this far when estimating how much places differ
BACKFIT_ROUNDS = 2  # shared levels and category deviations fitted in turn
ROBUST_ROUNDS = 3  # Huber reweightings
HUBER = 1.345  # × the residuals' robust standard deviation: the usual constant (95 % efficient for normal errors)
CATEGORY_SHIFT = 42  # county and municipality keys made per category (the codes are small)
INDEX_SHRINK = 30.0
MIN_INDEX_AREA_SALES = 300
MAX_INDEX_AREAS = 12
MAX_CATEGORIES = 200
MIN_CALIBRATION_ROWS = 300
MAX_BOOSTING_ROWS = 150_000  # the boosting step learns corrections to a strong baseline: a sample suffices
# The layout of a fitted Valuer: 2 = monthly index with nowcast and comparable-sales features; 3 = location levels
# per category with estimated shrinkage, local index smoothing chosen per model; 4 = the nearest earlier sale's
# features beside the ten neighbours' (4 → 10 comparable-sales inputs), Huber loss in the boosting. A file of another
# layout cannot be used by this code (see Valuer.check_format).
MODEL_FORMAT = 4
MAX_OFFSET = 0.05  # the calibration slice may move every estimate by at most 5 %
GROUPS = ("location", "size", "type", "age", "features", "other")


def _quarter(day: np.ndarray) -> np.ndarray:
    """Quarter number (year*4 + q-1) of day numbers since 1970-01-01; -1 where unknown."""
    out = np.full(len(day), -1, np.int64)
    ok = np.isfinite(day)
    dt = np.datetime64("1970-01-01") + day[ok].astype(np.int64).astype("timedelta64[D]")
    months = dt.astype("datetime64[M]").astype(np.int64)
    out[ok] = (months // 12 + 1970) * 4 + (months % 12) // 3
    return out


def quarter_label(q: int) -> str:
    return f"{q // 4}Q{q % 4 + 1}"


class ModelFormatError(ValueError):
    """A model file from code with another model layout."""


class Vocab:
    """Text → small integer code; 0 is missing/unknown. The most frequent MAX_CATEGORIES values get codes."""

    def __init__(self, values: np.ndarray, limit: int = MAX_CATEGORIES):
        vals, counts = np.unique(values[values != ""].astype(str), return_counts=True)
        keep = vals[np.argsort(-counts, kind="stable")][:limit]
        self.codes = {v: i + 1 for i, v in enumerate(sorted(keep))}

    def __len__(self) -> int:
        return len(self.codes) + 1

    def encode(self, values: np.ndarray) -> np.ndarray:
        get = self.codes.get
        return np.fromiter((get(str(v), 0) for v in values), np.int64, len(values))


@dataclass
class Levels:
    """Location price levels: the mean residual per county, municipality and grid cell, each shrunk toward the
    coarser level and shared by every category, plus each category's own deviation per county and municipality
    (a cabin's place is priced apart from a home's). The shrinkage weights are estimated from the data (empirical
    Bayes); the means are robust (Huber), so a few odd sales move a place's level little."""

    county: dict = field(default_factory=dict)
    municipality: dict = field(default_factory=dict)
    cell: dict = field(default_factory=dict)
    cat_county: dict = field(default_factory=dict)
    cat_municipality: dict = field(default_factory=dict)
    shrink: dict = field(default_factory=dict)  # the weights found, for the record: {level: k} or {level: {cat: k}}

    @classmethod
    def fit(cls, county: np.ndarray, muni: np.ndarray, cell: np.ndarray, cat: np.ndarray, r: np.ndarray) -> Levels:
        """The shared levels and the category deviations are fitted in turn, each on what the other leaves; then
        again with sales far from their level weighted down, ROBUST_ROUNDS times."""
        lv = cls()
        shared = (("county", _Groups(county)), ("municipality", _Groups(muni)), ("cell", _Groups(cell)))
        own = (("cat_county", _Groups(_per_category(cat, county))),
               ("cat_municipality", _Groups(_per_category(cat, muni))))
        w = np.ones(len(r))
        dev = np.zeros(len(r))
        for rnd in range(ROBUST_ROUNDS + 1):
            for _ in range(BACKFIT_ROUNDS):
                common = lv._fit_chain(shared, r - dev, w)
                dev = lv._fit_chain(own, r - common, w, cat=cat)
            if rnd == ROBUST_ROUNDS:
                break
            e = r - common - dev
            scale = HUBER * 1.4826 * float(np.median(np.abs(e - np.median(e))))
            if scale <= 0:
                break
            w = np.minimum(1.0, scale / np.maximum(np.abs(e), 1e-12))
        return lv

    def _fit_chain(self, chain: tuple[tuple[str, _Groups], ...], r: np.ndarray, w: np.ndarray,
                   cat: np.ndarray | None = None) -> np.ndarray:
        """Levels from the coarsest to the finest, each a shrunk mean deviation from the one before. With `cat`
        every category gets its own shrinkage weights (a category whose prices vary more is shrunk harder)."""
        level = np.zeros(len(r))
        for name, groups in chain:
            d = r - level
            table = groups.sums(d, w)
            if cat is None:
                k: Any = groups.prior_weight(d, LEVEL_SHRINK[name])
                table["weight"] = np.full(len(table["keys"]), k)
            else:
                k = {int(c): groups.prior_weight(d, LEVEL_SHRINK[name], rows=cat == c) for c in np.unique(cat)}
                table["weight"] = np.array([k.get(int(c), LEVEL_SHRINK[name])
                                            for c in table["keys"] >> CATEGORY_SHIFT], float)
            self.shrink[name] = k
            setattr(self, name, table)
            level = _shrunk(table, groups.keys, level)
        return level

    def transform(self, county: np.ndarray, muni: np.ndarray, cell: np.ndarray,
                  cat: np.ndarray) -> tuple[np.ndarray, ...]:
        """County, municipality and grid-cell level of each row, its category's deviations included."""
        c = _shrunk(self.county, county, 0.0)
        m = _shrunk(self.municipality, muni, c)
        g = _shrunk(self.cell, cell, m)
        dc = _shrunk(self.cat_county, _per_category(cat, county), 0.0)
        dm = _shrunk(self.cat_municipality, _per_category(cat, muni), dc)
        return c + dc, m + dm, g + dm


def _per_category(cat: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """County or municipality keys made per category; missing stays -1."""
    return np.where(keys >= 0, keys + (cat.astype(np.int64) << CATEGORY_SHIFT), -1)


def out_of_fold_levels(county, muni, cell, cat, r, folds) -> np.ndarray:
    """(n, 3) county/municipality/cell levels where each row's come only from the other folds."""
    oof = np.zeros((len(r), 3))
    for k in np.unique(folds):
        tr, te = folds != k, folds == k
        lv = Levels.fit(county[tr], muni[tr], cell[tr], cat[tr], r[tr])
        oof[te] = np.stack(lv.transform(county[te], muni[te], cell[te], cat[te]), axis=1)
    return oof


class _Groups:
    """Rows grouped by a key (-1: no group), found once and summed many times."""

    def __init__(self, keys: np.ndarray):
        self.keys = keys
        self.ok = keys >= 0
        self.uniq, self.inv = np.unique(keys[self.ok], return_inverse=True)

    def sums(self, values: np.ndarray, weights: np.ndarray) -> dict:
        w = weights[self.ok]
        return {"keys": self.uniq, "sums": np.bincount(self.inv, weights=w * values[self.ok], minlength=len(self.uniq)),
                "counts": np.bincount(self.inv, weights=w, minlength=len(self.uniq))}

    def prior_weight(self, d: np.ndarray, default: float, rows: np.ndarray | None = None) -> float:
        """Shrinkage weight (in sales) of a group's mean deviation `d` from its coarser level: the variance of sales
        within a group over the variance of the true group deviations (method of moments, groups weighted by how
        well their means are known). Groups that differ little get a large weight (their means are mostly noise);
        `default` when there are too few groups to tell. `rows`: only these rows (a mask over all rows)."""
        inv = self.inv
        x = np.clip(d[self.ok], -EB_CLIP, EB_CLIP)  # one wild price must not decide how much places differ
        if rows is not None:
            mine = rows[self.ok]
            inv, x = inv[mine], x[mine]
        n = np.bincount(inv, minlength=len(self.uniq)).astype(float)
        mean = np.bincount(inv, weights=x, minlength=len(self.uniq)) / np.maximum(n, 1)
        groups = int((n > 0).sum())
        many = n >= 2
        if many.sum() < EB_MIN_GROUPS or len(x) - groups < 2 * EB_MIN_GROUPS:
            return default
        within = float(np.sum((x - mean[inv]) ** 2) / (len(x) - groups))
        if within <= 0:
            return default
        noise, dev2 = within / n[many], mean[many] ** 2
        between = max(float(np.mean(dev2 - noise)), 0.0)
        for _ in range(20):
            w = 1.0 / (between + noise) ** 2
            between = max(float(np.sum(w * (dev2 - noise)) / np.sum(w)), 0.0)
        return float(np.clip(within / max(between, 1e-12), EB_MIN_WEIGHT, EB_MAX_WEIGHT))


def _shrunk(table: dict, keys: np.ndarray, prior) -> np.ndarray:
    """The prior plus each known group's summed deviation over (its sales + its shrinkage weight)."""
    prior = np.broadcast_to(np.asarray(prior, float), keys.shape).astype(float)
    out = prior.copy()
    if not len(table.get("keys", ())):
        return out
    pos = np.searchsorted(table["keys"], keys)
    pos = np.clip(pos, 0, len(table["keys"]) - 1)
    hit = (keys >= 0) & (table["keys"][pos] == keys)
    s, n, k = table["sums"][pos[hit]], table["counts"][pos[hit]], table["weight"][pos[hit]]
    out[hit] = prior[hit] + s / (n + k)
    return out


@dataclass
class Encoded:
    """A frame turned into model inputs (before the learned location levels)."""

    cat: np.ndarray
    btype: np.ndarray
    muni: np.ndarray
    county: np.ndarray
    cell: np.ndarray
    area: np.ndarray  # index area for the market index (0 = national)
    log_area: np.ndarray
    log_plot: np.ndarray
    age: np.ndarray
    num: dict[str, np.ndarray]  # rooms, bedrooms, floors, year_built, lat, lon
    tags: np.ndarray
    extra: np.ndarray  # (n, k) floats; categorical extras as codes
    quarter: np.ndarray
    day: np.ndarray  # sale day number (NaN: a property valued today)
    comps: np.ndarray | None = None  # (n, 8) comparable-sales features (neighbours.NAMES), filled when valuing

    def take(self, idx) -> Encoded:
        taken: dict[str, Any] = {k: (v if v is None else v[idx] if not isinstance(v, dict)
                                     else {a: b[idx] for a, b in v.items()}) for k, v in self.__dict__.items()}
        return Encoded(**taken)


class Valuer:
    """A fitted valuation model. Pickled with joblib as the version's artifact."""

    def __init__(self, *, seed: int = 0, calibration_share: float = 0.15, max_iter: int = 400,
                 learning_rate: float = 0.15, tune: bool = True, progress: Callable[[str], None] | None = None):
        self.seed = seed
        self.tune = tune
        self.calibration_share = calibration_share
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self._progress = progress
        self.timings: dict[str, float] = {}

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_progress"] = None
        return state

    def _say(self, message: str) -> None:
        if self._progress:
            self._progress(message)

    # --- encoding ---------------------------------------------------------------------------

    def _learn_vocabularies(self, f: Frame) -> None:
        self.cat_vocab = Vocab(f.text["category"])
        self.btype_vocab = Vocab(np.array([("" if not np.isfinite(v) else str(int(v))) for v in f.num["building_type"]],
                                          dtype=object))
        self.muni_vocab = Vocab(f.text["municipality"], limit=10_000)
        self.county_vocab = Vocab(f.text["county"], limit=1_000)
        self.has_tags = f.has_tags
        self.extra_num_names = sorted(f.extra_num)
        self.extra_text_names = sorted(f.extra_text)
        self.extra_vocabs = {k: Vocab(f.extra_text[k]) for k in self.extra_text_names}
        lat, lon = f.num["lat"], f.num["lon"]
        ok = np.isfinite(lat) & np.isfinite(lon)
        self.has_coordinate = bool(ok.sum() >= 10)
        if self.has_coordinate:
            degrees = np.nanmax(np.abs(lat[ok])) <= 90 and np.nanmax(np.abs(lon[ok])) <= 180
            # Degrees: cells of about 3 × 3 km in Norway; anything else (projected metres, feet): 64 cells per range.
            self.cell_size = (0.03, 0.06) if degrees else tuple(
                max((np.nanpercentile(x[ok], 99) - np.nanpercentile(x[ok], 1)) / 64, 1e-9) for x in (lat, lon))
        year = f.num["year_built"]
        self.reference_year = float(np.nanmax(year)) if np.isfinite(year).any() else 2025.0
        if np.isfinite(f.sold_day).any():
            self.reference_year = max(self.reference_year, 1970 + float(np.nanmax(f.sold_day)) / 365.25)

    def _cells(self, f: Frame) -> np.ndarray:
        if not self.has_coordinate:
            return np.full(f.n, -1, np.int64)
        lat, lon = f.num["lat"], f.num["lon"]
        ok = np.isfinite(lat) & np.isfinite(lon)
        out = np.full(f.n, -1, np.int64)
        i = np.floor(lat[ok] / self.cell_size[0]).astype(np.int64)
        j = np.floor(lon[ok] / self.cell_size[1]).astype(np.int64)
        out[ok] = (i + 1_000_000) * 2_000_003 + (j + 1_000_000)
        return out

    def encode(self, f: Frame) -> Encoded:
        btype_text = np.array(
            [("" if not np.isfinite(v) else str(int(v))) for v in f.num["building_type"]], dtype=object
        )
        muni = self.muni_vocab.encode(f.text["municipality"])
        county = self.county_vocab.encode(f.text["county"])
        county_key = np.where(county > 0, county, -1)
        muni_key = np.where(muni > 0, muni, -1)
        area_index = np.zeros(f.n, np.int64)
        for i, m in enumerate(getattr(self, "index_areas", [])):
            area_index[muni == m] = i + 1
        with np.errstate(divide="ignore", invalid="ignore"):
            log_area = np.log(np.where(f.num["usable_area"] > 0, f.num["usable_area"], np.nan))
            log_plot = np.log(np.where(f.num["plot_area"] > 0, f.num["plot_area"], np.nan))
        extra = [f.extra_num[k] if k in f.extra_num else np.full(f.n, np.nan) for k in self.extra_num_names]
        extra += [self.extra_vocabs[k].encode(f.extra_text[k] if k in f.extra_text else np.full(f.n, "", object))
                  .astype(float) for k in self.extra_text_names]
        return Encoded(
            cat=self.cat_vocab.encode(f.text["category"]), btype=self.btype_vocab.encode(btype_text),
            muni=muni_key, county=county_key, cell=self._cells(f), area=area_index,
            log_area=log_area, log_plot=log_plot, age=self.reference_year - f.num["year_built"],
            num={k: f.num[k].astype(float) for k in ("rooms", "bedrooms", "floors", "year_built", "lat", "lon")},
            tags=(f.tags.astype(float) if (self.has_tags and f.tags is not None) else np.zeros((f.n, 0))),
            extra=np.stack(extra, axis=1) if extra else np.zeros((f.n, 0)),
            quarter=_quarter(f.sold_day), day=f.sold_day.astype(float),
        )

    # --- hedonic design -----------------------------------------------------------------------

    def _design(self, e: Encoded, *, with_location: bool, with_time: bool) -> sparse.csr_matrix:
        """Sparse design matrix, built from (row, column, value) triplets in one go."""
        n = len(e.cat)
        C = len(self.cat_vocab)
        rows_all = np.arange(n)
        parts_r, parts_c, parts_v = [], [], []
        width = 0

        def onehot(codes, size):
            nonlocal width
            ok = (codes >= 0) & (codes < size)
            parts_r.append(rows_all[ok])
            parts_c.append(codes[ok] + width)
            parts_v.append(np.ones(int(ok.sum())))
            width += size

        def by_cat(values):  # one column per category: the value where the row has that category
            nonlocal width
            v = np.where(np.isnan(values), 0.0, values)
            parts_r.append(rows_all)
            parts_c.append(e.cat + width)
            parts_v.append(v)
            width += C

        onehot(e.cat, C)
        onehot(e.cat * len(self.btype_vocab) + e.btype, C * len(self.btype_vocab))
        la = e.log_area - self.mean_log_area
        by_cat(la)
        by_cat(np.isnan(la).astype(float))
        lp = e.log_plot - self.mean_log_plot
        by_cat(lp)
        by_cat(np.isnan(lp).astype(float))
        age_bin = np.where(np.isfinite(e.age), np.searchsorted(AGE_EDGES, np.nan_to_num(e.age), side="right"), 0)
        onehot(age_bin, len(AGE_EDGES) + 1)
        for t in range(e.tags.shape[1]):
            by_cat(e.tags[:, t])
        if with_location:
            onehot(e.muni, len(self.muni_vocab))
            onehot(e.county, len(self.county_vocab))
        if with_time:
            q = np.where(e.quarter >= 0, e.quarter - self.first_quarter, -1)
            nq = self.n_quarters
            onehot(q, nq)
            for i in range(len(self.index_areas)):
                onehot(np.where(e.area == i + 1, q, -1), nq)
        return sparse.csr_matrix((np.concatenate(parts_v), (np.concatenate(parts_r), np.concatenate(parts_c))),
                                 shape=(n, width))

    # --- fitting ----------------------------------------------------------------------------------

    def fit(self, f: Frame) -> Valuer:
        started = time.monotonic()
        self.format = MODEL_FORMAT
        order = np.argsort(f.sold_day, kind="stable")
        f = f.take(order)
        if f.n < 50:
            raise ValueError("At least 50 sales are needed to train a valuation model.")
        n_cal = int(round(f.n * self.calibration_share))
        n_cal = min(max(n_cal, min(MIN_CALIBRATION_ROWS, f.n // 5)), f.n // 2)
        fit_f, cal_f = f.take(np.arange(f.n - n_cal)), f.take(np.arange(f.n - n_cal, f.n))
        self.trained_through_day = float(np.nanmax(f.sold_day))
        self._learn_vocabularies(fit_f)
        y = np.log(fit_f.price)

        # Index areas: municipalities with many sales get their own quarterly index.
        counts = np.bincount(self.muni_vocab.encode(fit_f.text["municipality"]), minlength=len(self.muni_vocab))
        big = [int(m) for m in np.argsort(-counts) if m > 0 and counts[m] >= MIN_INDEX_AREA_SALES]
        self.index_areas = big[:MAX_INDEX_AREAS]
        e = self.encode(fit_f)
        self.mean_log_area = float(np.nanmean(e.log_area)) if np.isfinite(e.log_area).any() else 0.0
        self.mean_log_plot = float(np.nanmean(e.log_plot)) if np.isfinite(e.log_plot).any() else 0.0
        quarters = e.quarter[e.quarter >= 0]
        self.first_quarter = int(quarters.min())
        self.n_quarters = int(quarters.max()) - self.first_quarter + 1
        self.last_fit_quarter = int(quarters.max())
        self._say(f"hedonic regression on {fit_f.n:,} sales ({self.n_quarters} quarters, "
                  f"{len(self.index_areas)} local indexes)")

        # 2. Ridge hedonic regression (time + location + property facts).
        X = self._design(e, with_location=True, with_time=True)
        n_prop = self._design(e.take(np.arange(1)), with_location=False, with_time=False).shape[1]
        self.y_mean = float(y.mean())
        coef = lsqr(X, y - self.y_mean, damp=1.0, atol=1e-8, btol=1e-8, iter_lim=3000)[0]
        self.prop_coef = coef[:n_prop]
        self.timings["hedonic"] = time.monotonic() - started
        time_part = (
            X[:, X.shape[1] - self.n_quarters * (1 + len(self.index_areas)) :]
            @ coef[X.shape[1] - self.n_quarters * (1 + len(self.index_areas)) :]
        )
        base = self._baseline(e)
        r = y - time_part - base  # location + noise

        # 3. Location levels: out-of-fold for the training rows.
        rng = np.random.default_rng(self.seed)
        folds = rng.integers(0, 5, fit_f.n)
        oof = out_of_fold_levels(*self._location_keys(e), r, folds)
        self.levels = Levels.fit(*self._location_keys(e), r)

        # 4. Market index (monthly, nowcast) from the same baseline.
        full_levels = np.stack(self.levels.transform(*self._location_keys(e)), axis=1)
        self.index = MarketIndex(len(self.index_areas))
        self.index.add(e.area, e.day, y - base - full_levels[:, 2])
        self.index_tuning = self.index.choose_area_smoothing(e.area, e.day, y - base - full_levels[:, 2])
        deflated = y - self.index.value(e.area, e.day, nowcast=False)

        # 5. Comparable sales: every reference sale time-adjusted; a training row sees only the sales before it.
        rows = np.arange(fit_f.n)
        if fit_f.n > MAX_BOOSTING_ROWS:
            rows = np.sort(rng.choice(fit_f.n, MAX_BOOSTING_ROWS, replace=False))
        t0 = time.monotonic()
        self.comparables = Comparables(self._km_scale(fit_f))
        self.comparables.add(lat=e.num["lat"], lon=e.num["lon"], day=e.day, cat=e.cat, ppm=deflated - e.log_area,
                             resid=deflated - base)
        e_rows = e.take(rows)
        comps, _ = self.comparables.features(lat=e_rows.num["lat"], lon=e_rows.num["lon"], cat=e_rows.cat,
                                             day=e_rows.day, today=self.today_day())
        self.timings["comparables"] = time.monotonic() - t0

        # 6. Gradient boosting on what the baseline leaves.
        self.dead_columns = None
        M = self._matrix(e_rows, oof[rows], base[rows], comps)
        target = (deflated - base - oof[:, 2])[rows]
        t0 = time.monotonic()
        if self.tune and len(rows) >= TUNE_MIN_ROWS:
            self._say(f"choosing boosting settings by time-ordered cross-validation on {len(rows):,} sales")
            self.boosting_params, self.tuning = tune_boosting(M, target, self._categorical_mask(M.shape[1]),
                                                              seed=self.seed)
        else:
            self.boosting_params, self.tuning = dict(DEFAULT_BOOSTING), []
        self.timings["tuning"] = time.monotonic() - t0
        self._say(f"gradient boosting on {len(rows):,} sales, {M.shape[1]} features, {self.boosting_params}")
        t0 = time.monotonic()
        self.gbm = _boosting(self.boosting_params, max_iter=self.max_iter, learning_rate=self.learning_rate,
                             n=len(rows), categorical=self._categorical_mask(M.shape[1]), seed=self.seed,
                             delta=huber_delta(target))
        with threadpool_limits(limits=_threads(len(rows))):
            self.gbm.fit(M, target)
        self.boosting_rows = int(len(rows))
        self.timings["boosting"] = time.monotonic() - t0
        resid = target - self.gbm.predict(M)
        self.forest: Forest | None = Forest(self.gbm)
        check = M[:200]
        mine = self.forest.predict(np.asarray(self.gbm._preprocess_X(check, reset=False), float))
        if not np.allclose(mine, self.gbm.predict(check), atol=1e-9):
            self.forest = None  # never serve different numbers: fall back to sklearn
        self.reference_rows = self._references(fit_f, e, rows, comps)

        # 7. Interval: split-conformal on the newest slice, valued as new sales would be.
        # The median error there is the level the model misses on new sales (the index's nowcast against its
        # in-sample values, out-of-fold against full location levels): removed first, then the interval around it.
        self.sales_extend(cal_f)
        self.offset = 0.0
        log_pred = self.predict_log(cal_f, lag=True)
        err = np.log(cal_f.price) - log_pred
        self.offset = float(np.clip(np.median(err), -MAX_OFFSET, MAX_OFFSET))
        err = err - self.offset
        self.interval: dict[str | int, tuple[float, float]] = {
            "*": (float(np.quantile(err, 0.10)), float(np.quantile(err, 0.90)))}
        cal_cat = self.cat_vocab.encode(cal_f.text["category"])
        for code in np.unique(cal_cat):
            if (cal_cat == code).sum() >= MIN_CALIBRATION_ROWS:
                sel = err[cal_cat == code]
                self.interval[int(code)] = (float(np.quantile(sel, 0.10)), float(np.quantile(sel, 0.90)))
        self.calibration_rows = int(cal_f.n)
        self.training_rmse_log = float(np.sqrt(np.mean(resid ** 2)))

        # Location levels for later valuations use every training sale (the calibration slice too).
        e_cal = self.encode(cal_f)
        r_cal = np.log(cal_f.price) - self.index.value(e_cal.area, e_cal.day, nowcast=False) - self._baseline(e_cal)
        county, muni, cell, cat = (np.concatenate([a, b]) for a, b in
                                   zip(self._location_keys(e), self._location_keys(e_cal), strict=True))
        self.levels = Levels.fit(county, muni, cell, cat, np.concatenate([r, r_cal]))
        self.timings["total"] = time.monotonic() - started
        return self

    def chosen_settings(self) -> dict:
        """What fitting chose from the data (for the version's record): the local index smoothing and the location
        levels' shrinkage weights, in sales (per category name for the category deviations)."""
        names = {code: name for name, code in self.cat_vocab.codes.items()}

        def weight(k):
            return ({names.get(c, "(other)"): round(v, 1) for c, v in k.items()} if isinstance(k, dict)
                    else round(k, 1))

        half_life, shrink = self.index.area_smoothing
        return {"index_smoothing": {"half_life_months": half_life, "shrink": shrink},
                "location_shrinkage": {level: weight(k) for level, k in self.levels.shrink.items()}}

    def _km_scale(self, f: Frame) -> tuple[float, float] | None:
        """Coordinate units per km (north, east) for the comparable-sales distances; None without coordinates."""
        if not self.has_coordinate:
            return None
        if self.cell_size == (0.03, 0.06):  # degrees
            lat = f.num["lat"]
            mid = float(np.nanmedian(lat)) if np.isfinite(lat).any() else 60.0
            return (1 / 111.2, 1 / (111.2 * max(np.cos(np.radians(mid)), 0.1)))
        return (self.cell_size[0] / 3, self.cell_size[1] / 3)  # projected: a third of a grid cell as "a km"

    def today_day(self) -> float:
        """Today for valuations: the day after the newest known sale."""
        return float(self.index.last_day + 1)

    def sales_extend(self, f: Frame) -> None:
        """Add later sales (after the training data) to the market index and the comparable sales. Valuing a sale
        then uses only those before its date (see predict_log(lag=True))."""
        if not f.n:
            return
        e = self.encode(f)
        lv = np.stack(self.levels.transform(*self._location_keys(e)), axis=1)
        base = self._baseline(e)
        y = np.log(f.price)
        self.index.add(e.area, e.day, y - base - lv[:, 2])
        deflated = y - self.index.value(e.area, e.day, nowcast=True)  # each sale's own day: earlier sales only
        self.comparables.add(lat=e.num["lat"], lon=e.num["lon"], day=e.day, cat=e.cat,
                             ppm=deflated - e.log_area, resid=deflated - base)

    def scoring_copy(self) -> Valuer:
        """A copy whose index and comparables can be extended without touching this (cached) model."""
        import copy

        clone = copy.copy(self)
        clone.index = self.index.copy()
        clone.comparables = self.comparables.copy()
        return clone

    def _location_keys(self, e: Encoded) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return e.county, e.muni, e.cell, e.cat

    def _baseline(self, e: Encoded) -> np.ndarray:
        Xp = self._design(e, with_location=False, with_time=False)
        return self.y_mean + Xp @ self.prop_coef

    def _categorical_mask(self, width: int) -> np.ndarray:
        mask = np.zeros(width, bool)
        mask[0] = mask[1] = True  # category, building type
        k = len(self.extra_text_names)
        if k:
            mask[width - k:] = True
        return mask

    def _matrix(self, e: Encoded, levels: np.ndarray, base: np.ndarray, comps: np.ndarray) -> np.ndarray:
        cols = [e.cat.astype(float), np.minimum(e.btype, 254).astype(float), e.log_area, e.log_plot, e.age,
                e.num["rooms"], e.num["bedrooms"], e.num["floors"], e.num["lat"], e.num["lon"],
                levels[:, 0], levels[:, 1], levels[:, 2], base] + [comps[:, i] for i in range(comps.shape[1])]
        # the nearest earlier sale against this row's own level and against its ten neighbours: what it adds
        cols += [comps[:, 5] - levels[:, 2], comps[:, 6] - comps[:, 0]]
        M = np.column_stack(cols + [e.tags[:, i] for i in range(e.tags.shape[1])])
        M = np.hstack([M, e.extra]) if e.extra.shape[1] else M
        dead = getattr(self, "dead_columns", None)
        if dead is None:  # first call, on the training rows: columns the data never fills become constant
            dead = self.dead_columns = ~np.isfinite(M).any(axis=0)
        M[:, dead] = 0.0
        return M

    # --- prediction ---------------------------------------------------------------------------

    def check_format(self) -> None:
        """Refuse a model file written by code with another model layout, before it fails half-way."""
        found = getattr(self, "format", 1)
        if found != MODEL_FORMAT:
            raise ModelFormatError(f"This model file has layout {found}; this code reads layout {MODEL_FORMAT}. "
                                   "Train a new version (manage.py train_valuation).")

    def _predict_encoded(self, e: Encoded, *, lag: bool, at_today: bool) -> np.ndarray:
        self.check_format()
        levels = np.stack(self.levels.transform(*self._location_keys(e)), axis=1)
        base = self._baseline(e)
        if at_today:
            idx = self.index.value(e.area, np.full(len(e.cat), self.today_day()), nowcast=True)
        else:
            idx = self.index.value(e.area, e.day, nowcast=lag)
        comps = e.comps if e.comps is not None else self.comparables_for(e, at_today=at_today)[0]
        offset = getattr(self, "offset", 0.0)
        return idx + base + levels[:, 2] + offset + self._boost(self._matrix(e, levels, base, comps))

    def comparables_for(self, e: Encoded, *, at_today: bool) -> tuple[np.ndarray, np.ndarray]:
        """((n, 8) comparable-sales features, (n,) sales used): valuing today every known sale counts, valuing a
        sale only those before its day."""
        return self.comparables.features(lat=e.num["lat"], lon=e.num["lon"], cat=e.cat,
                                         day=None if at_today else e.day, today=self.today_day())

    def comparables_used(self, f: Frame) -> np.ndarray:
        """How many comparable sales each property's estimate today rests on."""
        return self.comparables_for(self.encode(f), at_today=True)[1]

    def _boost(self, M: np.ndarray) -> np.ndarray:
        if "forest" not in self.__dict__:  # a file written before the flat forest existed
            self.forest = Forest(self.gbm)
        if len(M) <= 256 and self.forest is not None:
            # the same input preparation as gbm.predict (categories are re-coded), then all trees at once
            return self.forest.predict(np.asarray(self.gbm._preprocess_X(M, reset=False), float))
        with threadpool_limits(limits=_threads(len(M))):
            return self.gbm.predict(M)

    def predict_log(self, f: Frame, *, lag: bool = False, at_today: bool = False) -> np.ndarray:
        """Log value. Sales are valued at their sale quarter (lag: with the index of the quarter before)."""
        return self._predict_encoded(self.encode(f), lag=lag, at_today=at_today or not np.isfinite(f.sold_day).any())

    def interval_for(self, f: Frame) -> tuple[np.ndarray, np.ndarray]:
        cat = self.cat_vocab.encode(f.text["category"])
        lo = np.array([self.interval.get(int(c), self.interval["*"])[0] for c in cat])
        hi = np.array([self.interval.get(int(c), self.interval["*"])[1] for c in cat])
        return lo, hi

    def predict(
        self, f: Frame, *, lag: bool = False, at_today: bool = False
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(estimate, low, high) in the price unit; the 10th–90th percentile interval."""
        log_pred = self.predict_log(f, lag=lag, at_today=at_today)
        lo, hi = self.interval_for(f)
        return np.exp(log_pred), np.exp(log_pred + np.minimum(lo, 0)), np.exp(log_pred + np.maximum(hi, 0))

    # --- explanation --------------------------------------------------------------------------

    def _references(self, f: Frame, e: Encoded, rows: np.ndarray, comps: np.ndarray) -> dict:
        """A typical sold property per category: the starting point of every explanation."""
        refs = {}
        for code in np.unique(e.cat):
            sel = np.flatnonzero(e.cat == code)
            sub = e.take(sel)
            mine = comps[e.cat[rows] == code]
            med = {name: float(np.nanmedian(v)) if np.isfinite(v).any() else np.nan for name, v in sub.num.items()}
            refs[int(code)] = {
                "btype": int(np.bincount(sub.btype).argmax()),
                "log_area": float(np.nanmedian(sub.log_area)) if np.isfinite(sub.log_area).any() else np.nan,
                "log_plot": float(np.nanmedian(sub.log_plot)) if np.isfinite(sub.log_plot).any() else np.nan,
                "age": float(np.nanmedian(sub.age)) if np.isfinite(sub.age).any() else np.nan,
                "num": med,
                "tags": (sub.tags.mean(axis=0) >= 0.5).astype(float) if sub.tags.shape[1] else np.zeros(0),
                "extra": np.array([np.nanmedian(c) if np.isfinite(c).any() else np.nan for c in sub.extra.T]),
                "comps": np.array([np.nanmedian(c) if np.isfinite(c).any() else np.nan for c in mine.T])
                if len(mine) else np.full(comps.shape[1], np.nan),
            }
        return refs

    def explain(self, f: Frame) -> dict[str, float]:
        """Exact Shapley values over feature groups for one row (log scale), against a typical property
        of the same category at the national location level: 2^groups model evaluations."""
        assert f.n == 1
        e = self.encode(f)
        comps = e.comps = self.comparables_for(e, at_today=True)[0]
        ref = self.reference_rows.get(int(e.cat[0])) or next(iter(self.reference_rows.values()))
        groups = [g for g in GROUPS if g != "other" or e.extra.shape[1]]
        G = len(groups)
        rows = []
        for mask in range(1 << G):
            x = e.take(np.zeros(1, np.int64))
            x.num = {k: v.copy() for k, v in x.num.items()}
            x.tags, x.extra, x.comps = x.tags.copy(), x.extra.copy(), comps.copy()
            off = {g for i, g in enumerate(groups) if not (mask >> i) & 1}
            if "location" in off:
                x.muni[:] = -1
                x.county[:] = -1
                x.cell[:] = -1
                x.area[:] = 0
                x.num["lat"][:] = ref["num"]["lat"]
                x.num["lon"][:] = ref["num"]["lon"]
                x.comps[:] = ref["comps"]  # the comparable sales describe the place: typical ones when it is off
            if "size" in off:
                x.log_area[:], x.log_plot[:] = ref["log_area"], ref["log_plot"]
                for k in ("rooms", "bedrooms", "floors"):
                    x.num[k][:] = ref["num"][k]
            if "type" in off:
                x.btype[:] = ref["btype"]
            if "age" in off:
                x.age[:] = ref["age"]
                x.num["year_built"][:] = ref["num"]["year_built"]
            if "features" in off and x.tags.shape[1]:
                x.tags[0] = ref["tags"]
            if "other" in off and x.extra.shape[1]:
                x.extra[0] = ref["extra"]
            rows.append(x)
        stacked: dict[str, Any] = {k: (np.concatenate([getattr(r, k) for r in rows]) if k != "num" else
                                       {a: np.concatenate([r.num[a] for r in rows]) for a in rows[0].num})
                                   for k in rows[0].__dict__}
        batch = Encoded(**stacked)
        values = self._predict_encoded(batch, lag=False, at_today=True)
        from math import factorial

        phi = {}
        for i, g in enumerate(groups):
            total = 0.0
            for mask in range(1 << G):
                if (mask >> i) & 1:
                    continue
                s = bin(mask).count("1")
                w = factorial(s) * factorial(G - s - 1) / factorial(G)
                total += w * (values[mask | (1 << i)] - values[mask])
            phi[g] = float(total)
        phi["_reference"] = float(values[0])
        return phi


DEFAULT_BOOSTING = {"max_leaf_nodes": 48, "min_samples_leaf": 40, "l2_regularization": 1.0}
# Candidate settings, from few large leaves to many small ones: real files (a few thousand sales, many
# extras) want more regularisation than the generator's catalogue.
BOOSTING_GRID = (
    DEFAULT_BOOSTING,
    {"max_leaf_nodes": 15, "min_samples_leaf": 20, "l2_regularization": 0.0},
    {"max_leaf_nodes": 31, "min_samples_leaf": 80, "l2_regularization": 3.0},
    {"max_leaf_nodes": 96, "min_samples_leaf": 100, "l2_regularization": 1.0},
)
TUNE_MIN_ROWS = 1500
TUNE_MAX_ROWS = 20_000  # tuning fits on a time-ordered sample: it must not break the training-time budget
TUNE_LEARNING_RATE = 0.3  # candidates are compared at a faster rate (fewer trees); the model then fits at its own
TUNE_VALIDATION = (0.6, 0.8)  # expanding window: fit on sales before each cut, score on the next fifth


def huber_delta(target: np.ndarray) -> float:
    """The boosting loss's threshold: HUBER robust standard deviations of its target. Residuals beyond it count
    linearly (a non-market sale, or a property unlike its facts, pulls a leaf little); within it, squared."""
    sd = 1.4826 * float(np.median(np.abs(target - np.median(target)))) if len(target) else 0.0
    return HUBER * sd if sd > 0 else 1.0


def _boosting(params: dict, *, max_iter: int, learning_rate: float, n: int, categorical: np.ndarray, seed: int,
              delta: float):
    from sklearn._loss.loss import HuberLoss
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(
        loss=HuberLoss(delta=delta), learning_rate=learning_rate, max_iter=max_iter, early_stopping=n >= 1000,
        validation_fraction=0.1, n_iter_no_change=30, categorical_features=categorical, random_state=seed, **params)


def tune_boosting(M: np.ndarray, target: np.ndarray, categorical: np.ndarray, *, seed: int,
                  grid: tuple[dict, ...] = BOOSTING_GRID, max_iter: int = 200,
                  learning_rate: float = TUNE_LEARNING_RATE) -> tuple[dict, list[dict]]:
    """Boosting settings chosen by time-ordered cross-validation: rows are in time order; each candidate is fitted
    on the rows before a cut and scored (median absolute log error) on the fifth after it, for each cut. Only the
    rows handed in (the training part) are used. Returns (best settings, one row per candidate)."""
    n = len(target)
    keep = np.arange(n)
    if n > TUNE_MAX_ROWS:
        keep = np.sort(np.random.default_rng(seed).choice(n, TUNE_MAX_ROWS, replace=False))
    X, y = M[keep], target[keep]
    m = len(y)
    table = []
    for params in grid:
        errors = []
        for cut in TUNE_VALIDATION:
            a, b = int(m * cut), int(m * (cut + 0.2))
            model = _boosting(params, max_iter=max_iter, learning_rate=learning_rate, n=a, categorical=categorical,
                              seed=seed, delta=huber_delta(y[:a]))
            with threadpool_limits(limits=_threads(a)):
                model.fit(X[:a], y[:a])
                errors.append(float(np.median(np.abs(y[a:b] - model.predict(X[a:b])))))
        table.append({**params, "median_abs_log_error": round(float(np.mean(errors)), 5)})
    best = min(range(len(grid)), key=lambda i: table[i]["median_abs_log_error"])
    return dict(grid[best]), table


def _threads(n: int) -> int:
    """OpenMP threads for n rows: one for small work (threads spin-waiting on a busy machine cost far
    more than they save), two for large."""
    return 1 if n < 50_000 else 2


def _trim(u: np.ndarray, share: float = 0.05) -> np.ndarray:
    if len(u) < 40:
        return u
    lo, hi = np.quantile(u, [share, 1 - share])
    return u[(u >= lo) & (u <= hi)]


class Forest:
    """The fitted boosting trees as flat numpy arrays, evaluated for all trees at once.

    For a handful of rows (an explanation: 64) sklearn's per-tree predictor calls cost far more
    than the arithmetic; this walks every tree in lock-step with numpy and gives the same values
    (checked against sklearn at fit time; see Valuer._boost).
    """

    def __init__(self, gbm):
        trees = [p[0] for p in gbm._predictors]
        offsets = np.cumsum([0] + [len(t.nodes) for t in trees])
        cat_offsets = np.cumsum([0] + [len(t.raw_left_cat_bitsets) for t in trees])
        nodes = np.concatenate([t.nodes for t in trees])
        node_tree = np.repeat(np.arange(len(trees)), [len(t.nodes) for t in trees])
        self.roots = offsets[:-1]
        self.feature = nodes["feature_idx"].astype(np.int64)
        self.threshold = nodes["num_threshold"].astype(float)
        self.left = nodes["left"].astype(np.int64) + offsets[node_tree]
        self.right = nodes["right"].astype(np.int64) + offsets[node_tree]
        self.is_leaf = nodes["is_leaf"].astype(bool)
        self.value = nodes["value"].astype(float)
        self.missing_left = nodes["missing_go_to_left"].astype(bool)
        self.is_cat = nodes["is_categorical"].astype(bool)
        self.bitset = nodes["bitset_idx"].astype(np.int64) + cat_offsets[node_tree]
        raw = [t.raw_left_cat_bitsets for t in trees if len(t.raw_left_cat_bitsets)]
        self.raw_bitsets = np.concatenate(raw) if raw else np.zeros((1, 8), np.uint32)
        known, f_idx_map = gbm._bin_mapper.make_known_categories_bitsets()
        self.known_bitsets = known if len(known) else np.zeros((1, 8), np.uint32)
        self.f_idx_map = np.asarray(f_idx_map, np.int64)
        self.baseline = float(np.ravel(gbm._baseline_prediction)[0])

    @staticmethod
    def _in_bitset(bitsets, idx, val):
        v = np.clip(val, 0, 255).astype(np.int64)
        return ((bitsets[idx, v >> 5] >> (v & 31).astype(np.uint32)) & 1).astype(bool)

    def predict(self, X: np.ndarray) -> np.ndarray:
        n = X.shape[0]
        node = np.repeat(self.roots[:, None], n, axis=1)  # (trees, rows)
        rows = np.broadcast_to(np.arange(n), node.shape)
        while True:
            active = ~self.is_leaf[node]
            if not active.any():
                break
            nd, r = node[active], rows[active]
            x = X[r, self.feature[nd]]
            miss = np.isnan(x)
            go_left = np.where(miss, self.missing_left[nd], x <= self.threshold[nd])
            cat = self.is_cat[nd] & ~miss
            if cat.any():
                xc, ndc = x[cat], nd[cat]
                neg = xc < 0
                left_cat = self._in_bitset(self.raw_bitsets, self.bitset[ndc], xc)
                known = self._in_bitset(self.known_bitsets, self.f_idx_map[self.feature[ndc]], xc)
                as_missing = neg | (~left_cat & ~known)
                go_left[cat] = np.where(as_missing, self.missing_left[ndc], left_cat)
            node[active] = np.where(go_left, self.left[nd], self.right[nd])
        return self.baseline + self.value[node].sum(axis=0)
