#!/usr/bin/env python
"""Silent-bidding benchmark on PostgreSQL: concurrent buyers send and revise offers while
moderators approve and co-owners race to accept; then the invariants are checked.

    python bench/offers.py [--buyers 200] [--properties 50] [--ops 6] [--db-connections 40] [--keep-db]

A fresh database `epty_bench_offers` is migrated and filled with the properties, two verified
co-owners per property, the buyers and a moderator. Then, all at once:
  * every buyer is a closed-loop client doing `--ops` offer submissions through `offer_submit`
    on a few favourite properties (so most later ones are revisions of a live offer);
  * two moderator clients approve pending offers through `offer_approve`;
  * both co-owners of every property repeatedly try `offer_accept` on an approved offer.
Clients hand their calls to a pool of `--db-connections` worker threads (each with its own
database connection, like an app server's workers: PostgreSQL here allows 100 connections), so
latency is what a client waits, queueing included. Printed: throughput and p50/p95/p99 latency per
operation, refusals by code, and the invariant check (at most one accepted offer per property, at
most one live offer per buyer and property, complete and consistent histories, no lost revision).
"""
from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DB_NAME = "epty_bench_offers"


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    xs = sorted(values)
    k = (len(xs) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def recreate_database(server_url: str) -> str:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return server_url.rsplit("/", 1)[0] + "/" + DB_NAME


def drop_database(server_url: str) -> None:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=200)
    parser.add_argument("--properties", type=int, default=50)
    parser.add_argument("--ops", type=int, default=6, help="offer submissions (new or revised) per buyer")
    parser.add_argument("--db-connections", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                                 "postgres://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()

    log(f"creating {DB_NAME}")
    url = recreate_database(args.database_url)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "epty.settings.local"}
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
    os.environ.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "epty.settings.local"})
    os.environ.pop("REDIS_URL", None)

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import Permission
    from django.db import connection, connections

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.OFFERS_DAILY_LIMIT = 10_000
    settings.DEBUG = False

    from accounts.models import User
    from epty.errors import ApplicationError
    from offers import services
    from offers.models import TRANSITIONS, ClaimStatus, Offer, OfferEvent, OfferStatus, OwnershipClaim
    from properties.models import Property

    rng = random.Random(args.seed)
    acr = settings.OFFERS_REQUIRED_ACR.split()[0]
    log(f"loading {args.properties} properties, {2 * args.properties} co-owners, {args.buyers} buyers")
    props = Property.objects.bulk_create([
        Property(external_id=f"0301-{9000 + i}/1/0/0", category="residential", address=f"Benkgata {i + 1}",
                 municipality_number="0301", municipality_name="Oslo", county_number="03", county_name="Oslo",
                 lat=59.91, lon=10.75, source="demo") for i in range(args.properties)])
    owners_by_prop: dict[int, list[User]] = {}
    for prop in props:
        owners = [User.objects.create(username=f"owner_{prop.pk}_{k}", bankid_altsub=f"bench-owner-{prop.pk}-{k}")
                  for k in range(2)]
        OwnershipClaim.objects.bulk_create([OwnershipClaim(property=prop, user=o, statement="bench",
                                                           status=ClaimStatus.VERIFIED) for o in owners])
        owners_by_prop[prop.pk] = owners
    buyers = User.objects.bulk_create([User(username=f"buyer_{i}", bankid_altsub=f"bench-buyer-{i}")
                                       for i in range(args.buyers)])
    moderator = User.objects.create(username="bench_moderator", is_staff=True, bankid_altsub="bench-mod")
    moderator.user_permissions.add(Permission.objects.get(codename="moderate", content_type__app_label="offers"))
    moderator = User.objects.get(pk=moderator.pk)
    connection.close()

    pool = ThreadPoolExecutor(max_workers=args.db_connections, thread_name_prefix="db")
    latencies: dict[str, list[float]] = defaultdict(list)
    outcomes: Counter = Counter()
    submitted: dict[int, list[int]] = defaultdict(list)  # offer id -> amounts returned, in order
    record_lock = threading.Lock()
    buyers_done = threading.Event()

    service_times: dict[str, list[float]] = defaultdict(list)

    def timed(kind: str, fn):
        started = time.perf_counter()
        try:
            return fn()
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            with record_lock:
                service_times[kind].append(elapsed)

    def call(kind: str, fn):
        started = time.perf_counter()
        future = pool.submit(timed, kind, fn)
        try:
            result, error = future.result(), None
        except ApplicationError as exc:
            result, error = None, exc.code
        elapsed = (time.perf_counter() - started) * 1000
        with record_lock:
            latencies[kind].append(elapsed)
            outcomes[(kind, error or "ok")] += 1
        return result

    def buyer_client(buyer: User, seed: int):
        r = random.Random(seed)
        favourites = r.sample(props, 3)
        for _step in range(args.ops):
            prop = r.choice(favourites)
            amount = r.randrange(2_000_000, 15_000_000, 1000)
            result = call("submit", lambda prop=prop, amount=amount: services.offer_submit(
                buyer=buyer, property=prop, amount=amount, acr=acr, is_anonymous=r.random() < 0.7))
            if result is not None:
                with record_lock:
                    submitted[result[0].pk].append(amount)

    def moderator_client(worker: int):
        while True:
            finished = buyers_done.is_set()
            ids = call("list_pending", lambda: list(Offer.objects.filter(status=OfferStatus.PENDING)
                                                    .order_by("id").values_list("pk", flat=True)[:25]))
            ids = [i for i in ids if i % 2 == worker]
            for offer_id in ids:
                call(
                    "approve",
                    lambda offer_id=offer_id: services.offer_approve(offer=Offer(pk=offer_id), moderator=moderator),
                )
            if not ids:
                if finished:
                    return
                time.sleep(0.02)

    def owner_client(owner: User, prop_id: int, seed: int):
        r = random.Random(seed)
        while not buyers_done.is_set():
            ids = call("list_received", lambda: list(
                Offer.objects.filter(property_id=prop_id, status__in=[OfferStatus.APPROVED, OfferStatus.ACCEPTED])
                .values_list("pk", "status")))
            if any(status == OfferStatus.ACCEPTED for _pk, status in ids):
                return
            approved = [pk for pk, _status in ids]
            if approved and r.random() < 0.5:
                offer_id = r.choice(approved)
                call(
                    "accept",
                    lambda offer_id=offer_id: services.offer_accept(offer=Offer.objects.get(pk=offer_id), owner=owner),
                )
            time.sleep(0.05 + r.random() * 0.1)

    log(f"running: {args.buyers} buyers x {args.ops} submissions, 2 moderators, {2 * args.properties} co-owners, "
        f"{args.db_connections} database connections")
    buyer_threads = [threading.Thread(target=buyer_client, args=(b, rng.random())) for b in buyers]
    other_threads = [threading.Thread(target=moderator_client, args=(w,)) for w in range(2)]
    other_threads += [threading.Thread(target=owner_client, args=(o, pid, rng.random()))
                      for pid, owners in owners_by_prop.items() for o in owners]
    started = time.perf_counter()
    for t in buyer_threads + other_threads:
        t.start()
    for t in buyer_threads:
        t.join()
    buyers_wall = time.perf_counter() - started
    buyers_done.set()
    for t in other_threads:
        t.join()
    wall = time.perf_counter() - started
    pool.shutdown(wait=True)
    connections.close_all()

    total_ops = sum(len(v) for v in latencies.values())
    write_ops = sum(len(latencies[k]) for k in ("submit", "approve", "accept"))
    print()
    print(f"offers bench: {args.buyers} buyers, {args.properties} properties, {args.db_connections} DB connections, "
          f"{os.cpu_count()} CPUs")
    print(f"wall time {wall:.1f} s (buyers finished after {buyers_wall:.1f} s)")
    print(f"throughput: {len(latencies['submit']) / buyers_wall:.0f} submissions/s, "
          f"{write_ops / wall:.0f} writes/s, {total_ops / wall:.0f} operations/s overall")
    print("latency as the client waits it (queueing for a connection included) | time in the service alone")
    print(f"{'operation':<15}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9} |{'p50 ms':>9}{'p95 ms':>9}")
    for kind in ("submit", "approve", "accept", "list_pending", "list_received"):
        values, inner = latencies.get(kind, []), service_times.get(kind, [])
        print(f"{kind:<15}{len(values):>7}{percentile(values, 50):>9.1f}{percentile(values, 95):>9.1f}"
              f"{percentile(values, 99):>9.1f} |{percentile(inner, 50):>9.1f}{percentile(inner, 95):>9.1f}")
    print("outcomes: " + ", ".join(f"{kind}:{code}={n}" for (kind, code), n in sorted(outcomes.items())))

    # --- invariants ---------------------------------------------------------------------------
    failures = []
    from django.db.models import Count

    doubles = (Offer.objects.filter(status=OfferStatus.ACCEPTED).values("property_id")
               .annotate(n=Count("id")).filter(n__gt=1))
    if doubles:
        failures.append(f"properties with more than one accepted offer: {list(doubles)}")
    live_doubles = (Offer.objects.live().values("property_id", "buyer_id").annotate(n=Count("id")).filter(n__gt=1))
    if live_doubles:
        failures.append(f"buyers with two live offers on one property: {list(live_doubles)}")
    events_by_offer: dict[int, list] = defaultdict(list)
    for e in OfferEvent.objects.order_by("offer_id", "created_at", "id"):
        events_by_offer[e.offer_id].append(e)
    offers = {o.pk: o for o in Offer.objects.all()}
    for pk, offer in offers.items():
        events = events_by_offer[pk]
        if not events or events[0].kind != "submitted" or events[-1].to_status != offer.status \
                or events[-1].amount != offer.amount:
            failures.append(f"offer {pk}: history does not end in its current state")
        for before, after in pairwise(events):
            if after.from_status != before.to_status or (after.from_status, after.to_status) not in TRANSITIONS:
                failures.append(f"offer {pk}: broken chain {before.to_status} -> {after.from_status}/{after.to_status}")
        amounts = [e.amount for e in events if e.kind in ("submitted", "revised")]
        if amounts != submitted.get(pk, []):
            failures.append(f"offer {pk}: revisions lost or extra: {amounts} vs {submitted.get(pk)}")
    accepted = Offer.objects.filter(status=OfferStatus.ACCEPTED).count()
    revisions = OfferEvent.objects.filter(kind="revised").count()
    print(f"invariants: {len(offers)} offers, {revisions} revisions, {sum(len(v) for v in events_by_offer.values())} "
          f"history entries, {accepted} of {args.properties} properties with exactly one accepted offer")
    if failures:
        print("INVARIANT CHECK FAILED:")
        for f in failures[:20]:
            print("  " + f)
    else:
        print("invariant check: OK (<= 1 accepted per property, <= 1 live per buyer and property, "
              "every history complete, no revision lost)")
    if not args.keep_db:
        drop_database(args.database_url)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
