"""Offline evaluation of the recommender against random, most-popular and filter-only baselines.

Simulated users are drawn deterministically (--seed) from the catalogue in the database (the
demo data): each has hidden true preferences — a property type, one or two home municipalities
in one county, a budget band and one or two loved amenities. Their saves are drawn from the
properties that fit, with probability rising with the loved amenities they have (Gumbel-max
sampling); their saved searches state the type, place and budget (and sometimes an amenity).
Part of each user's saves is held out; every method sees only the rest plus the searches, and is
scored on the held-out saves with NDCG@10 and recall@10.

Honest figures: every run reports a 95 % bootstrap interval (users resampled with replacement) for each
method's NDCG@10 and for the ratio of the recommender to the best baseline (the best one in each resample).
``--users 100,300,1000 --seeds 1,2,3`` runs every combination and ends with a table that separates the two
sources of spread: sampling noise (the bootstrap standard error within a run) and what changes between runs
of the same size (the standard deviation across seeds), per user count. When the seeds' spread is no larger
than the bootstrap error, the differences between seeds are sampling noise; what changes with the user count
beyond it is the method (the most-popular baseline, for one, learns from the simulated users themselves).
"""
from __future__ import annotations

import json
import math
import time
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser

from properties import reference
from properties.models import Property
from recommendations.market.models import ComparableLevel
from recommendations.market.selectors import comparable_levels, momentum
from recommendations.market.services import market_trends_refresh
from recommendations.recommender.engine import recommend
from recommendations.recommender.preferences import Preferences
from recommendations.recommender.profile import SavedFacts, feature_matrix, profile_build

TASTE_FEATURES = ("waterfront", "sauna", "garage", "balcony", "fireplace", "view", "jetty", "ski_in_out")
K = 10


def ndcg_at_k(ranked: list[int], relevant: set[int], k: int = K) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, pid in enumerate(ranked[:k]) if pid in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    return dcg / ideal if ideal else 0.0


def recall_at_k(ranked: list[int], relevant: set[int], k: int = K) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant) if relevant else 0.0


BASELINES = ("random", "most popular", "filter-only")


