#!/usr/bin/env python
"""Search latency benchmark: the property search API on PostgreSQL at several catalogue sizes.

    python bench/search.py --sizes 100000,1000000 [--repeat 30] [--keep-db] [--skip-load]

For each size N: a fresh database epty_bench_<N> (migrate, generate_demo --count N --seed 7,
VACUUM ANALYZE), gunicorn in front of it, then a fixed mix of searches timed over HTTP and the
same SQL timed directly against PostgreSQL. See bench/README.md for what is measured and the targets.
"""
from __future__ import annotations

import argparse
import atexit
import datetime as dt
import http.client
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

API_PATH = "/api/v1/properties"
MAP_PATH = "/api/v1/properties/map"  # the map's aggregation: every match in the view, as grid cells
TARGET_P95_MS = 50.0          # p95 at 1,000,000 properties, every search query
MAP_TARGET_P95_MS = 100.0     # p95 at 1,000,000 properties, the map's aggregation (whole-Norway view)
MAP_TARGET_P95_MS_NATIONAL = 150.0  # the same above 1,000,000 (national scale: 4,000,000)
NORWAY_VIEW = (4.0, 57.5, 31.5, 71.5)                 # the whole country at zoom 5
TARGET_RATIO = 1.5            # p95(1M) <= 1.5 x p95(100k)
TARGET_SIZE, BASELINE_SIZE = 1_000_000, 100_000
SEED = 7
WARMUP = 3

# Places used by the mix (WGS84). Rural ones are municipality centres from data/kommuner_2025.csv.
OSLO_CENTRE = (59.9133, 10.7389)
OSLO_CENTRAL_BBOX = (10.70, 59.90, 10.80, 59.94)      # min_lon,min_lat,max_lon,max_lat
RURAL_BBOX = (7.55, 59.72, 7.90, 59.90)               # Vinje, Telemark: cabins and farms
SOUTHERN_NORWAY_BBOX = (5.0, 58.0, 12.0, 61.5)        # a large map view
RURAL_POINT = (62.360107, 10.532249)                  # Tynset, Innlandet
COMMON_STREET_WORD = "veien"                          # a street-name suffix the demo generator uses

_children: list[subprocess.Popen] = []


# --------------------------------------------------------------------------------------------- helpers

