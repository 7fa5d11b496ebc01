#!/usr/bin/env python
"""Alert-run benchmark: one saved-search alert run on PostgreSQL at scale.

    createdb -h 127.0.0.1 -U postgres epty_alerts_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/epty_alerts_bench python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/epty_alerts_bench \
        python manage.py generate_demo --count 1000000 --seed 3        # about 5-9 minutes
    python bench/alerts.py [--database-url postgres://postgres@127.0.0.1:5432/epty_alerts_bench]
                           [--users 10000] [--searches-per-user 3] [--changed 0.01] [--seed 5]
    dropdb -h 127.0.0.1 -U postgres epty_alerts_bench

Setup (not timed): the watermark is put after every stored change; USERS users with a confirmed e-mail get
SEARCHES_PER_USER instant saved searches each (so every search is due), drawn from a realistic mix
(a municipality, sometimes a county or a map box, rarely nationwide; with price, area, rooms,
category and feature filters); then CHANGED of the properties change:
half get new upstream facts (updated_at), half a new estimate (±0-15 %, estimated_at).

Timed: saved_search_alerts_run (collect + commit of one digest per user), then the outbox sender
with Django's in-memory mail backend (no network). Prints the seconds of each step and the number
of SQL queries. Target: the run under 2 minutes at 10,000 users x 3 searches over 1,000,000 properties.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 120


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/epty_alerts_bench"))
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--searches-per-user", type=int, default=3)
    parser.add_argument("--changed", type=float, default=0.01, help="fraction of properties changed since the last run")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--skip-setup",
        action="store_true",
        help="re-measure: reuse the users, searches and changes of the last setup (state in the database)",
    )
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="run the alert run under cProfile and print its N costliest functions (cumulative)")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epty.settings.local")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    run_at = reset() if args.skip_setup else setup(args)
    measure(args, run_at)


def setup(args) -> None:
    import datetime as dt

    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from accounts.saved.models import AlertFrequency, SavedSearch
    from accounts.saved.services import search_params_clean
    from properties.models import Property

    rng = random.Random(args.seed)
    started = time.monotonic()
    total = Property.objects.count()
    if total < 1000:
        sys.exit("Load properties first: python manage.py generate_demo --count 1000000 --seed 3")
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE accounts_outboxmessage, accounts_savedsearchhit, accounts_savedsearch")
        cursor.execute("DELETE FROM accounts_user WHERE username LIKE 'bench\\_%%'")
        # The watermark goes after every stored change (no need to rewrite a million rows):
        # only what the bench changes below is newer than it.
        cursor.execute("SELECT max(greatest(created_at, updated_at, coalesce(estimated_at, updated_at))) "
                       "FROM properties_property")
        latest = cursor.fetchone()[0]
        cursor.execute("SELECT municipality_number, count(*) FROM properties_property GROUP BY 1")
        municipalities = cursor.fetchall()
        cursor.execute("SELECT DISTINCT county_number FROM properties_property")
        counties = [row[0] for row in cursor.fetchall()]
    print(f"setup: {total:,} properties in {len(municipalities)} municipalities", flush=True)

    names, weights = zip(*municipalities, strict=True)
    features = ["sauna", "view", "garage", "balcony", "fireplace", "waterfront"]

    def params() -> dict:
        p: dict[str, str] = {}
        where = rng.random()
        if where < 0.80:
            p["municipality"] = rng.choices(names, weights)[0]
        elif where < 0.92:
            p["county"] = rng.choice(counties)
        elif where < 0.97:
            lat, lon = rng.uniform(58.5, 63.5), rng.uniform(5.5, 11.5)
            p["bbox"] = f"{lon:.3f},{lat:.3f},{lon + 0.3:.3f},{lat + 0.15:.3f}"
        if rng.random() < 0.6:
            low = rng.randrange(1_000_000, 8_000_000, 500_000)
            p["estimate_min"], p["estimate_max"] = str(low), str(low + rng.randrange(1_000_000, 6_000_000, 500_000))
        if rng.random() < 0.4:
            p["area_min"] = str(rng.randrange(40, 150, 10))
        if rng.random() < 0.3:
            p["rooms_min"] = str(rng.randint(2, 5))
        if rng.random() < 0.4:
            p["category"] = rng.choice(["residential", "cabin"])
        if rng.random() < 0.1 or "municipality" not in p and "county" not in p and "bbox" not in p:
            p["features"] = rng.choice(features)
        return p

    overlap = dt.timedelta(seconds=settings.ALERTS_WATERMARK_OVERLAP_SECONDS)
    watermark = max(latest + overlap + dt.timedelta(seconds=1), timezone.now() - dt.timedelta(minutes=30))
    now = watermark + dt.timedelta(seconds=1)  # when the changes happen
    users = User.objects.bulk_create([
        User(username=f"bench_{i:06d}", email=f"bench{i}@example.no", email_confirmed_at=now, name=f"Bench {i}",
             password="!") for i in range(args.users)], batch_size=2000)
    cleaned: dict[str, dict] = {}
    searches = []
    for user in users:
        for k in range(args.searches_per_user):
            raw = params()
            key = repr(sorted(raw.items()))
            if key not in cleaned:
                try:
                    cleaned[key] = search_params_clean(raw)
                except Exception:  # noqa: BLE001 - a generated combination the search rejects: skip it
                    cleaned[key] = {"municipality": "0301"}
            searches.append(SavedSearch(user=user, name=f"Search {k + 1}", params=cleaned[key],
                                        frequency=AlertFrequency.INSTANT, last_notified=watermark))
    SavedSearch.objects.bulk_create(searches, batch_size=5000)

    changed = int(total * args.changed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM properties_property ORDER BY random() LIMIT %s", [changed])
        ids = [row[0] for row in cursor.fetchall()]
        half = len(ids) // 2
        cursor.execute("UPDATE properties_property SET updated_at = %s, rooms = COALESCE(rooms, 0) + 1 "
                       "WHERE id = ANY(%s)", [now, ids[:half]])
        cursor.execute("UPDATE properties_property SET estimate = (estimate * (0.85 + random() * 0.3))::bigint, "
                       "estimate_low = NULL, estimate_high = NULL, estimated_at = %s "
                       "WHERE id = ANY(%s) AND estimate IS NOT NULL", [now, ids[half:]])
        cursor.execute("VACUUM ANALYZE properties_property")
        cursor.execute("ANALYZE accounts_savedsearch")
    print(f"setup: {len(users):,} users, {len(searches):,} saved searches ({len(cleaned):,} distinct), "
          f"{len(ids):,} properties changed; {time.monotonic() - started:.0f} s", flush=True)
    return max(timezone.now(), now + dt.timedelta(seconds=1))


def reset():
    """Undo the last measured run: empty the outbox and hits, put the watermarks back."""
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE accounts_outboxmessage, accounts_savedsearchhit")
        cursor.execute("SELECT max(greatest(updated_at, coalesce(estimated_at, updated_at))) FROM properties_property")
        changed_at = cursor.fetchone()[0]
        cursor.execute("UPDATE accounts_savedsearch SET last_notified = %s", [changed_at - dt.timedelta(seconds=1)])
    return max(timezone.now(), changed_at + dt.timedelta(seconds=1))


def measure(args, run_at) -> None:
    from django.core import mail
    from django.db import connection

    from accounts.saved import alerts
    from accounts.saved import alerts as alerts_module
    from epty.mail.delivery import outbox_send

    timings = {"render": 0.0, "hits": 0.0}

    def timed(name, fn):
        def wrapper(*a, **kw):
            t = time.monotonic()
            try:
                return fn(*a, **kw)
            finally:
                timings[name] += time.monotonic() - t
        return wrapper

    alerts_module.DigestRenderer.render = timed("render", alerts_module.DigestRenderer.render)
    alerts_module._hits_write = timed("hits", alerts_module._hits_write)
    counted = {"n": 0}

    def count_queries(execute, sql, params, many, context):
        counted["n"] += 1
        return execute(sql, params, many, context)

    steps: dict[str, float] = {}
    last = [time.monotonic()]

    def hook(step: str, info: dict) -> None:
        now = time.monotonic()
        if step in ("collected",):
            steps["collect"] = now - last[0]
            last[0] = now

    with connection.execute_wrapper(count_queries):
        profiler = cProfile.Profile() if args.profile else None
        started, cpu = time.monotonic(), time.process_time()
        if profiler:
            profiler.enable()
        result = alerts.saved_search_alerts_run(now=run_at, send=False, hook=hook)
        if profiler:
            profiler.disable()
        run_seconds, run_cpu = time.monotonic() - started, time.process_time() - cpu
    steps["commit"] = time.monotonic() - last[0]
    run_queries, counted["n"] = counted["n"], 0
    mail.outbox = []
    with connection.execute_wrapper(count_queries):
        started = time.monotonic()
        sent = outbox_send(limit=10**7)
        send_seconds = time.monotonic() - started
    send_queries = counted["n"]
    load = os.getloadavg()[0]

    print()
    print(f"alert run: {args.users:,} users x {args.searches_per_user} saved searches, "
          f"{result.candidates:,} changed properties")
    print(f"  due searches            {result.due_searches:>10,}")
    print(f"  digests (users)         {result.digests:>10,}")
    print(f"  properties reported     {result.properties_reported:>10,}  (per user, deduplicated)")
    print(f"  collect                 {steps.get('collect', 0):>10.1f} s")
    print(f"  commit (render + write) {steps['commit']:>10.1f} s   (rendering {timings['render']:.1f} s, "
          f"hits {timings['hits']:.1f} s)")
    print(f"  run total               {run_seconds:>10.1f} s   target < {TARGET_SECONDS} s: "
          f"{'OK' if run_seconds < TARGET_SECONDS else 'MISSED'}  (CPU of this process {run_cpu:.1f} s; "
          f"load average {load:.1f} on {os.cpu_count()} cores)")
    print(f"  run SQL queries         {run_queries:>10,}")
    print(f"  send ({sent:,} messages, in-memory backend) {send_seconds:.1f} s, {send_queries:,} SQL queries")
    if profiler:
        print()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)


if __name__ == "__main__":
    main()
