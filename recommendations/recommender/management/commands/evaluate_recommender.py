"""Offline evaluation of the recommender against random, most-popular and filter-only baselines.

Simulated users are drawn deterministically (--seed) from the catalogue in the database (the
demo data): each has hidden true preferences — a property type, one or two home municipalities
in one county, a budget band and one or two loved amenities. Their saves are drawn from the
properties that fit, with probability rising with the loved amenities they have (Gumbel-max
sampling); their saved searches state the type, place and budget (and sometimes an amenity).
Part of each user's saves is held out; every method sees only the rest plus the searches, and is
scored on the held-out saves with NDCG@10 and recall@10.
"""
from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandParser

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


class Command(BaseCommand):
    help = "NDCG@10 and recall@10 of the recommender against random, most-popular and filter-only baselines."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=int, default=300)
        parser.add_argument("--seed", type=int, default=8)
        parser.add_argument("--saves", type=int, default=10, help="Saves per simulated user.")
        parser.add_argument("--holdout", type=float, default=0.4, help="Share of each user's saves held out.")

    def handle(self, *, users: int, seed: int, saves: int, holdout: float, **options) -> None:
        started = time.monotonic()
        rows = list(Property.objects.active().filter(estimate__gt=0).values_list(
            "id", "municipality_number", "county_number", "category", "estimate", "usable_area", "feature_mask"))
        if len(rows) < 1000:
            self.stderr.write("Needs the demo catalogue: python manage.py generate_demo --count 20000")
            return
        if not ComparableLevel.objects.exists():  # a fresh catalogue: the value and momentum signals need them
            self.stdout.write(f"market trends refreshed first: {market_trends_refresh()}")
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

        self.stdout.write(f"{len(sims)} simulated users, {len(rows):,} properties, seed {seed}, "
                          f"{saves} saves each, {holdout:.0%} held out")
        self.stdout.write(f"{'method':<14} {'NDCG@10':>8} {'recall@10':>10}")
        table = {}
        for name, values in scores.items():
            ndcg = float(np.mean([v[0] for v in values])) if values else 0.0
            recall = float(np.mean([v[1] for v in values])) if values else 0.0
            table[name] = ndcg
            self.stdout.write(f"{name:<14} {ndcg:>8.4f} {recall:>10.4f}")
        best = max(v for k, v in table.items() if k != "recommender")
        ratio = table["recommender"] / best if best else float("inf")
        self.stdout.write(f"recommender / best baseline (NDCG@10): {ratio:.2f}x "
                          f"({'meets' if ratio >= 1.5 else 'below'} the 1.5x target)")
        self.stdout.write(
            f"recommender p50 {np.median(timings) * 1000:.1f} ms per user; total {time.monotonic() - started:.0f} s"
        )
