"""The deployment, tried without Docker: the image's recipe and docker-compose.yml's services, on this machine.

    python deploy/stack_test.py [--venv DIR] [--set NAME=VALUE ...] [--expect-failure]

1. Image: carries out the Dockerfile's final stage. Its ENV lines become the environment; `RUN pip install`
   installs exactly what it names into a fresh virtualenv (runtime requirements only; pip may use its cache);
   `COPY . .` copies the tracked files; the other RUN lines (collectstatic, the writable directories and their
   owner) run as written, with /app mapped to a scratch directory and the image's user to its uid. `useradd`
   is not needed: processes run under the uid with setpriv, as the image's USER does (as root; otherwise
   as the calling user, and the test says so).
2. Compose: `docker-compose config` renders docker-compose.yml with .env.example as .env, the operator's three
   values filled in (and --set overrides). Each service gets the rendered environment over the image's;
   only the addresses of other containers are mapped to this machine: db to PostgreSQL on 127.0.0.1
   (database epty_deploytest, user postgres), redis to Redis db 12, and the open address register's download
   feed to the Matrikkelen stand-in on loopback. Nothing reaches the internet (SSB and Kartverket point at a
   closed port: SSB's recorded answer is used).
3. Services, each with its own command: migrate (one-shot, must exit 0), bootstrap (one-shot: the first staff
   user, Elverum's open address register through the feed, market trends), then web (gunicorn), worker and
   beat, each polled with its own healthcheck command until healthy (120 s at most; a service that exits
   fails the test at once). The proxy's image cannot run here: its Caddyfile is validated with Debian's
   caddy when installed.
4. Round trip: recorded sales are imported (manage.py import_sales, as an operator would), a training task
   is sent through the broker, the worker trains and activates a model and writes its estimates, and the web
   process loads that model (/healthz says "loaded") and explains a property's estimate. Private media are
   not served as static files. The README's backup commands (pg_dump/pg_restore and the media tar) are run once
   and the restored copy compared.

Exit 0 when all of it holds; 1 otherwise (with --expect-failure: 0 only when the stack fails to come up, so a
broken stack, e.g. --set MATRIKKEL_SOURCE=soap without credentials, shows that this test can fail).
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
import yaml

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "epty_deploytest"
PG = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/12"
WEB_PORT = int(os.environ.get("DEPLOYTEST_PORT", "8119"))
HEALTHY_WITHIN = 120.0
HOST = "epty.test"
CLOSED = "http://127.0.0.1:9/"


class StackFailed(Exception):
    pass


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- 1. the image ----------------------------------------------------------------------------------------

def final_stage(dockerfile: Path) -> list[tuple[str, str]]:
    """(instruction, arguments) of the Dockerfile's last stage, continuation lines joined."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    stages: list[list[tuple[str, str]]] = []
    for line in lines:
        instruction, _, args = line.partition(" ")
        if instruction.upper() == "FROM":
            stages.append([])
        stages[-1].append((instruction.upper(), args.strip()))
    return stages[-1]


def parse_env(args: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in shlex.split(args))


def base_python() -> str:
    """A Python 3.11 the image's user may run (the system's; this test's own may live under /root)."""
    for candidate in ("/usr/bin/python3.11", "/usr/local/bin/python3.11"):
        if os.access(candidate, os.X_OK):
            return candidate
    return sys.executable


