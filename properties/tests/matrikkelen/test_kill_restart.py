"""A sync killed (SIGKILL) at random points and restarted ends identical to an uninterrupted one.

Each sync runs as `manage.py sync_matrikkel` in a subprocess against its own scratch
database (SQLite file, or a PostgreSQL database beside the test database) and its own
stand-in on loopback; the whole properties table is compared afterwards.
"""
from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from standins.matrikkel.dataset import Dataset
from standins.matrikkel.server import StandinServer

ROOT = Path(__file__).resolve().parents[3]
COUNT, SEED, CHANGES = 500, 17, 150
COLUMNS = ("external_id", "matrikkelenhet_id", "source", "category", "building_type_code", "address", "postcode",
           "town", "municipality_number", "municipality_name", "county_number", "county_name", "lat", "lon",
           "usable_area", "plot_area", "rooms", "bedrooms", "floors", "year_built", "features", "feature_mask",
           "estimate", "estimate_low", "estimate_high", "estimate_source", "upstream_payload",
           "upstream_changed_at", "content_hash", "search_text", "fact_sources", "addresses")

# No test database needed: every sync runs in a subprocess on its own scratch database.


class Scratch:
    """Scratch databases for subprocesses, on the same engine as the test database."""

    def __init__(self, tmp_path: Path):
        self.tmp = tmp_path
        self.vendor = connection.vendor
        self.pg = django_settings.DATABASES["default"] if self.vendor == "postgresql" else None
        self.created: list[str] = []

    def _admin(self):
        import psycopg
        p = self.pg
        return psycopg.connect(host=p["HOST"] or "127.0.0.1", port=p["PORT"] or 5432, user=p["USER"],
                               password=p["PASSWORD"] or None, dbname="postgres", autocommit=True)

    def url(self, name: str) -> str:
        if self.vendor == "sqlite":
            return f"sqlite:///{self.tmp / (name + '.sqlite3')}"
        p = self.pg
        auth = p["USER"] + (f":{p['PASSWORD']}" if p["PASSWORD"] else "")
        return f"postgres://{auth}@{p['HOST'] or '127.0.0.1'}:{p['PORT'] or 5432}/{self._name(name)}"

    def _name(self, name: str) -> str:
        return f"{self.pg['NAME']}_{name}"[:60]

    def create_template(self) -> None:
        if self.vendor != "sqlite":
            with self._admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self._name("tpl")}"')
                conn.execute(f'CREATE DATABASE "{self._name("tpl")}"')
            self.created.append(self._name("tpl"))
        _manage(self.url("tpl"), "migrate", "--no-input", "-v0")

    def copy(self, name: str) -> str:
        if self.vendor == "sqlite":
            shutil.copy(self.tmp / "tpl.sqlite3", self.tmp / f"{name}.sqlite3")
        else:
            with self._admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self._name(name)}"')
                conn.execute(f'CREATE DATABASE "{self._name(name)}" TEMPLATE "{self._name("tpl")}"')
            self.created.append(self._name(name))
        return self.url(name)

    def rows(self, name: str) -> list[tuple]:
        sql = (f"SELECT {', '.join(COLUMNS)}, retired_at IS NOT NULL FROM properties_property ORDER BY external_id")
        state_sql = (
            "SELECT scope, checkpoint, full_cursor, full_start_change_id FROM properties_syncstate ORDER BY scope"
        )
        if self.vendor == "sqlite":
            with sqlite3.connect(self.tmp / f"{name}.sqlite3") as conn:
                return conn.execute(sql).fetchall() + conn.execute(state_sql).fetchall()
        import psycopg
        p = self.pg
        with psycopg.connect(host=p["HOST"] or "127.0.0.1", port=p["PORT"] or 5432, user=p["USER"],
                             password=p["PASSWORD"] or None, dbname=self._name(name)) as conn:
            return conn.execute(sql).fetchall() + conn.execute(state_sql).fetchall()

    def drop_all(self) -> None:
        if self.vendor != "sqlite":
            with self._admin() as conn:
                for name in self.created:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _env(database_url: str, server: StandinServer | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")}
    env.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="epty.settings.local", MATRIKKEL_RETRIES="3")
    if server:
        env.update(MATRIKKEL_SOURCE="soap", MATRIKKEL_BASE_URL=server.soap_base_url, MATRIKKEL_USERNAME="")
    return env


def _manage(database_url: str, *args: str, server: StandinServer | None = None) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=_env(database_url, server), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


SYNC_ARGS = {"full": ("--full", "--batch-size", "40"), "incremental": ("--incremental", "--batch-size", "15")}


def _sync_until_done(database_url: str, server: StandinServer, phase: str, rng: random.Random | None,
                     max_kills: int = 0) -> int:
    """Run the sync; with an rng, SIGKILL it at a random point, up to max_kills times, then let it finish.

    The point is counted in requests the sync has made to the stand-in (not in seconds, which
    would mostly hit Django's start-up), plus a random few milliseconds, so kills land
    anywhere in the work, inside transactions too.
    """
    kills = 0
    while True:
        base = sum(server.calls.values())
        proc = subprocess.Popen([sys.executable, "manage.py", "sync_matrikkel", *SYNC_ARGS[phase], "--no-progress"],
                                cwd=ROOT, env=_env(database_url, server), stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        if rng is not None and kills < max_kills:
            threshold = rng.randint(2, 40)
            while proc.poll() is None and sum(server.calls.values()) - base < threshold:
                time.sleep(0.002)
            if proc.poll() is None:
                time.sleep(rng.uniform(0, 0.03))
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                kills += 1
                continue
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()[-2000:]
        return kills


@pytest.fixture
def scratch(tmp_path):
    s = Scratch(tmp_path)
    s.create_template()
    yield s
    s.drop_all()


def _run(scratch: Scratch, name: str, rng: random.Random | None, max_kills: int = 0) -> tuple[list[tuple], int]:
    server = StandinServer(Dataset(count=COUNT, seed=SEED)).start()
    try:
        url = scratch.copy(name)
        kills = _sync_until_done(url, server, "full", rng, max_kills)
        server.dataset.apply_changes(CHANGES, seed=2)
        kills += _sync_until_done(url, server, "incremental", rng, max_kills)
        return scratch.rows(name), kills
    finally:
        server.stop()


@pytest.mark.slow
def test_a_sync_killed_at_random_points_and_restarted_ends_identical_to_an_uninterrupted_one(scratch):
    reference, _ = _run(scratch, "ref", None)
    assert len(reference) > COUNT

    for seed, max_kills in ((1, 2), (2, 1)):
        killed, kills = _run(scratch, f"kill{seed}", random.Random(seed), max_kills)
        assert kills == 2 * max_kills  # each phase really was interrupted
        assert killed == reference, f"kill seed {seed}: tables differ after {kills} kills"
