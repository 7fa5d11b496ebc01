"""Valuation benchmarks: training time, estimating and storing every property, endpoint p95.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/epty_valbench python bench/valuation.py \
        [--train-sales 500000] [--properties 1000000] [--db-sales 200000] [--requests 200]

1. Training: one production fit (`Valuer.fit`) on N synthetic sales from standins.demo, in memory.
2. Estimates: generates --properties properties (generate_demo, PostgreSQL; then ANALYZE), trains on
   their sales, activates, and times `valuation_estimates_write` (read, predict, `property_estimates_set`)
   with VALUATION_ESTIMATE_WORKERS connections. The time is PostgreSQL keeping 19 indexes: it needs the
   server sized as in docker-compose.yml (shared_buffers 2GB, max_wal_size 8GB); the script prints the
   server's settings and warns when they are the 128 MB defaults.
3. Endpoint: p50/p95 of GET /api/v1/properties/{id}/valuation over random properties (Django test client,
   explanation cache cleared for every request so each one computes its explanation).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epty.settings.local")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train-sales", type=int, default=500_000)
    parser.add_argument("--properties", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--db-sales", type=int, default=200_000, help="Sales generated with the properties.")
    parser.add_argument("--skip-db", action="store_true", help="Only the in-memory training figure.")
    parser.add_argument("--skip-fit", action="store_true", help="Skip the in-memory training figure.")
    parser.add_argument("--reuse-version", action="store_true",
                        help="re-measure the estimate write without training: keep the active version, first set "
                             "every estimate to its low bound (untimed; VACUUM) so the timed write changes each row")
    parser.add_argument("--train-limit", type=int, default=0,
                        help="train on the newest N stored sales only (0: all); the write figure does not depend on it")
    parser.add_argument("--endpoint-only", action="store_true",
                        help="only the endpoint figures, on the database as it is (its active version)")
    parser.add_argument("--predict", type=int, default=0,
                        help="Also value this many generated properties in memory with the trained model.")
    args = parser.parse_args()

    import django

    django.setup()
    import numpy as np
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from properties.models import Property
    from recommendations.valuation import selectors, services
    from recommendations.valuation.model import Valuer
    from standins import demo
    from standins.valuation import from_demo_arrays

    rows = []

    def report(what, size, took, cpu, target):
        rows.append((what, size, took, cpu, target))
        print(f"measured: {what}: {size}: {took} (this process's CPU {cpu}); target {target}", flush=True)

    if not args.skip_fit and not args.endpoint_only:
        frame = from_demo_arrays(demo.generate_arrays(count=args.train_sales, seed=42, sales=args.train_sales))
        t0, c0 = time.monotonic(), time.process_time()
        model = Valuer().fit(frame)
        report("training, one fit", f"{args.train_sales:,} sales", f"{time.monotonic() - t0:,.1f} s",
               f"{time.process_time() - c0:,.1f} s", "< 120 s")
        print("  steps: " + ", ".join(f"{k} {v:.1f} s" for k, v in model.timings.items()), flush=True)
        if args.predict:
            # valuing today, in memory: what estimating adds before PostgreSQL stores it (comparable sales included)
            props = from_demo_arrays(demo.generate_arrays(count=args.predict, seed=43, sales=args.predict))
            props.sold_day[:] = np.nan
            t0, c0 = time.monotonic(), time.process_time()
            for start in range(0, props.n, settings.VALUATION_ESTIMATE_BATCH):
                model.predict(props.take(np.arange(start, min(start + settings.VALUATION_ESTIMATE_BATCH, props.n))),
                              at_today=True)
            report("estimating in memory (no storing)", f"{props.n:,} properties", f"{time.monotonic() - t0:,.1f} s",
                   f"{time.process_time() - c0:,.1f} s", "part of < 180 s")
            del props
        del frame, model

    def endpoint_figures() -> None:
        """p50 and p95 of the valuation endpoint, each request computing its explanation."""
        client = Client()
        ids = list(Property.objects.order_by("?").values_list("id", flat=True)[: args.requests])
        client.get(f"/api/v1/properties/{ids[0]}/valuation")  # warm: model loaded once per process
        times = []
        for pk in ids:
            cache.clear()
            t = time.perf_counter()
            response = client.get(f"/api/v1/properties/{pk}/valuation")
            times.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200
        report("valuation endpoint p50", f"{len(ids)} requests", f"{np.percentile(times, 50):.1f} ms", "–", "")
        report("valuation endpoint p95", f"{len(ids)} requests", f"{np.percentile(times, 95):.1f} ms", "–", "< 50 ms")

    if args.endpoint_only:
        endpoint_figures()
    elif not args.skip_db:
        assert connection.vendor == "postgresql", "the estimate figure is for PostgreSQL"
        call_command("migrate", verbosity=0)
        if Property.objects.count() < args.properties:
            call_command("generate_demo", count=args.properties, seed=42, sales=args.db_sales)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE properties_property; ANALYZE properties_propertysale")
        with connection.cursor() as cursor:
            cursor.execute("SELECT name, current_setting(name), "
                           "CASE WHEN unit = '8kB' THEN setting::bigint * 8192 END FROM pg_settings WHERE name IN "
                           "('shared_buffers', 'max_wal_size', 'wal_compression', 'checkpoint_timeout')")
            server = {name: (shown, size) for name, shown, size in cursor.fetchall()}
        print("PostgreSQL: " + ", ".join(f"{k}={v}" for k, (v, _size) in sorted(server.items())), flush=True)
        if server["shared_buffers"][1] < 1 << 30:
            print("warning: shared_buffers is under 1 GB; the estimate figure is for a server sized as in "
                  "docker-compose.yml (see bench/README.md)", flush=True)
        from recommendations.valuation.models import ValuationModelVersion

        version = ValuationModelVersion.objects.filter(is_active=True).first() if args.reuse_version else None
        if version is not None:
            print(f"reusing the active version {version.label}; estimates reset to their low bound (untimed)...",
                  flush=True)
            t0 = time.monotonic()
            with connection.cursor() as cursor:
                cursor.execute("UPDATE properties_property SET estimate = estimate_low "
                               "WHERE estimate IS NOT NULL AND estimate_low IS NOT NULL AND estimate <> estimate_low")
                cursor.execute("VACUUM ANALYZE properties_property")
            print(f"  reset and VACUUM took {time.monotonic() - t0:,.1f} s", flush=True)
        else:
            t0, c0 = time.monotonic(), time.process_time()
            frame = selectors.sales_frame()
            if args.train_limit and frame.n > args.train_limit:
                frame = frame.take(np.arange(frame.n - args.train_limit, frame.n))  # oldest first: the newest N
            version = services.valuation_train(frame=frame)
            report("training on the stored sales", f"{frame.n:,} sales", f"{time.monotonic() - t0:,.1f} s",
                   f"{time.process_time() - c0:,.1f} s", "< 180 s at 1,000,000")
            del frame
            services.valuation_version_activate(version=version, enqueue=False)

        def table_stats():
            # what PostgreSQL did to the table: updates, and those that were HOT (no index entry written)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_stat_clear_snapshot()")
                cursor.execute("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables "
                               "WHERE relname = 'properties_property'")
                return cursor.fetchone()

        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*), pg_size_pretty(sum(pg_relation_size(indexrelid))), "
                           "pg_size_pretty(pg_relation_size('properties_property')) "
                           "FROM pg_index WHERE indrelid = 'properties_property'::regclass")
            indexes, index_size, table_size = cursor.fetchone()
        print(f"properties_property: {table_size} table, {indexes} indexes of {index_size}", flush=True)
        upd0, hot0 = table_stats()
        t0, c0 = time.monotonic(), time.process_time()
        n = services.valuation_estimates_write(version_id=version.pk, progress=print)
        took = time.monotonic() - t0
        report(f"estimate and store ×{settings.VALUATION_ESTIMATE_WORKERS}", f"{n:,} properties",
               f"{took:,.1f} s", f"{time.process_time() - c0:,.1f} s", "< 180 s")
        time.sleep(1.5)  # the writers' statistics reach pg_stat within a second
        upd1, hot1 = table_stats()
        updates, hot = upd1 - upd0, hot1 - hot0
        print(f"PostgreSQL: {updates:,} rows updated ({updates / took:,.0f}/s), {hot:,} HOT "
              f"({100 * hot / max(updates, 1):.0f} %), {indexes} indexes", flush=True)

        endpoint_figures()

    print(f"\n| {'what':<26} | {'size':<20} | {'wall time':>10} | {'our CPU':>10} | {'target':<8} |")
    print(f"|{'-' * 28}|{'-' * 22}|{'-' * 12}|{'-' * 12}|{'-' * 10}|")
    for what, size, took, cpu, target in rows:
        print(f"| {what:<26} | {size:<20} | {took:>10} | {cpu:>10} | {target:<8} |")
    print(f"load average at the end: {os.getloadavg()} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
