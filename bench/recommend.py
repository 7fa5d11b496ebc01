"""p95 latency of POST /api/v1/ai/recommend (the seed's body), anonymous and for a user with 50 saves.

Run against a PostgreSQL database holding the demo catalogue:
    createdb -h 127.0.0.1 -U postgres epty_rec_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/epty_rec_bench python manage.py migrate
    DATABASE_URL=... python manage.py generate_demo --count 1000000 --seed 5
    DATABASE_URL=... python bench/recommend.py [--requests 200]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epty.settings.local")
# One client sends every request: the per-client throttle would stop the run (as in bench/load.py).
os.environ.setdefault("API_RATE_RECOMMEND", "1000000/min")

import django

django.setup()

from django.db import connection  # noqa: E402 - after django.setup()
from rest_framework.test import APIClient  # noqa: E402 - after django.setup()

from accounts.models import User  # noqa: E402 - after django.setup()
from accounts.saved.services import saved_property_add  # noqa: E402 - after django.setup()
from properties.models import Property  # noqa: E402 - after django.setup()
from recommendations.market.services import market_trends_refresh  # noqa: E402 - after django.setup()

SEED = {"user_preferences": {"budget_range": [5000000, 8000000], "locations": ["Oslo", "Bergen"],
                             "property_type": "cabin", "amenities": ["waterfront", "sauna"]}, "market_trends": {}}


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18]


def run(client: APIClient, n: int) -> list[float]:
    for _ in range(5):
        client.post("/api/v1/ai/recommend", SEED, format="json")
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        response = client.post("/api/v1/ai/recommend", SEED, format="json")
        out.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.content
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--skip-refresh", action="store_true")
    args = parser.parse_args()
    count = Property.objects.count()
    print(f"{connection.vendor}, {count:,} properties")
    if not args.skip_refresh:
        t0 = time.perf_counter()
        print("trends refresh:", market_trends_refresh(), f"{time.perf_counter() - t0:.1f} s")
    anonymous = run(APIClient(), args.requests)
    print(
        f"anonymous, seed body: p50 {statistics.median(anonymous):.1f} ms  p95 {p95(anonymous):.1f} ms (target < 100)"
    )
    user, _ = User.objects.get_or_create(username="u_bench_recommend")
    ids = list(Property.objects.filter(category="cabin", municipality_number__in=["0301", "4601", "3440"])
               .values_list("id", flat=True)[:50])
    for pid in ids:
        saved_property_add(user=user, property_id=pid)
    client = APIClient()
    client.force_authenticate(user)
    logged = run(client, args.requests)
    print(
        f"logged in, {len(ids)} saves: p50 {statistics.median(logged):.1f} ms  p95 {p95(logged):.1f} ms (target < 150)"
    )


if __name__ == "__main__":
    main()
