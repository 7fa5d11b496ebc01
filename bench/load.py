#!/usr/bin/env python
"""Load benchmark: a mix of searches, property pages and recommendations at several concurrencies,
against gunicorn started with the arguments of docker-compose.yml's `web` service.

    python bench/load.py --size 1000000 [--skip-load] [--concurrency 1,4,16] [--duration 30]
    python bench/load.py --size 20000 --database epty_load_small --duration 10     # a quick run

What it does:

1. The catalogue: `epty_bench_<N>` (or `--database`) dropped, created, migrated and loaded with
   `generate_demo --count N` (bench/search.py's loader), then market trends refreshed (the recorded SSB
   answer) and VACUUM ANALYZE. `--skip-load` reuses the database as it is.
2. gunicorn with the options of the `web` command in docker-compose.yml (workers, threads, timeouts; the
   bind address is replaced by a free loopback port), DJANGO_SETTINGS_MODULE=epty.settings.local with
   DJANGO_DEBUG=0 (production settings would redirect plain HTTP and read Kartverket over the internet on
   property pages; local reads the loopback Matrikkelen stand-in). The throttles are raised for the run
   (API_RATE_*): every client of a benchmark comes from one address. Matrikkelen is a closed loopback port
   (see `upstream_env`): its stand-in would otherwise run inside the web workers.
3. For each concurrency C: C client threads, each on its own connection, loop for `--duration` seconds
   (after `--warmup` seconds at that concurrency, default 10) over a seeded mix: searches through the API (35 %) and the
   search page (15 %), property pages (35 %), recommendations (15 %). Every response that is not 2xx, and
   every connection error, is an error.
4. Prints, per C: requests, requests per second, p50 / p95 / p99 in ms, errors; per C and kind, p50 and p95;
   and the CPU seconds per request at C=1 (from /proc) of gunicorn's workers and of PostgreSQL (every
   `postgres` process: the database runs on the same cores), with the throughput target at the highest
   concurrency: at least 80 % of (cores / (workers' + PostgreSQL's CPU per request)). The client runs on
   the same machine and takes CPU of its own (printed in brackets): the figures are a floor.
5. Then where the time goes (`--profile N`): each kind run N times in this process through Django's test
   client under cProfile, self time summed into database (psycopg, django.db), template, serialization
   (DRF serializers, fields, renderers, json), epty's own code, and the framework and the rest.
"""
from __future__ import annotations

import argparse
import atexit
import http.client
import json
import os
import random
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.search import (  # noqa: E402 - the repository root is on sys.path only now
    _children,
    _stop_children,
    child_env,
    db_url,
    free_port,
    log,
    percentile,
    prepare_database,
    stop_server,
)

RESULTS_DIR = ROOT / "bench" / "results"
MIX = (("search_api", 35), ("search_page", 15), ("property_page", 35), ("recommend", 15))
SEARCHES = [
    {}, {"municipality": "0301"}, {"county": "Vestland"}, {"category": "cabin", "features": "sauna"},
    {"estimate_min": "3000000", "estimate_max": "5000000"}, {"area_min": "80", "rooms_min": "3"},
    {"q": "veien"}, {"bbox": "10.70,59.90,10.80,59.94"}, {"near": "59.9133,10.7389", "radius_km": "2",
                                                           "sort": "distance"},
    {"municipality": "0301", "category": "residential", "estimate_max": "6000000"}, {"sort": "-area"},
]
PREFERENCES = [
    {"budget_range": [5000000, 8000000], "locations": ["Oslo", "Bergen"], "property_type": "cabin",
     "amenities": ["waterfront", "sauna"]},
    {"budget_range": [3000000, 6000000], "locations": ["Trondheim"], "property_type": "residential"},
    {"locations": ["Vestland"], "amenities": ["view"]},
]


def compose_gunicorn_args() -> list[str]:
    """gunicorn's options from the `web` command of docker-compose.yml, bound to loopback instead."""
    import yaml

    command = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["web"]["command"]
    if isinstance(command, list):
        command = " ".join(command)
    shell = shlex.split(command)[-1] if command.startswith("sh -c") else command
    part = next(p for p in shell.split("&&") if "gunicorn" in p)
    args = shlex.split(part)[1:]
    out, skip = [], False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg in ("--bind", "-b", "--access-logfile"):
            skip = True
            continue
        if arg.startswith(("--bind=", "--access-logfile=")):
            continue
        out.append(arg)
    return out


def upstream_env() -> dict[str, str]:
    """Matrikkelen for the run: a closed loopback port, failing at once (the circuit opens after five calls).

    Local settings would start the Matrikkelen stand-in inside every web worker, where its answers (eight SOAP
    calls per property page not yet cached) took the workers' CPU and interpreter lock; in production that
    work is Kartverket's, on its machines. The property page then shows Matrikkelen's box as not available.
    """
    return {"MATRIKKEL_SOURCE": "soap", "MATRIKKEL_BASE_URL": f"http://127.0.0.1:{free_port()}/",
            "MATRIKKEL_RETRIES": "0"}


