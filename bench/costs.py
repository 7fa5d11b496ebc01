"""What one request costs: Python CPU in the web process and time spent waiting for PostgreSQL, per kind.

Runs the requests in-process (Django's test client, production-like middleware, DEBUG off) against a loaded
bench database and prints, per kind, the median and p95 of the process's CPU time per request (what a gunicorn
worker spends) and of the wall time spent in database calls (what PostgreSQL spends, plus the loopback round
trips). The figures feed docs/scaling.md's cost per user. CPU time is the process's own, so it holds on a
busy machine; database time does not, so the load average is printed beside it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/epty_bench_1000000 python bench/costs.py [--requests 50]
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
os.environ.setdefault("DJANGO_DEBUG", "0")
# One client sends every request: the per-client throttles would stop the run (as in bench/load.py).
os.environ.setdefault("API_RATE_RECOMMEND", "1000000/min")
os.environ.setdefault("API_RATE_COUNTED_SEARCH", "1000000/min")
# Matrikkelen as in bench/load.py: not the stand-in inside this process, whose answers would count as epty's CPU.
from bench.load import upstream_env

for _name, _value in upstream_env().items():
    os.environ.setdefault(_name, _value)

import django  # noqa: E402 - after the environment is set

django.setup()

from django.db import connection  # noqa: E402 - after django.setup()
from django.test import Client  # noqa: E402 - after django.setup()

from properties.models import Property  # noqa: E402 - after django.setup()


class DatabaseTimer:
    """A connection execute wrapper adding up the wall time of every database call."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start


def kinds(sample_ids: list[int]) -> dict[str, list[tuple[str, str, dict]]]:
    """Each kind of request with a few variants (method, path, body), cycled through."""
    searches = ["/api/v1/properties?municipality=0301", "/api/v1/properties?county=46&category=cabin",
                "/api/v1/properties?estimate_min=3000000&estimate_max=5000000", "/api/v1/properties?q=veien",
                "/api/v1/properties?near=59.91,10.75&radius_km=2&sort=distance"]
    return {
        "API search": [("get", path, {}) for path in searches],
        "search page": [("get", path.replace("/api/v1/properties", "/"), {}) for path in searches],
        "property page": [("get", f"/properties/{pk}/", {}) for pk in sample_ids],
        "property API": [("get", f"/api/v1/properties/{pk}", {}) for pk in sample_ids],
        "map, all of Norway": [("get", "/api/v1/properties/map?view=4.0,57.5,31.5,71.5&zoom=5", {})],
        "recommend (anonymous)": [("post", "/api/v1/ai/recommend", {  # the seed's body (bench/recommend.py)
            "user_preferences": {"budget_range": [5000000, 8000000], "locations": ["Oslo", "Bergen"],
                                 "property_type": "cabin", "amenities": ["waterfront", "sauna"]},
            "market_trends": {}})],
    }


def measure(client: Client, variants, requests: int) -> tuple[list[float], list[float]]:
    cpu, db = [], []
    for i in range(requests + 3):
        method, path, body = variants[i % len(variants)]
        timer = DatabaseTimer()
        with connection.execute_wrapper(timer):
            start = time.process_time()
            if method == "post":
                response = client.post(path, body, content_type="application/json")
            else:
                response = client.get(path)
            spent = time.process_time() - start
        if response.status_code != 200:
            raise SystemExit(f"{method.upper()} {path}: HTTP {response.status_code}: {response.content[:300]!r}")
        if i >= 3:  # warm-up requests are not counted
            cpu.append(spent * 1000)
            db.append(timer.seconds * 1000)
    return cpu, db


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50, help="timed requests per kind (default 50)")
    args = parser.parse_args()
    total = Property.objects.count()
    sample_ids = list(Property.objects.order_by("?").values_list("pk", flat=True)[:20])
    client = Client(HTTP_ACCEPT_LANGUAGE="nb")
    print(f"{connection.vendor}, {total:,} properties; load average {os.getloadavg()[0]:.1f}")
    print(f"{'kind':<24} | {'CPU p50':>8} | {'CPU p95':>8} | {'DB p50':>8} | {'DB p95':>8}   (ms per request)")
    for kind, variants in kinds(sample_ids).items():
        cpu, db = measure(client, variants, args.requests)
        print(f"{kind:<24} | {statistics.median(cpu):8.1f} | {p95(cpu):8.1f} | {statistics.median(db):8.1f} | "
              f"{p95(db):8.1f}")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