class Image:
    """The final stage carried out under `root` (for /app)."""

    def __init__(self, root: Path, venv: Path) -> None:
        self.root, self.venv = root, venv
        self.app = root / "app"
        self.env: dict[str, str] = {}
        self.uid: int | None = None
        self.user_uid: int | None = None
        self.cmd: list[str] = []

    def path(self, value: str) -> str:
        return re.sub(r"(?<![\w/])/app(?=/|\b)", str(self.app), value)

    def base_env(self) -> dict[str, str]:
        env = {"PATH": f"{self.venv}/bin:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
        env.update({k: self.path(v) for k, v in self.env.items()})
        return env

    def build(self) -> None:
        stage = final_stage(ROOT / "Dockerfile")
        assert stage[0][1].startswith("python:3.11"), f"the image's Python is {stage[0][1]}; this test builds 3.11"
        pip_installs = [args for ins, args in stage if ins == "RUN" and args.startswith("pip install")]
        assert pip_installs, "the Dockerfile installs nothing with pip"
        for instruction, args in stage[1:]:
            if instruction == "ENV":
                self.env.update(parse_env(args))
            elif instruction == "WORKDIR":
                assert args == "/app", "the image's WORKDIR is /app"
                self.app.mkdir(parents=True, exist_ok=True)
            elif instruction == "COPY":
                self.copy(args)
            elif instruction == "RUN":
                self.run(args)
            elif instruction == "USER":
                self.user_uid = self.uid if args in {"epty", str(self.uid)} else int(args)
            elif instruction == "CMD":
                self.cmd = json.loads(args)

    def copy(self, args: str) -> None:
        parts = args.split()
        if parts[0].startswith("--from="):  # the npm stage's node_modules: the same lock file, installed here
            shutil.copytree(ROOT / "node_modules", self.app / "node_modules", symlinks=False, dirs_exist_ok=True)
            return
        sources = parts[:-1]
        if sources == ["."]:
            # What `COPY . .` sends: the working tree without what git ignores (which .dockerignore also drops).
            tracked = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                                     capture_output=True, check=True).stdout
            for name in filter(None, tracked.decode().split("\0")):
                source = ROOT / name
                if source.is_file():
                    (self.app / name).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(source, self.app / name)
        else:
            for name in sources:
                shutil.copy2(ROOT / name, self.app / name)

    def run(self, command: str) -> None:
        if command.startswith("useradd"):
            found = re.search(r"--uid (\d+)", command)
            if found is None:
                raise StackFailed("the Dockerfile's useradd names no --uid")
            self.uid = int(found.group(1))
            return
        if command.startswith("pip install"):
            self.pip(shlex.split(command)[2:])
            return
        uid = str(self.uid)
        command = re.sub(r"\bchown (-R )?epty(:epty)?\b", lambda m: f"chown {m.group(1) or ''}{uid}:{uid}", command)
        say(f"RUN {command[:100]}…")
        result = subprocess.run(["sh", "-c", self.path(command)], cwd=self.app, env=self.base_env(),
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise StackFailed(f"image build: RUN {command[:60]}… exited {result.returncode}: "
                              f"{last_lines(result.stderr or result.stdout)}")

    def pip(self, args: list[str]) -> None:
        marker = self.venv / "requirements.sha256"
        wanted = hashlib.sha256((self.app / "requirements.txt").read_bytes() + " ".join(args).encode()
                                + base_python().encode()).hexdigest()
        if marker.exists() and marker.read_text() == wanted:
            say(f"virtualenv {self.venv} already has exactly these requirements")
            return
        started = time.monotonic()
        subprocess.run([base_python(), "-m", "venv", "--clear", str(self.venv)], check=True)
        env = {k: v for k, v in os.environ.items() if k != "PIP_NO_CACHE_DIR"}  # the local cache may serve
        installed = subprocess.run([str(self.venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
                                    *args], cwd=self.app, env=env, capture_output=True, text=True)
        if installed.returncode != 0:
            raise StackFailed(f"image build: pip install {' '.join(args)}: {last_lines(installed.stderr, 8)}")
        marker.write_text(wanted)
        say(f"pip install {' '.join(args)}: {time.monotonic() - started:.0f} s")
        dev_only = {"pytest", "ruff", "mypy"}
        listed = subprocess.run([str(self.venv / "bin" / "pip"), "list", "--format=json"], capture_output=True,
                                text=True, check=True).stdout
        leaked = dev_only & {p["name"].lower() for p in json.loads(listed)}
        assert not leaked, f"development packages in the runtime environment: {leaked}"

    def as_user(self) -> list[str]:
        if os.geteuid() != 0 or self.user_uid is None:
            return []
        return ["setpriv", f"--reuid={self.user_uid}", f"--regid={self.user_uid}", "--clear-groups"]


# --- 2. compose --------------------------------------------------------------------------------------------

def compose_config(project: Path, overrides: dict[str, str]) -> dict:
    example = (ROOT / ".env.example").read_text()
    filled = {"EPTY_HOST": HOST, "DJANGO_SECRET_KEY": "s" * 20 + "-deployment-test-only-" + "k" * 30,
              "POSTGRES_PASSWORD": "deployment-test", **overrides}
    lines = []
    for line in example.splitlines():
        name = line.split("=", 1)[0]
        if not line.startswith("#") and "=" in line and name in filled:
            line = f"{name}={filled.pop(name)}"
        lines.append(line)
    lines += [f"{k}={v}" for k, v in filled.items()]
    (project / ".env").write_text("\n".join(lines) + "\n")
    shutil.copy2(ROOT / "docker-compose.yml", project / "docker-compose.yml")
    compose = shutil.which("docker-compose")
    command = [compose, "config"] if compose else ["docker", "compose", "config"]
    rendered = subprocess.run(command, cwd=project, capture_output=True, text=True)
    if rendered.returncode != 0:
        raise StackFailed(f"compose config failed: {rendered.stderr.strip()}")
    return yaml.safe_load(rendered.stdout)


def map_addresses(env: dict[str, str], feed_url: str) -> dict[str, str]:
    """Other containers' addresses → this machine's services. Nothing else changes."""
    env = dict(env)
    assert re.fullmatch(r"postgres://epty:[^@]+@db:5432/epty", env["DATABASE_URL"]), env["DATABASE_URL"]
    env["DATABASE_URL"] = f"{PG}/{DATABASE}"
    assert env["REDIS_URL"] == "redis://redis:6379/0", env["REDIS_URL"]
    env["REDIS_URL"] = REDIS
    env.update(MATRIKKEL_OPEN_DATA_FEED_URL=feed_url, MATRIKKEL_REST_BASE_URL=CLOSED,
               SSB_BASE_URL=f"{CLOSED}api/v0/no/table/", MATRIKKEL_OPEN_DATA_MUNICIPALITIES="3420")
    return env


# --- 3. services -----------------------------------------------------------------------------------------

class Stack:
    def __init__(self, image: Image, services: dict, feed_url: str, logs: Path) -> None:
        self.image, self.services, self.feed_url, self.logs = image, services, feed_url, logs
        self.running: dict[str, subprocess.Popen] = {}

    def env(self, name: str) -> dict[str, str]:
        env = self.image.base_env()
        env.update({k: str(v) for k, v in (self.services[name].get("environment") or {}).items()})
        env = map_addresses(env, self.feed_url)
        env["HOSTNAME"] = socket.gethostname()  # what the container's hostname is to Celery's node name
        return env

    def command(self, text: str | list[str]) -> list[str]:
        args = shlex.split(text) if isinstance(text, str) else list(text)
        return [self.image.path(a).replace("0.0.0.0:8000", f"127.0.0.1:{WEB_PORT}")
                .replace("127.0.0.1:8000", f"127.0.0.1:{WEB_PORT}") for a in args]

    def one_shot(self, name: str, args: list[str] | None = None, timeout: float = 900) -> str:
        argv = self.command(args or self.services[name]["command"])
        say(f"{name}: {' '.join(argv[:6])}")
        started = time.monotonic()
        result = subprocess.run(self.image.as_user() + argv, cwd=self.image.app, env=self.env(name),
                                capture_output=True, text=True, timeout=timeout)
        (self.logs / f"{name}.log").write_text(result.stdout + result.stderr)
        if result.returncode != 0:
            raise StackFailed(f"{name} exited {result.returncode}: {last_lines(result.stderr or result.stdout)}")
        say(f"{name}: exit 0 in {time.monotonic() - started:.1f} s")
        return result.stdout

    def start(self, name: str) -> None:
        argv = self.command(self.services[name]["command"])
        log = open(self.logs / f"{name}.log", "w")  # the process writes it until stopped
        self.running[name] = subprocess.Popen(self.image.as_user() + argv, cwd=self.image.app, env=self.env(name),
                                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        say(f"{name}: started (pid {self.running[name].pid})")

    def healthcheck(self, name: str) -> tuple[bool, list[str]]:
        test = self.services[name]["healthcheck"]["test"]
        kind, rest = test[0], test[1:]
        argv = self.command(rest) if kind == "CMD" else ["sh", "-c", self.image.path(" ".join(rest))]
        result = subprocess.run(self.image.as_user() + argv, cwd=self.image.app, env=self.env(name),
                                capture_output=True, text=True, timeout=60)
        return result.returncode == 0, (result.stdout + result.stderr).strip().splitlines()[-1:]

    def wait_healthy(self, names: list[str]) -> None:
        deadline = time.monotonic() + HEALTHY_WITHIN
        pending = list(names)
        while pending:
            self.check_alive()
            for name in list(pending):
                ok, why = self.healthcheck(name)
                if ok:
                    say(f"{name}: healthy ({why[0] if why else ''})")
                    pending.remove(name)
            if pending and time.monotonic() > deadline:
                raise StackFailed(f"unhealthy after {HEALTHY_WITHIN:.0f} s: {pending}")
            if pending:
                time.sleep(3)

    def check_alive(self) -> None:
        for name, process in self.running.items():
            if process.poll() is not None:
                raise StackFailed(f"{name} exited {process.returncode}: "
                                  f"{last_lines((self.logs / f'{name}.log').read_text())}")

    def check_logs(self) -> None:
        """No service may have hit a permission problem or an unhandled error (gunicorn's control socket, beat's
        schedule, a task) even if it kept running."""
        for name in self.running:
            for line in (self.logs / f"{name}.log").read_text().splitlines():
                if any(marker in line for marker in ("PermissionError", "Permission denied", "Traceback",
                                                     "raised unexpected", "[ERROR]")):
                    raise StackFailed(f"{name} logged: {line.strip()[:300]}")
        say("logs of web, worker and beat: no permission error, no traceback")

    def stop(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.running.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def last_lines(text: str, n: int = 4) -> str:
    return " | ".join(line.strip() for line in text.strip().splitlines()[-n:])


def get(path: str) -> tuple[int, bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{WEB_PORT}{path}",
                                     headers={"Host": HOST, "X-Forwarded-Proto": "https"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


# --- helpers around the stack --------------------------------------------------------------------------------

def fresh_database() -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        for name in (DATABASE, f"{DATABASE}_restore"):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    subprocess.run(["redis-cli", "-n", "12", "FLUSHDB"], check=True, capture_output=True)


def start_feed() -> tuple[subprocess.Popen, str]:
    """The Matrikkelen stand-in (development code, in this test's own environment), for Geonorge's feed."""
    code = ("import django, sys, time; django.setup()\n"
            "from standins.matrikkel.dataset import Dataset\n"
            "from standins.matrikkel.server import StandinServer\n"
            "server = StandinServer(Dataset(count=20, seed=1)).start()\n"
            "print(server.rest_base_url, flush=True)\n"
            "time.sleep(3600)\n")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "epty.settings.test"}
    for name in ("DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
                               start_new_session=True)
    base = process.stdout.readline().strip() if process.stdout else ""
    if not base:
        raise StackFailed("the Matrikkelen stand-in did not start")
    return process, f"{base}geonorge/ATOM-feeds/MatrikkelenAdresse_AtomFeedCSV.xml"


def write_sales(path: Path, count: int = 900) -> tuple[int, int]:
    """Recorded sales of Elverum properties the bootstrap loaded: a file an operator would import."""
    with psycopg.connect(f"{PG}/{DATABASE}") as conn:
        ids = [row[0] for row in conn.execute(
            "SELECT external_id FROM properties_property WHERE municipality_number = '3420' AND retired_at IS NULL "
            "ORDER BY external_id")]
    rng = random.Random(7)
    start = date(2019, 1, 1)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(["Matrikkel", "Pris", "Dato", "BRA"])
        for external_id in rng.sample(ids, min(count, len(ids))):
            area = rng.randint(50, 250)
            sold = start + timedelta(days=rng.randint(0, 5 * 365))
            price = round(area * 32_000 * (1 + 0.05 * (sold - start).days / 365) * rng.uniform(0.85, 1.15), -3)
            writer.writerow([external_id, int(price), sold.strftime("%d.%m.%Y"), area])
    return min(count, len(ids)), len(ids)


def wait_for(what: str, check, timeout: float, stack: Stack) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        stack.check_alive()
        failed = [line for line in (stack.logs / "worker.log").read_text().splitlines() if "raised unexpected" in line]
        if failed:
            raise StackFailed(f"{what}: a task failed in the worker: {failed[-1].strip()[:300]}")
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise StackFailed(f"{what}: not within {timeout:.0f} s")
        time.sleep(3)


def backup_and_restore(image: Image, logs: Path) -> str:
    """The README's backup commands, once: pg_dump -Fc, pg_restore into an empty database, media as a tar."""
    dump = logs / "epty.dump"
    subprocess.run(["pg_dump", "-Fc", "-d", f"{PG}/{DATABASE}", "-f", str(dump)], check=True)
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{DATABASE}_restore"')
    subprocess.run(["pg_restore", "--no-owner", "-d", f"{PG}/{DATABASE}_restore", str(dump)], check=True)
    query = ("SELECT (SELECT count(*) FROM properties_property), (SELECT count(*) FROM properties_propertysale), "
             "(SELECT count(*) FROM valuation_valuationartifact)")
    counts = []
    for name in (DATABASE, f"{DATABASE}_restore"):
        with psycopg.connect(f"{PG}/{name}") as conn:
            counts.append(conn.execute(query).fetchone())
    if counts[0] != counts[1]:
        raise StackFailed(f"restored database differs: {counts}")
    media = image.app / "media"
    (media / "claims").mkdir(exist_ok=True)
    (media / "claims" / "probe.pdf").write_bytes(b"%PDF-1.4 probe")
    archive = logs / "media.tar.gz"
    subprocess.run(["tar", "-czf", str(archive), "-C", str(media), "."], check=True)
    restored = logs / "media-restored"
    restored.mkdir()
    subprocess.run(["tar", "-xzf", str(archive), "-C", str(restored)], check=True)
    if (restored / "claims" / "probe.pdf").read_bytes() != b"%PDF-1.4 probe":
        raise StackFailed("media archive did not restore")
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{DATABASE}_restore" WITH (FORCE)')
    return f"properties, sales, model artifacts {counts[0]} restored equal; media tar restored"


# --- the test --------------------------------------------------------------------------------------------------

def run(args: argparse.Namespace, scratch: Path) -> None:
    root = scratch / "image"
    root.mkdir()
    venv = Path(args.venv) if args.venv else Path("/var/tmp/epty-deploytest/venv")
    if args.fresh_venv and (venv / "requirements.sha256").exists():
        (venv / "requirements.sha256").unlink()
    image = Image(root, venv)
    image.build()
    assert image.uid and image.user_uid == image.uid, "the image runs as its own unprivileged user"
    say(f"image built under {root}; processes run as uid {image.user_uid}"
        + ("" if image.as_user() else " — NOT root here: running as the calling user instead"))
    os.chmod(scratch, 0o755)
    caddy = shutil.which("caddy")
    if caddy:
        result = subprocess.run([caddy, "validate", "--config", str(ROOT / "deploy" / "Caddyfile"), "--adapter",
                                 "caddyfile"], env={**os.environ, "EPTY_HOST": HOST}, capture_output=True, text=True)
        if result.returncode != 0:
            raise StackFailed(f"Caddyfile invalid: {last_lines(result.stderr)}")
        say("proxy: Caddyfile valid (caddy validate)")
    else:
        say("proxy: caddy not installed here; its Caddyfile was not validated")

    project = scratch / "compose"
    project.mkdir()
    overrides = dict(item.split("=", 1) for item in args.set)
    services = compose_config(project, overrides)["services"]
    logs = scratch / "logs"
    logs.mkdir()
    fresh_database()
    feed, feed_url = start_feed()
    stack = Stack(image, services, feed_url, logs)
    try:
        stack.one_shot("migrate")
        bootstrap = stack.one_shot("bootstrap")
        say("bootstrap: " + " | ".join(line for line in bootstrap.splitlines() if ":" in line))
        for name in ("web", "worker", "beat"):
            stack.start(name)
        stack.wait_healthy(["web", "worker", "beat"])

        status, body = get("/healthz")
        health = json.loads(body)
        if status != 200 or not health["worker"]["ok"] or not health["beat"]["ok"]:
            raise StackFailed(f"/healthz: {status} {health}")
        wait_for("a beat tick carried out by the worker",
                 lambda: json.loads(get("/healthz")[1])["beat_to_worker"]["ok"], 90, stack)
        say("beat → broker → worker: tick carried out")

        sales, properties = write_sales(scratch / "sales.csv")
        stack.one_shot("web", ["python", "manage.py", "import_sales", str(scratch / "sales.csv"), "--map",
                               "external_id=Matrikkel,price=Pris,sold_on=Dato,usable_area=BRA"])
        say(f"imported {sales} sales of the {properties:,} open-register properties")
        stack.one_shot("web", ["python", "manage.py", "shell", "-v0", "--no-imports", "-c",
                               "from recommendations.valuation.tasks import valuation_train_task as t; "
                               "print(t.delay(activate_if_not_worse=True).id)"])
        say("training task sent through the broker")
        model = wait_for("the worker's model, loaded by web", lambda: (
            (h := json.loads(get("/healthz")[1])["valuation_model"]) and h["state"] == "loaded" and h), 300, stack)
        say(f"web loaded the worker's model: {model}")
        with psycopg.connect(f"{PG}/{DATABASE}") as conn:
            property_id = wait_for("estimates written by the worker", lambda: (conn.execute(
                "SELECT id FROM properties_property WHERE estimate_source = %s ORDER BY id LIMIT 1",
                [f"valuation-v{model['version']}"]).fetchone() or [None])[0], 300, stack)
        status, body = get(f"/api/v1/properties/{property_id}/valuation")
        valuation = json.loads(body)
        if status != 200 or not valuation["factors"] or valuation["explanation_unavailable"]:
            raise StackFailed(f"valuation of property {property_id}: {status} {valuation}")
        say(f"property {property_id}: estimate {valuation['estimate']:,} explained by {len(valuation['factors'])} "
            "factors")
        status, _ = get("/media/claims/anything.pdf")
        if status != 404:
            raise StackFailed(f"/media/ answered {status}: private uploads must not be served as files")
        say("backup: " + backup_and_restore(image, logs))
        stack.check_alive()
        stack.check_logs()
    finally:
        stack.stop()
        os.killpg(feed.pid, signal.SIGTERM)
        feed.wait()
        if args.keep_logs:
            say(f"logs kept in {logs}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", help="where the runtime virtualenv is built, and reused while the Dockerfile's pip "
                                       "install line, requirements.txt and the Python are the same (default "
                                       "/var/tmp/epty-deploytest/venv: the image's user must reach it)")
    parser.add_argument("--fresh-venv", action="store_true", help="build the virtualenv anew even if it matches")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="override a .env value")
    parser.add_argument("--expect-failure", action="store_true", help="succeed only if the stack fails")
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args()
    started = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="epty-stack-"))
    try:
        run(args, scratch)
    except StackFailed as exc:
        say(f"FAILED: {exc}")
        if args.expect_failure:
            say(f"the stack failed, as expected ({time.monotonic() - started:.0f} s)")
            return 0
        return 1
    finally:
        if not args.keep_logs:
            shutil.rmtree(scratch, ignore_errors=True)
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    if args.expect_failure:
        say("UNEXPECTED: the stack came up although it was broken on purpose")
        return 1
    say(f"deployment test passed in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
