#!/usr/bin/env python
"""Search throughput with one database server and with two (the primary plus a streaming replica serving reads).

    python bench/replica.py --database epty_h19r_bench [--concurrency 4,8] [--duration 20] [--rounds 2]

The database must exist and be loaded (e.g. `manage.py generate_demo --count 100000`, then `map_cells_rebuild`
and VACUUM ANALYZE; bench/search.py's loader does the same). Then:

1. A streaming replica of this machine's PostgreSQL (epty/tests/streaming_replica.py: pg_basebackup -R into a
   second cluster on --replica-port, started as the postgres OS user), caught up.
2. For each round and each setup, gunicorn with docker-compose.yml's `web` options (bench/load.py): "one" with
   DATABASE_URL only, "two" with DATABASE_REPLICA_URL too (epty/replica.py sends the reads of read requests
   there). At each concurrency, client threads loop over the search part of bench/load.py's mix (the API search
   and the search page) for --duration seconds after --warmup.
3. Prints requests per second, p50/p95 and errors per setup and concurrency, how many transactions each
   server ran for the database (pg_stat_database), which shows where the reads went, and CPU per request of
   gunicorn's workers and of each server's backends for the database (/proc): the split that decides what a
   second server can win.

Both servers run on the same machine as gunicorn and the client: on a small machine the replica competes for the
same cores, so the second server adds little or nothing (see the note printed at the end).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import load  # noqa: E402 - the repository root is on sys.path only now
from bench.search import db_url, log  # noqa: E402 - after the sys.path line above
from epty.tests.streaming_replica import StreamingReplica, replica_url  # noqa: E402 - after the sys.path line above

RESULTS_DIR = ROOT / "bench" / "results"
SEARCH_MIX = (("search_api", 70), ("search_page", 30))


def xact_counts(url: str, database: str) -> int:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s",
                            [database]).fetchone()[0]


def backend_cpu_seconds(url: str, database: str) -> float:
    """CPU (user + system) of the server processes serving ``database`` now (gunicorn's persistent connections),
    from /proc: the database's own CPU, apart from whatever else the machine runs."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        pids = [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> "
                                           "pg_backend_pid()", [database]).fetchall()]
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def run_setup(name: str, primary: str, replica: str | None, database: str, ids: list[int], args) -> list[dict]:
    if replica:
        os.environ["DATABASE_REPLICA_URL"] = replica
    else:
        os.environ.pop("DATABASE_REPLICA_URL", None)
    logfile = RESULTS_DIR / f"replica-gunicorn-{name}.log"
    server = load.Gunicorn(primary, logfile, "1000000/min")
    results = []
    try:
        server.wait_healthy()
        stats_primary = db_url(args.base_url, "postgres")
        stats_replica = replica_url(stats_primary, args.replica_port)
        for concurrency in args.concurrency:
            # Warm the pool first, so the backends whose CPU is counted are the ones the level uses.
            load.run_level(server, ids, concurrency, 2.0, 0.0)
            before = (xact_counts(stats_primary, database), xact_counts(stats_replica, database),
                      backend_cpu_seconds(stats_primary, database), backend_cpu_seconds(stats_replica, database))
            result = load.run_level(server, ids, concurrency, args.duration, args.warmup)
            after = (xact_counts(stats_primary, database), xact_counts(stats_replica, database),
                     backend_cpu_seconds(stats_primary, database), backend_cpu_seconds(stats_replica, database))
            requests = max(result["requests"], 1)
            result.update({"setup": name, "primary_xacts": after[0] - before[0],
                           "replica_xacts": after[1] - before[1],
                           "primary_cpu_ms_per_request": 1000 * (after[2] - before[2]) / requests,
                           "replica_cpu_ms_per_request": 1000 * (after[3] - before[3]) / requests})
            log(f"{name} C={concurrency}: {result['rps']:.1f} req/s, p50 {result['p50_ms']:.1f} ms, "
                f"p95 {result['p95_ms']:.1f} ms, errors {result['errors']}, transactions primary "
                f"{result['primary_xacts']:,} / replica {result['replica_xacts']:,}; CPU per request: gunicorn "
                f"{1000 * result['worker_cpu_s_per_request']:.1f} ms, primary "
                f"{result['primary_cpu_ms_per_request']:.1f} ms, replica {result['replica_cpu_ms_per_request']:.1f} ms")
            results.append(result)
    finally:
        server.close()
        os.environ.pop("DATABASE_REPLICA_URL", None)
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/epty"))
    parser.add_argument("--database", required=True, help="a loaded database (generate_demo)")
    parser.add_argument("--replica-port", type=int, default=5434)
    parser.add_argument("--replica-shared-buffers", default="256MB")
    parser.add_argument("--concurrency", type=lambda s: [int(x) for x in s.split(",")], default=[4, 8])
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=2, help="one, two, one, two...: the machine's noise shows")
    args = parser.parse_args(argv)
    load.MIX = SEARCH_MIX  # the search part of the load benchmark's mix
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    primary = db_url(args.base_url, args.database)
    node = StreamingReplica(port=args.replica_port, shared_buffers=args.replica_shared_buffers)
    started = time.perf_counter()
    node.create()
    log(f"replica on port {args.replica_port}: pg_basebackup {node.basebackup_seconds:.1f} s, ready after "
        f"{time.perf_counter() - started:.1f} s")
    results: list[dict] = []
    try:
        ids = load.property_ids(primary)
        for _ in range(args.rounds):
            results += run_setup("one", primary, None, args.database, ids, args)
            node.wait_caught_up()
            results += run_setup("two", primary, replica_url(primary, args.replica_port), args.database, ids, args)
    finally:
        node.destroy()
    print("\nsetup  C   req/s    p50 ms   p95 ms  errors  primary xacts  replica xacts  CPU ms/request: "
          "gunicorn  primary  replica")
    for r in results:
        print(f"{r['setup']:<5} {r['concurrency']:>2} {r['rps']:>7.1f} {r['p50_ms']:>9.1f} {r['p95_ms']:>8.1f} "
              f"{r['errors']:>7} {r['primary_xacts']:>14,} {r['replica_xacts']:>14,} "
              f"{1000 * r['worker_cpu_s_per_request']:>24.1f} {r['primary_cpu_ms_per_request']:>8.1f} "
              f"{r['replica_cpu_ms_per_request']:>8.1f}")
    for setup in ("one", "two"):
        for c in args.concurrency:
            rps = [r["rps"] for r in results if r["setup"] == setup and r["concurrency"] == c]
            print(f"mean {setup} C={c}: {sum(rps) / len(rps):.1f} req/s over {len(rps)} round(s)")
    out = RESULTS_DIR / f"replica-{args.database}.json"
    out.write_text(json.dumps({"args": vars(args), "cpus": os.cpu_count(), "results": results}, indent=2,
                              default=str))
    print(f"\n{os.cpu_count()} CPUs; gunicorn, the client, the primary and the replica share them. Results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