def log(msg: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {msg}", flush=True)


def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return float("nan")
    xs = sorted(values)
    k = (len(xs) - 1) * p / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def db_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return parts._replace(path=f"/{name}").geturl()


def pg_cli_args(base: str) -> list[str]:
    parts = urlsplit(base)
    args = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres"]
    return args


def child_env(database_url: str) -> dict:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "epty.settings.local",
        "DJANGO_DEBUG": "0",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def run(cmd: list[str], env: dict, what: str) -> float:
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed with exit status {proc.returncode}: {' '.join(cmd)}")
    return time.perf_counter() - started


def stop_server(proc: subprocess.Popen, log, *, timeout: float) -> None:
    """Stop a server the benchmark started (SIGTERM, then kill if it lingers) and close its log."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc in _children:
        _children.remove(proc)
    log.close()


def _stop_children() -> None:
    while _children:
        proc = _children.pop()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


# --------------------------------------------------------------------------------------------- database

def prepare_database(base_url: str, name: str, n: int, skip_load: bool) -> dict:
    """Create, migrate, load and analyse epty_bench_<N>; returns timings in seconds."""
    url = db_url(base_url, name)
    env = child_env(url)
    timings: dict = {}
    if skip_load:
        exists = subprocess.run(["psql", *pg_cli_args(base_url), "-d", "postgres", "-tAc",
                                 f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
                                capture_output=True, text=True, check=True).stdout.strip()
        if exists != "1":
            raise RuntimeError(f"--skip-load: database {name} does not exist")
        log(f"{name}: reusing the existing database (--skip-load)")
        return timings
    log(f"{name}: dropping and creating")
    subprocess.run(["dropdb", *pg_cli_args(base_url), "--if-exists", "--force", name], check=True)
    subprocess.run(["createdb", *pg_cli_args(base_url), name], check=True)
    timings["migrate_s"] = run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env, "migrate")
    log(f"{name}: migrated in {timings['migrate_s']:.1f} s; loading {n:,} properties (generate_demo --seed {SEED})")
    timings["load_s"] = run([sys.executable, "manage.py", "generate_demo", "--count", str(n), "--seed", str(SEED)],
                            env, "generate_demo")
    log(f"{name}: LOAD of {n:,} properties took {timings['load_s']:.1f} s ({n / timings['load_s']:,.0f} rows/s)")
    timings["map_cells_s"] = run([sys.executable, "manage.py", "map_cells_rebuild"], env, "map_cells_rebuild")
    log(f"{name}: the map's cells rebuilt in {timings['map_cells_s']:.1f} s")
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    timings["vacuum_analyze_s"] = time.perf_counter() - started
    log(f"{name}: VACUUM ANALYZE took {timings['vacuum_analyze_s']:.1f} s")
    return timings


def database_facts(url: str) -> dict:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        facts = {
            "properties": conn.execute("SELECT count(*) FROM properties_property").fetchone()[0],
            "table_size": conn.execute(
                "SELECT pg_size_pretty(pg_total_relation_size('properties_property'))"
            ).fetchone()[0],
        }
    return facts


def pick_data_dependent(url: str) -> dict:
    """Values taken from the loaded data: a common street word and a rare exact address.

    The demo generator builds street names as stem + suffix (standins/demo.py STREET_SUFFIXES);
    "veien" is one of its ten suffixes, so `q=veien` matches about a tenth of all rows. The rare
    address is "<street> <number><letter> <postcode>" of a row in the middle of the table.
    """
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        middle = conn.execute("SELECT min(id) + (max(id) - min(id)) / 2 FROM properties_property").fetchone()[0] or 0
        candidates = conn.execute(
            "SELECT address, postcode FROM properties_property WHERE id >= %s AND address ~ '[0-9]' "
            "AND postcode <> '' ORDER BY id LIMIT 20", [middle]).fetchall()
        rare, rare_rows = "Storgata 1", 0
        if candidates:
            counts = {(a, p): c for a, p, c in conn.execute(
                "SELECT address, postcode, count(*) FROM properties_property "
                "WHERE address = ANY(%s) GROUP BY address, postcode",
                [[a for a, _ in candidates]]).fetchall()}
            best = min(candidates, key=lambda ap: (counts.get(ap, 0), candidates.index(ap)))
            rare, rare_rows = f"{best[0]} {best[1]}", counts.get(best, 0)
    return {"common_word": COMMON_STREET_WORD, "rare_address": rare, "rare_address_rows": rare_rows}


# --------------------------------------------------------------------------------------------- the mix

def query_mix(picks: dict, n: int = TARGET_SIZE) -> list[dict]:
    """The fixed search mix. `pages` > 1: follow the next cursor that many times and time the last page."""
    def bbox(b):
        return ",".join(f"{x:g}" for x in b)

    q = [
        ("no_filter", {}),
        ("municipality_0301", {"municipality": "0301"}),
        ("municipality_name_roros", {"municipality": "Røros"}),
        ("county_vestland", {"county": "Vestland"}),
        ("cabin_waterfront_sauna", {"category": "cabin", "features": "waterfront,sauna"}),
        ("estimate_3m_5m", {"estimate_min": "3000000", "estimate_max": "5000000"}),
        ("area_80_120_rooms_4", {"area_min": "80", "area_max": "120", "rooms_min": "4"}),
        ("year_2000_2010_newest", {"year_min": "2000", "year_max": "2010", "sort": "newest"}),
        ("building_type_111", {"building_type": "111"}),
        ("q_common_word", {"q": picks["common_word"]}),
        ("q_rare_address", {"q": picks["rare_address"]}),
        ("bbox_oslo_central", {"bbox": bbox(OSLO_CENTRAL_BBOX)}),
        ("bbox_rural_vinje", {"bbox": bbox(RURAL_BBOX)}),
        ("bbox_southern_norway", {"bbox": bbox(SOUTHERN_NORWAY_BBOX)}),
        ("near_oslo_2km_distance", {"near": f"{OSLO_CENTRE[0]},{OSLO_CENTRE[1]}", "radius_km": "2",
                                    "sort": "distance"}),
        ("near_tynset_25km_distance", {"near": f"{RURAL_POINT[0]},{RURAL_POINT[1]}", "radius_km": "25",
                                       "sort": "distance"}),
        ("sort_estimate_asc", {"sort": "estimate"}),
        ("sort_area_desc", {"sort": "-area"}),
        ("combo_oslo_res_est_area_rooms", {"municipality": "0301", "category": "residential",
                                           "estimate_max": "6000000", "area_min": "60", "rooms_min": "3"}),
        ("combo_county_cabin_feat_year", {"county": "Innlandet", "category": "cabin", "features": "sauna",
                                          "year_min": "1980", "sort": "newest"}),
        ("page2_municipality_0301", {"municipality": "0301"}, 2),
        ("page20_residential", {"category": "residential"}, 20),
        ("page20_no_filter", {}, 20),
    ]
    mix = []
    for item in q:
        name, params, pages = (*item, 1) if len(item) == 2 else item
        mix.append({"name": name, "params": params, "pages": pages, "path": API_PATH, "target_ms": TARGET_P95_MS})
    for name, params in [
        ("map_norway_z5", {"zoom": "5", "view": bbox(NORWAY_VIEW)}),
        ("map_norway_z5_residential", {"zoom": "5", "view": bbox(NORWAY_VIEW), "category": "residential"}),
        ("map_southern_norway_z8", {"zoom": "8", "view": bbox(SOUTHERN_NORWAY_BBOX)}),
    ]:
        mix.append({"name": name, "params": params, "pages": 1, "path": MAP_PATH,
                    "target_ms": MAP_TARGET_P95_MS if n <= TARGET_SIZE else MAP_TARGET_P95_MS_NATIONAL})
    return mix


# --------------------------------------------------------------------------------------------- gunicorn + HTTP

class Server:
    """gunicorn as a child process; always stopped by close() (or at exit)."""

    def __init__(self, database_url: str, logfile: Path):
        self.port = free_port()
        self.logfile = logfile
        gunicorn = Path(sys.executable).with_name("gunicorn")
        cmd = [str(gunicorn) if gunicorn.exists() else sys.executable,
               *([] if gunicorn.exists() else ["-m", "gunicorn"]),
               "epty.wsgi:application", "-b", f"127.0.0.1:{self.port}", "-w", "2", "--threads", "1",
               "--timeout", "120", "--log-level", "warning"]
        self._log = open(logfile, "w")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=child_env(database_url), stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        _children.append(self.proc)
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {self.logfile}")
            try:
                status, body, _ = self.get("/healthz")
                if status == 200:
                    return
            except (OSError, http.client.HTTPException):
                self.conn.close()
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not become healthy in {timeout} s; see {self.logfile}")

    def get(self, path: str) -> tuple[int, bytes, float]:
        """One GET on the kept-alive connection (reopened if the server closed it); latency in ms."""
        for attempt in (1, 2):
            try:
                started = time.perf_counter()
                self.conn.request("GET", path, headers={"Accept": "application/json"})
                resp = self.conn.getresponse()
                body = resp.read()
                elapsed = (time.perf_counter() - started) * 1000
                if resp.will_close:
                    self.conn.close()
                return resp.status, body, elapsed
            except (ConnectionError, http.client.RemoteDisconnected, http.client.CannotSendRequest):
                self.conn.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()
        stop_server(self.proc, self._log, timeout=15)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def resolve_path(server: Server, item: dict) -> str:
    """The request path to time; for deep pages, follow `next` cursors (untimed) first."""
    path = item["path"] + (f"?{urlencode(item['params'])}" if item["params"] else "")
    for page in range(1, item["pages"]):
        status, body, _ = server.get(path)
        if status != 200:
            raise RuntimeError(f"{item['name']}: page {page} returned HTTP {status}: {body[:300]!r}")
        nxt = json.loads(body).get("next")
        if not nxt:
            raise RuntimeError(f"{item['name']}: no next link on page {page}")
        path = path_of(nxt)
    return path


def time_http(server: Server, path: str, repeat: int) -> tuple[list[float], dict]:
    for _ in range(WARMUP):
        status, body, _ = server.get(path)
        if status != 200:
            raise RuntimeError(f"HTTP {status} for {path}: {body[:500]!r}")
    samples = []
    for _ in range(repeat):
        status, body, ms = server.get(path)
        if status != 200:
            raise RuntimeError(f"HTTP {status} for {path}: {body[:500]!r}")
        samples.append(ms)
    data = json.loads(body)
    if "clusters" in data:  # the map: rows are its clusters, the count every match in the view
        return samples, {"rows": len(data["clusters"]), "count": data["total"], "count_is_exact": True,
                         "has_next": False}
    return samples, {"rows": len(data["results"]), "count": data["count"], "count_is_exact": data["count_is_exact"],
                     "has_next": bool(data["next"])}


# --------------------------------------------------------------------------------------------- PostgreSQL alone

def capture_sql(path: str) -> list[str]:
    """The exact SQL Django sends for this request (same view, params and cursor), in order."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, HTTP_ACCEPT="application/json")
    if response.status_code != 200:
        raise RuntimeError(f"in-process request {path} returned {response.status_code}: {response.content[:300]!r}")
    return [q["sql"] for q in ctx.captured_queries]


def plan_indexes(conn, statements: list[str]) -> list[str]:
    """The indexes PostgreSQL's plans for these statements read (EXPLAIN, not executed), in order."""
    def walk(node: dict, out: list[str]) -> None:
        if "Index Name" in node and node["Index Name"] not in out:
            out.append(node["Index Name"])
        for child in node.get("Plans", ()):
            walk(child, out)

    names: list[str] = []
    with conn.cursor() as cur:
        for sql in statements:
            cur.execute("EXPLAIN (FORMAT JSON) " + sql)
            walk(cur.fetchone()[0][0]["Plan"], names)
    return names


INDEX_USAGE_SQL = """
    SELECT s.indexrelname, s.idx_scan, s.idx_tup_read, pg_relation_size(s.indexrelid)
    FROM pg_stat_user_indexes s WHERE s.relname = 'properties_property' ORDER BY s.indexrelname"""


def index_usage(conn) -> dict:
    """Per index of properties_property: scans and tuples read since the last pg_stat_reset(), and size;
    plus the table's updates and the share of them that were HOT (no index entry written)."""
    time.sleep(1.5)  # backends flush their statistics at most once a second
    conn.execute("SELECT pg_stat_clear_snapshot()")
    indexes = {name: {"idx_scan": scans, "idx_tup_read": read, "bytes": size}
               for name, scans, read, size in conn.execute(INDEX_USAGE_SQL).fetchall()}
    upd, hot = conn.execute("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables "
                            "WHERE relname = 'properties_property'").fetchone()
    return {"indexes": indexes, "n_tup_upd": upd, "n_tup_hot_upd": hot}


def print_index_usage(usage: dict) -> None:
    print(f"{'index of properties_property':<48} | {'idx_scan':>9} | {'tuples read':>12} | {'size MB':>8}")
    for name, u in usage["indexes"].items():
        print(f"{name:<48} | {u['idx_scan']:>9,} | {u['idx_tup_read']:>12,} | {u['bytes'] / 2**20:>8,.0f}")
    total = sum(u["bytes"] for u in usage["indexes"].values())
    print(f"{len(usage['indexes'])} indexes, {total / 2**20:,.0f} MB; updates {usage['n_tup_upd']:,}, "
          f"HOT {usage['n_tup_hot_upd']:,}")


def time_pg(conn, statements: list[str], repeat: int) -> list[float]:
    def once():
        started = time.perf_counter()
        with conn.cursor() as cur:
            for sql in statements:
                cur.execute(sql)
                cur.fetchall()
        return (time.perf_counter() - started) * 1000

    for _ in range(WARMUP):
        once()
    return [once() for _ in range(repeat)]


def use_database(name: str) -> None:
    """Point the benchmark process's Django connection at epty_bench_<N>."""
    from django.conf import settings
    from django.db import connections

    connections["default"].close()
    settings.DATABASES["default"]["NAME"] = name
    connections["default"].settings_dict["NAME"] = name


# --------------------------------------------------------------------------------------------- one size

def bench_size(args, n: int) -> dict:
    import psycopg

    name = f"epty_bench_{n}"
    url = db_url(args.database_url, name)
    timings = prepare_database(args.database_url, name, n, args.skip_load)
    use_database(name)
    facts = database_facts(url)
    picks = pick_data_dependent(url)
    log(f"{name}: {facts['properties']:,} properties, {facts['table_size']} with indexes; "
        f"q common word={picks['common_word']!r}, rare address={picks['rare_address']!r} "
        f"({picks['rare_address_rows']} row(s))")
    with psycopg.connect(url, autocommit=True) as conn:
        facts["database_size"] = conn.execute(
            "SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
        if args.index_usage:
            conn.execute("SELECT pg_stat_reset()")
    facts["loadavg_before"] = os.getloadavg()
    log(f"{name}: database {facts['database_size']}; load average {facts['loadavg_before']}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    server = Server(url, RESULTS_DIR / f"gunicorn-{n}.log")
    rows = []
    usage = None
    try:
        server.wait_healthy()
        log(f"{name}: gunicorn healthy on port {server.port}; timing {len(query_mix(picks, n))} queries "
            f"x ({WARMUP} warm-up + {args.repeat})")
        with psycopg.connect(url, autocommit=True, prepare_threshold=None) as pg:
            for item in query_mix(picks, n):
                path = resolve_path(server, item)
                http_ms, page = time_http(server, path, args.repeat)
                statements = capture_sql(path)
                pg_ms = time_pg(pg, statements, args.repeat)
                row = {
                    "query": item["name"], "n": n, "n_rows": facts["properties"], "params": item["params"],
                    "target_ms": item["target_ms"],
                    "page": item["pages"], "path": path,
                    "http_p50_ms": percentile(http_ms, 50), "http_p95_ms": percentile(http_ms, 95),
                    "http_max_ms": max(http_ms),
                    "pg_p50_ms": percentile(pg_ms, 50),
                    "pg_p95_ms": percentile(pg_ms, 95),
                    "pg_statements": len(statements),
                    "sql": statements,
                    "indexes": plan_indexes(pg, statements),
                    **page,
                }
                rows.append(row)
                log(f"  {item['name']:<32} http p50 {row['http_p50_ms']:7.2f} p95 {row['http_p95_ms']:7.2f} | "
                    f"pg p50 {row['pg_p50_ms']:7.2f} p95 {row['pg_p95_ms']:7.2f} | rows {row['rows']} | "
                    f"{','.join(row['indexes']) or 'no index'}")
            if args.index_usage:
                usage = index_usage(pg)
                print_index_usage(usage)
    finally:
        server.close()
        log(f"{name}: gunicorn stopped")
    facts["loadavg_after"] = os.getloadavg()
    log(f"{name}: load average {facts['loadavg_after']} on {os.cpu_count()} cores")
    return {"n": n, "database": name, "timings": timings, "facts": facts, "picks": picks, "rows": rows,
            "index_usage": usage}


# --------------------------------------------------------------------------------------------- report

def print_table(results: list[dict]) -> None:
    header = f"{'query':<32} | {'N':>9} | {'HTTP p50 ms':>11} | {'HTTP p95 ms':>11} | {'PG p50 ms':>9} | " \
             f"{'PG p95 ms':>9} | {'rows on page':>12}"
    print()
    print(header)
    print("-" * len(header))
    for size in results:
        actual = size["facts"]["properties"]
        if actual != size["n"]:
            print(f"NOTE: epty_bench_{size['n']} holds {actual:,} properties, not {size['n']:,} (partial load?)")
        for r in size["rows"]:
            print(f"{r['query']:<32} | {r['n_rows']:>9,} | {r['http_p50_ms']:>11.2f} | {r['http_p95_ms']:>11.2f} | "
                  f"{r['pg_p50_ms']:>9.2f} | {r['pg_p95_ms']:>9.2f} | {r['rows']:>12}")
        print("-" * len(header))


def compare(results: list[dict]) -> list[dict]:
    """Per query: HTTP p95 at the largest size vs the smallest; targets as in the README."""
    if not results:
        return []
    # Keyed by the number of rows actually in the table (equal to N unless a load was partial).
    by_n = {s["facts"]["properties"]: {r["query"]: r for r in s["rows"]} for s in results}
    big = max(by_n)
    small = min(by_n) if len(by_n) > 1 else None
    big_label = f"{big:,}"
    out = []
    print()
    print(f"Targets: HTTP p95 <= {TARGET_P95_MS:g} ms at {TARGET_SIZE:,} for every search query "
          f"({MAP_TARGET_P95_MS:g} ms for the map's aggregation, map_*), and "
          f"p95({TARGET_SIZE:,}) <= {TARGET_RATIO:g} x p95({BASELINE_SIZE:,}).")
    if big != TARGET_SIZE or (small is not None and small != BASELINE_SIZE):
        print(f"NOTE: sizes run are not {BASELINE_SIZE:,}/{TARGET_SIZE:,}; comparing {small or '-'} -> {big} "
              f"with the same thresholds (indicative only).")
    header = f"{'query':<32} | {'p95 @' + big_label:>13} | {'p95 @' + (f'{small:,}' if small else '-'):>13} | " \
             f"{'ratio':>6} | {'<= target':>9} | {'ratio<=1.5':>10} | verdict"
    print(header)
    print("-" * len(header))
    failures = 0
    for name, r in by_n[big].items():
        p_big = r["http_p95_ms"]
        p_small = by_n[small][name]["http_p95_ms"] if small and name in by_n[small] else None
        ratio = p_big / p_small if p_small else None
        abs_ok = p_big <= r.get("target_ms", TARGET_P95_MS)
        ratio_ok = None if ratio is None else ratio <= TARGET_RATIO
        ok = abs_ok and ratio_ok is not False
        failures += not ok
        out.append({"query": name, "n_big": big, "n_small": small, "p95_big_ms": p_big, "p95_small_ms": p_small,
                    "ratio": ratio, "abs_pass": abs_ok, "ratio_pass": ratio_ok, "pass": ok,
                    "pg_p95_big_ms": r["pg_p95_ms"],
                    "pg_p95_small_ms": by_n[small][name]["pg_p95_ms"] if small and name in by_n[small] else None})
        print(f"{name:<32} | {p_big:>13.2f} | {(f'{p_small:.2f}' if p_small else '-'):>13} | "
              f"{(f'{ratio:.2f}' if ratio else '-'):>6} | {'PASS' if abs_ok else 'FAIL':>9} | "
              f"{'-' if ratio_ok is None else ('PASS' if ratio_ok else 'FAIL'):>10} | {'PASS' if ok else 'FAIL <<<'}")
    print("-" * len(header))
    total = len(out)
    print(f"OVERALL: {'PASS' if not failures else 'FAIL'} — {total - failures}/{total} queries meet the targets.")
    return out


# --------------------------------------------------------------------------------------------- main

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated catalogue sizes")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per query (after 3 warm-ups)")
    parser.add_argument("--keep-db", action="store_true", help="keep epty_bench_<N> afterwards (default: drop it)")
    parser.add_argument("--skip-load", action="store_true", help="reuse an existing epty_bench_<N> (implies --keep-db)")
    parser.add_argument("--index-usage", action="store_true",
                        help="reset the database's statistics (pg_stat_reset) before the mix and print each index's "
                             "scans and size after it")
    parser.add_argument("--baseline", type=Path,
                        help="a results JSON of an earlier run: its sizes join the comparison (not re-measured)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                                 "postgres://postgres@127.0.0.1:5432/postgres"),
                        help="server to use; the database name is replaced by epty_bench_<N>")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    keep = args.keep_db or args.skip_load

    signal.signal(signal.SIGTERM, _on_sigterm)
    atexit.register(_stop_children)
    os.environ.update({"DATABASE_URL": db_url(args.database_url, f"epty_bench_{sizes[0]}"),
                       "DJANGO_SETTINGS_MODULE": "epty.settings.local", "DJANGO_DEBUG": "0"})
    import django

    django.setup()

    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    results: list[dict] = []
    started = time.perf_counter()
    try:
        for n in sizes:
            results.append(bench_size(args, n))
            if not keep:
                from django.db import connections

                connections["default"].close()
                subprocess.run(["dropdb", *pg_cli_args(args.database_url), "--if-exists", "--force",
                                f"epty_bench_{n}"], check=False)
    finally:
        _stop_children()
        if results:
            print_table(results)
            baseline = json.loads(args.baseline.read_text())["results"] if args.baseline else []
            comparison = compare(baseline + results)
            for size in results:
                t = size["timings"]
                if t:
                    print(f"load N={size['n']:,}: generate_demo {t['load_s']:.1f} s, migrate {t['migrate_s']:.1f} s, "
                          f"VACUUM ANALYZE {t['vacuum_analyze_s']:.1f} s")
            RESULTS_DIR.mkdir(parents=True, exist_ok=True)
            out = RESULTS_DIR / f"search-{stamp}.json"
            out.write_text(json.dumps({
                "created": stamp, "sizes": sizes, "repeat": args.repeat, "warmup": WARMUP, "seed": SEED,
                "targets": {"p95_ms_at_1m": TARGET_P95_MS, "ratio_1m_over_100k": TARGET_RATIO},
                "elapsed_s": time.perf_counter() - started,
                "results": results, "comparison": comparison,
            }, indent=2, ensure_ascii=False, default=str))
            print(f"\nwrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