class Gunicorn:
    def __init__(self, database_url: str, logfile: Path, rates: str, options: str | None = None):
        self.port = free_port()
        self.args = ["epty.wsgi:application", *shlex.split(options)] if options else compose_gunicorn_args()
        gunicorn = Path(sys.executable).with_name("gunicorn")
        cmd = [str(gunicorn), *self.args, "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning"]
        env = child_env(database_url)
        env.update({"API_RATE_RECOMMEND": rates, "API_RATE_COUNTED_SEARCH": rates, "API_RATE_MAIL": rates,
                    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost", **upstream_env()})
        self._log = open(logfile, "w")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        _children.append(self.proc)

    def wait_healthy(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {self._log.name}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not become healthy in {timeout} s")

    def worker_cpu_seconds(self) -> float:
        """User + system CPU of gunicorn's workers (the master's children), from /proc."""
        return cpu_seconds(lambda comm, ppid: ppid == self.proc.pid)

    def close(self) -> None:
        stop_server(self.proc, self._log, timeout=20)


def _procs() -> dict[int, tuple[str, int, list[int]]]:
    """pid -> (command name, parent pid, [utime, stime, cutime, cstime] in clock ticks), from /proc."""
    out = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, tail = stat.read_text().rsplit(")", 1)
        except OSError:
            continue
        fields = tail.split()
        out[int(stat.parent.name)] = (head.split("(", 1)[1], int(fields[1]), [int(f) for f in fields[11:15]])
    return out


def cpu_seconds(select) -> float:
    """User + system CPU, from /proc, of the processes for which select(command name, parent pid) holds."""
    ticks = sum(t[0] + t[1] for comm, ppid, t in _procs().values() if select(comm, ppid))
    return ticks / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """CPU of PostgreSQL on this machine: each postmaster's own and its exited children's (reaped, so counted
    in its cutime and cstime), plus its live children's (backends, writers, WAL)."""
    procs = _procs()
    masters = {pid for pid, (comm, ppid, _) in procs.items()
               if comm == "postgres" and procs.get(ppid, ("",))[0] != "postgres"}
    ticks = sum(sum(procs[pid][2]) for pid in masters)
    ticks += sum(t[0] + t[1] for comm, ppid, t in procs.values() if ppid in masters)
    return ticks / os.sysconf("SC_CLK_TCK")


def property_ids(url: str, count: int = 2000) -> list[int]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute("SELECT id FROM properties_property TABLESAMPLE SYSTEM (5) LIMIT %s", [count]).fetchall()
        if len(rows) < 50:
            rows = conn.execute("SELECT id FROM properties_property ORDER BY random() LIMIT %s", [count]).fetchall()
    return [r[0] for r in rows]


def next_request(rng: random.Random, ids: list[int]) -> tuple[str, str, str, bytes | None]:
    kind = rng.choices([k for k, _ in MIX], weights=[w for _, w in MIX])[0]
    if kind == "search_api":
        return kind, "GET", "/api/v1/properties?" + urlencode(rng.choice(SEARCHES)), None
    if kind == "search_page":
        return kind, "GET", "/?" + urlencode(rng.choice(SEARCHES)), None
    if kind == "property_page":
        return kind, "GET", f"/properties/{rng.choice(ids)}/", None
    body = json.dumps({"user_preferences": rng.choice(PREFERENCES), "market_trends": {}}).encode()
    return kind, "POST", "/api/v1/ai/recommend", body


def client_loop(port: int, ids: list[int], seed: int, stop_at: float, record_from: float, out: list) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while True:
        started = time.perf_counter()
        if started >= stop_at:
            break
        kind, method, path, body = next_request(rng, ids)
        headers = {"Accept": "application/json, text/html", "Accept-Language": "nb"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        status = 0
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
            if response.will_close:
                conn.close()
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        elapsed = (time.perf_counter() - started) * 1000
        if started >= record_from:
            out.append((kind, status, elapsed))
    conn.close()


def run_level(server: Gunicorn, ids: list[int], concurrency: int, duration: float, warmup: float) -> dict:
    samples: list = []
    start = time.perf_counter()
    record_from, stop_at = start + warmup, start + warmup + duration
    cpu_before: list[float] = []

    def mark_cpu() -> None:
        time.sleep(max(0.0, record_from - time.perf_counter()))
        cpu_before.extend((server.worker_cpu_seconds(), postgres_cpu_seconds(), time.process_time()))

    marker = threading.Thread(target=mark_cpu)
    marker.start()
    threads = [threading.Thread(target=client_loop, args=(server.port, ids, 1000 * concurrency + n, stop_at,
                                                          record_from, samples)) for n in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    marker.join()
    cpu = server.worker_cpu_seconds() - cpu_before[0]
    db_cpu = postgres_cpu_seconds() - cpu_before[1]
    client_cpu = time.process_time() - cpu_before[2]  # every client thread of this process
    latencies = [ms for _, _, ms in samples]
    errors = sum(1 for _, status, _ in samples if not 200 <= status < 400)
    by_kind = {}
    for kind, _ in MIX:
        values = [ms for k, _, ms in samples if k == kind]
        by_kind[kind] = {"requests": len(values), "p50_ms": percentile(values, 50), "p95_ms": percentile(values, 95)}
    return {"concurrency": concurrency, "requests": len(samples), "rps": len(samples) / duration,
            "p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95),
            "p99_ms": percentile(latencies, 99), "errors": errors,
            "worker_cpu_s_per_request": cpu / len(samples) if samples else float("nan"),
            "postgres_cpu_s_per_request": db_cpu / len(samples) if samples else float("nan"),
            "client_cpu_s_per_request": client_cpu / len(samples) if samples else float("nan"), "by_kind": by_kind}


PROFILE_BUCKETS = (  # (bucket, path fragments of the code that counts to it), first match wins
    ("database", ("/psycopg", "/django/db/")),
    ("template", ("/django/template/", "/django/templatetags/", "/templatetags/")),
    ("serialization", ("/rest_framework/serializers.py", "/rest_framework/fields.py",
                       "/rest_framework/renderers.py", "/json/", "/rest_framework/utils/serializer_helpers.py")),
    ("epty code", tuple(f"{ROOT}/{app}/" for app in ("epty", "properties", "accounts", "offers", "recommendations",
                                                     "standins"))),
    ("framework and the rest", ("",)),
)


def profile_kinds(url: str, ids: list[int], per_kind: int) -> dict:
    """Where a request's time goes: each kind of the mix run `per_kind` times in this process (Django's test
    client, the same settings as the server) under cProfile; self time summed by bucket."""
    import cProfile
    import pstats

    os.environ.update({k: v for k, v in child_env(url).items() if k in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE",
                                                                        "DJANGO_DEBUG", "REDIS_URL")})
    os.environ.update({"API_RATE_RECOMMEND": "1000000/min", "DJANGO_ALLOWED_HOSTS": "testserver", **upstream_env()})
    import django

    django.setup()
    import logging

    logging.getLogger("properties.matrikkelen").setLevel(logging.ERROR)  # every refresh fails: upstream_env
    from django.test import Client

    client = Client()
    rng = random.Random(7)
    out = {}
    for kind, _ in MIX:
        requests = []
        while len(requests) < per_kind:
            request = next_request(rng, ids)
            if request[0] == kind:
                requests.append(request)
        for _, method, path, body in requests[:3]:  # warm caches and imports
            send(client, method, path, body)
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for _, method, path, body in requests:
            send(client, method, path, body)
        profiler.disable()
        wall = (time.perf_counter() - started) * 1000 / per_kind
        buckets = dict.fromkeys((b for b, _ in PROFILE_BUCKETS), 0.0)
        stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]  # pstats keeps its table there
        for (filename, _, _), (_, _, tottime, _, _) in stats.items():
            bucket = next(b for b, fragments in PROFILE_BUCKETS if any(f in filename for f in fragments))
            buckets[bucket] += tottime
        total = sum(buckets.values()) or 1.0
        out[kind] = {"ms_per_request": wall, "share": {b: t / total for b, t in buckets.items()}}
    return out


def send(client, method: str, path: str, body: bytes | None) -> None:
    if method == "POST":
        response = client.post(path, data=body, content_type="application/json")
    else:
        response = client.get(path, HTTP_ACCEPT="application/json, text/html")
    if not 200 <= response.status_code < 400:
        raise RuntimeError(f"{method} {path}: {response.status_code}")


def print_profile(profile: dict) -> None:
    buckets = [b for b, _ in PROFILE_BUCKETS]
    print("\nwhere a request's time goes (in-process, cProfile self time; shares of each kind's total):")
    print(f"{'kind':>14} | {'ms/req':>7} | " + " | ".join(f"{b:>13}" for b in buckets))
    for kind, row in profile.items():
        print(f"{kind:>14} | {row['ms_per_request']:>7.1f} | "
              + " | ".join(f"{row['share'][b] * 100:>12.0f}%" for b in buckets))


def print_results(results: list[dict], args_used: list[str]) -> None:
    print(f"\ngunicorn {' '.join(args_used)}")
    print(f"{'C':>3} | {'requests':>8} | {'req/s':>7} | {'p50 ms':>7} | {'p95 ms':>7} | {'p99 ms':>7} | "
          f"{'errors':>6} | CPU ms/req: workers + PostgreSQL (client)")
    for r in results:
        print(f"{r['concurrency']:>3} | {r['requests']:>8} | {r['rps']:>7.1f} | {r['p50_ms']:>7.1f} | "
              f"{r['p95_ms']:>7.1f} | {r['p99_ms']:>7.1f} | {r['errors']:>6} | "
              f"{r['worker_cpu_s_per_request'] * 1000:.1f} + {r['postgres_cpu_s_per_request'] * 1000:.1f} "
              f"({r['client_cpu_s_per_request'] * 1000:.1f})")
    print("\nper kind (p50 / p95 ms):")
    for r in results:
        parts = [f"{k} {v['p50_ms']:.0f}/{v['p95_ms']:.0f} ({v['requests']})" for k, v in r["by_kind"].items()]
        print(f"  C={r['concurrency']}: " + ", ".join(parts))
    single = next((r for r in results if r["concurrency"] == 1), None)
    top = max(results, key=lambda r: r["concurrency"])
    if single and single["requests"]:
        cores = os.cpu_count() or 1
        # Serving a request takes the worker's CPU and PostgreSQL's, on the same cores.
        serving = single["worker_cpu_s_per_request"] + single["postgres_cpu_s_per_request"]
        ceiling = cores / serving
        print(f"\nmean CPU per request at C=1: workers {single['worker_cpu_s_per_request'] * 1000:.1f} ms + "
              f"PostgreSQL {single['postgres_cpu_s_per_request'] * 1000:.1f} ms = {serving * 1000:.1f} ms "
              f"(the client's own: {single['client_cpu_s_per_request'] * 1000:.1f} ms, on the same cores; "
              f"workers alone would give a ceiling of {cores / single['worker_cpu_s_per_request']:.0f} req/s); "
              f"{cores} cores: ceiling {ceiling:.0f} req/s, target ≥ {0.8 * ceiling:.0f} req/s "
              f"at C={top['concurrency']} "
              f"(measured {top['rps']:.1f}); p95 target ≤ 250 ms (measured {top['p95_ms']:.0f}); "
              f"errors target 0 (measured {top['errors']})")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="properties to load (default 1000000)")
    parser.add_argument("--database", help="database name (default epty_bench_<size>)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                                 "postgres://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--skip-load", action="store_true", help="reuse the database as it is")
    parser.add_argument("--concurrency", default="1,4,16")
    parser.add_argument("--gunicorn", metavar="OPTIONS",
                        help='gunicorn options instead of docker-compose.yml\'s, e.g. "--workers 2 --threads 4"')
    parser.add_argument("--duration", type=float, default=30.0, help="timed seconds per concurrency (default 30)")
    parser.add_argument("--profile", type=int, default=30,
                        help="requests per kind profiled in-process after the load (default 30; 0: none)")
    parser.add_argument("--warmup", type=float, default=10.0,
                        help="untimed seconds before each concurrency's timed part (default 10)")
    args = parser.parse_args(argv)
    atexit.register(_stop_children)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    name = args.database or f"epty_bench_{args.size}"
    url = db_url(args.database_url, name)
    prepare_database(args.database_url, name, args.size, args.skip_load)
    if not args.skip_load:
        subprocess.run([sys.executable, "-c", "import django; django.setup(); "
                        "from recommendations.market.services import market_trends_refresh as r; "
                        "r(base_url='http://127.0.0.1:9/api/v0/no/table/')"],
                       cwd=ROOT, env={**child_env(url)}, check=True)
    ids = property_ids(url)
    if not ids:
        raise SystemExit(f"{name} holds no properties")
    RESULTS_DIR.mkdir(exist_ok=True)
    server = Gunicorn(url, RESULTS_DIR / "gunicorn-load.log", rates="1000000/min", options=args.gunicorn)
    results = []
    try:
        server.wait_healthy()
        log(f"gunicorn {' '.join(server.args)} healthy on port {server.port}; {len(ids)} property ids sampled")
        for concurrency in (int(c) for c in args.concurrency.split(",")):
            log(f"concurrency {concurrency}: {args.warmup:.0f} s warm-up, {args.duration:.0f} s timed")
            results.append(run_level(server, ids, concurrency, args.duration, args.warmup))
    finally:
        server.close()
    print_results(results, server.args)
    profile = profile_kinds(url, ids, args.profile) if args.profile > 0 else {}
    if profile:
        print_profile(profile)
    out = RESULTS_DIR / f"load-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({"database": name, "gunicorn": server.args, "results": results, "profile": profile},
                              indent=2))
    log(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