def bootstrap(per_user: dict[str, np.ndarray], *, samples: int = 2000, seed: int = 0) -> dict[str, Any]:
    """Means, 95 % percentile intervals and standard errors of each method's per-user NDCG, and of the ratio of the
    recommender's mean to the best baseline's mean, over `samples` resamples of the users (with replacement)."""
    rng = np.random.default_rng(seed)
    n = len(per_user["recommender"])
    idx = rng.integers(0, n, (samples, n))
    means = {name: values[idx].mean(axis=1) for name, values in per_user.items()}
    best = np.max(np.stack([means[b] for b in BASELINES if b in means]), axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(best > 0, means["recommender"] / best, np.inf)
    point_best = max(float(per_user[b].mean()) for b in BASELINES if b in per_user)
    out: dict[str, Any] = {"users": int(n), "samples": samples, "methods": {}}
    for name, values in per_user.items():
        lo, hi = np.quantile(means[name], [0.025, 0.975])
        out["methods"][name] = {"ndcg": round(float(values.mean()), 4), "low": round(float(lo), 4),
                                "high": round(float(hi), 4), "se": round(float(means[name].std()), 4)}
    finite = ratios[np.isfinite(ratios)]
    lo, hi = np.quantile(finite, [0.025, 0.975]) if len(finite) else (float("inf"), float("inf"))
    out["ratio"] = {"value": round(float(per_user["recommender"].mean()) / point_best, 3) if point_best else None,
                    "low": round(float(lo), 3), "high": round(float(hi), 3),
                    "se": round(float(finite.std()), 3) if len(finite) else None}
    return out


def spread_summary(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per user count: mean ratio over seeds, the seeds' standard deviation, and the mean bootstrap standard error."""
    out = []
    for users in sorted({r["users_asked"] for r in runs}):
        same = [r for r in runs if r["users_asked"] == users]
        values = np.array([r["ratio"]["value"] for r in same], float)
        se = np.array([r["ratio"]["se"] for r in same], float)
        out.append({"users": users, "runs": len(same), "mean_ratio": round(float(values.mean()), 3),
                    "between_seeds_sd": round(float(values.std(ddof=1)), 3) if len(same) > 1 else None,
                    "bootstrap_se": round(float(se.mean()), 3), "lowest_low": min(r["ratio"]["low"] for r in same)})
    return out


class Command(BaseCommand):
    help = "NDCG@10 and recall@10 of the recommender against random, most-popular and filter-only baselines."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", default="300", help="Simulated users; a comma-separated list runs each.")
        parser.add_argument("--seed", "--seeds", dest="seeds", default="8",
                            help="Seed of the simulated users; a comma-separated list runs each.")
        parser.add_argument("--bootstrap", type=int, default=2000, help="Bootstrap resamples of the users.")
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print every run as JSON.")
        parser.add_argument("--saves", type=int, default=10, help="Saves per simulated user.")
        parser.add_argument("--holdout", type=float, default=0.4, help="Share of each user's saves held out.")

    def handle(self, *, users: str, seeds: str, saves: int, holdout: float, bootstrap: int, as_json: bool,
               **options) -> None:
        try:
            user_counts = [int(u) for u in str(users).split(",")]
            seed_list = [int(s) for s in str(seeds).split(",")]
        except ValueError:
            raise CommandError("--users and --seeds take whole numbers, comma-separated.") from None
        rows = list(Property.objects.active().filter(estimate__gt=0).values_list(
            "id", "municipality_number", "county_number", "category", "estimate", "usable_area", "feature_mask"))
        if len(rows) < 1000:
            self.stderr.write("Needs the demo catalogue: python manage.py generate_demo --count 20000")
            return
        if not ComparableLevel.objects.exists():  # a fresh catalogue: the value and momentum signals need them
            refreshed = market_trends_refresh()
            (self.stderr if as_json else self.stdout).write(f"market trends refreshed first: {refreshed}")
        runs = []
        for n_users in user_counts:
            for seed in seed_list:
                run = self._run(rows, users=n_users, seed=seed, saves=saves, holdout=holdout,
                                samples=bootstrap, quiet=as_json)
                run["users_asked"] = n_users
                runs.append(run)
        summary = spread_summary(runs)
        if as_json:
            self.stdout.write(json.dumps({"runs": runs, "spread": summary}, indent=2))
            return
        if len(runs) > 1:
            self.stdout.write("\nrecommender / best baseline (NDCG@10), 95 % bootstrap interval, per run:")
            self.stdout.write(f"{'users':>6} {'seed':>5} {'ratio':>6} {'low':>6} {'high':>6}")
            for r in runs:
                self.stdout.write(f"{r['users']:>6} {r['seed']:>5} {r['ratio']['value']:>6.2f} "
                                  f"{r['ratio']['low']:>6.2f} {r['ratio']['high']:>6.2f}")
            self.stdout.write("\nspread per user count: between seeds (SD) against sampling noise (bootstrap SE)")
            self.stdout.write(f"{'users':>6} {'mean':>6} {'SD seeds':>9} {'SE boot':>8} {'lowest low':>11}")
            for row in summary:
                sd = "–" if row["between_seeds_sd"] is None else f"{row['between_seeds_sd']:.3f}"
                self.stdout.write(f"{row['users']:>6} {row['mean_ratio']:>6.2f} {sd:>9} {row['bootstrap_se']:>8.3f} "
                                  f"{row['lowest_low']:>11.2f}")

    def _run(self, rows: list[tuple], *, users: int, seed: int, saves: int, holdout: float, samples: int,
             quiet: bool) -> dict[str, Any]:
        started = time.monotonic()
        ids = np.array([r[0] for r in rows])
        muni = np.array([r[1] for r in rows])
        county = np.array([r[2] for r in rows])
        cat = np.array([r[3] for r in rows])
        est = np.array([r[4] for r in rows], float)
        feats = feature_matrix([r[6] for r in rows])
        facts = {r[0]: SavedFacts(*r) for r in rows}
        rng = np.random.default_rng(seed)
        taste_idx = [reference.FEATURES.index(f) for f in TASTE_FEATURES]
        names = {n: m.name for n, m in reference.municipalities().items()}

        sims: list[dict[str, Any]] = []  # train: saved ids, test: held-out ids, searches
        attempts = 0
        while len(sims) < users and attempts < users * 20:
            attempts += 1
            anchor = int(rng.integers(len(rows)))
            homes = {muni[anchor]}
            same_county = np.unique(muni[county == county[anchor]])
            if len(same_county) > 1 and rng.random() < 0.5:
                homes.add(str(rng.choice(same_county)))
            lo, hi = est[anchor] * rng.uniform(0.6, 0.9), est[anchor] * rng.uniform(1.1, 1.5)
            loved = rng.choice(taste_idx, size=int(rng.integers(1, 3)), replace=False)
            pool = np.flatnonzero((cat == cat[anchor]) & np.isin(muni, list(homes)) & (est >= lo) & (est <= hi))
            if len(pool) < saves * 3:
                continue
            utility = 2.0 * feats[pool][:, loved].sum(axis=1) - 1.0 * np.abs(np.log(est[pool] / math.sqrt(lo * hi)))
            gumbel = -np.log(-np.log(rng.random(len(pool))))
            chosen = ids[pool[np.argsort(-(utility + gumbel))[:saves]]]
            rng.shuffle(chosen)
            n_hold = max(2, int(round(saves * holdout)))
            search = {"municipality": ",".join(names[m] for m in sorted(homes)), "category": str(cat[anchor]),
                      "estimate_min": str(int(lo)), "estimate_max": str(int(hi))}
            if rng.random() < 0.3:
                search["features"] = reference.FEATURES[int(loved[0])]
            sims.append({"train": [int(x) for x in chosen[n_hold:]], "test": {int(x) for x in chosen[:n_hold]},
                         "searches": [search]})

        popularity: dict[int, int] = {}
        for s in sims:
            for pid in s["train"]:
                popularity[pid] = popularity.get(pid, 0) + 1
        popular = sorted(popularity, key=lambda p: (-popularity[p], p))
        mom = momentum()
        comps = comparable_levels(municipality_numbers=set(muni), categories={"residential", "cabin", "commercial"})
        scores: dict[str, list[tuple[float, float]]] = {
            m: [] for m in ("random", "most popular", "filter-only", "recommender")
        }
        timings = []
        for s in sims:
            train = set(s["train"])
            rand = [int(x) for x in rng.choice(ids, size=K + len(train), replace=False) if int(x) not in train][:K]
            pop = [p for p in popular if p not in train][:K]
            params = s["searches"][0]
            numbers = {
                n for item in params["municipality"].split(",") for n in reference.municipality_numbers_for(item)
            }
            mask = (np.isin(muni, list(numbers)) & (cat == params["category"])
                    & (est >= float(params["estimate_min"])) & (est <= float(params["estimate_max"])))
            if "features" in params:
                mask &= feats[:, reference.FEATURES.index(params["features"])] > 0
            filtered = [int(x) for x in rng.permutation(ids[mask]) if int(x) not in train][:K]
            t0 = time.perf_counter()
            profile = profile_build(saved=[facts[p] for p in s["train"]], searches=s["searches"])
            recs = [r.property["id"] for r in recommend(prefs=Preferences(), profile=profile, limit=K,
                                                        momentum=mom, comparables=comps)]
            timings.append(time.perf_counter() - t0)
            for name, ranked in (
                ("random", rand),
                ("most popular", pop),
                ("filter-only", filtered),
                ("recommender", recs),
            ):
                scores[name].append((ndcg_at_k(ranked, s["test"]), recall_at_k(ranked, s["test"])))

        per_user = {name: np.array([v[0] for v in values], float) for name, values in scores.items()}
        result = bootstrap(per_user, samples=samples, seed=seed)
        result["seed"] = seed
        for name, values in scores.items():
            result["methods"][name]["recall"] = round(float(np.mean([v[1] for v in values])), 4) if values else 0.0
        result["p50_ms"] = round(float(np.median(timings)) * 1000, 1) if timings else None
        if quiet:
            return result
        self.stdout.write(f"\n{len(sims)} simulated users, {len(rows):,} properties, seed {seed}, "
                          f"{saves} saves each, {holdout:.0%} held out")
        self.stdout.write(f"{'method':<14} {'NDCG@10':>8} {'95 % interval':>17} {'recall@10':>10}")
        for name, m in result["methods"].items():
            self.stdout.write(f"{name:<14} {m['ndcg']:>8.4f} {m['low']:>8.4f}–{m['high']:<8.4f} {m['recall']:>10.4f}")
        ratio = result["ratio"]
        self.stdout.write(f"recommender / best baseline (NDCG@10): {ratio['value']:.2f}x "
                          f"(95 % interval {ratio['low']:.2f}–{ratio['high']:.2f}; "
                          f"{'meets' if ratio['value'] >= 1.5 else 'below'} the 1.5x target)")
        self.stdout.write(
            f"recommender p50 {result['p50_ms']:.1f} ms per user; total {time.monotonic() - started:.0f} s"
        )
        return result
