"""`.env.example`'s production settings with MATRIKKEL_SOURCE=rest schedule the open register refresh,
and it loads data.

The refresh runs in a subprocess under epty.settings.production with the variables .env.example
sets (plus the secret key it asks the operator for); only the download feed points at the
stand-in on loopback instead of Geonorge.
"""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from epty.settings.env import VARIABLES

ROOT = Path(__file__).resolve().parents[3]


def _env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            if value:
                values[name] = value
    return values


def test_env_example_production_settings_with_the_open_rest_source_schedule_and_load_the_open_register(
    standin, tmp_path
):
    example = _env_example()
    assert example["MATRIKKEL_SOURCE"] == "rest" and example["DJANGO_SETTINGS_MODULE"] == "epty.settings.production"
    database = tmp_path / "production.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(example, DJANGO_SECRET_KEY="p" * 30 + "-production-open-data-test-0123456789",
               DATABASE_URL=f"sqlite:///{database}", MATRIKKEL_RETRIES="2",
               MATRIKKEL_OPEN_DATA_FEED_URL=f"{standin.rest_base_url}geonorge/ATOM-feeds/MatrikkelenAdresse_AtomFeedCSV.xml")

    def manage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=600)

    migrated = manage("migrate", "--no-input", "-v0")
    assert migrated.returncode == 0, migrated.stderr
    refreshed = manage("shell", "-v0", "--no-imports", "-c", (
        "from epty.celery import app\n"
        "table = dict(app.conf.beat_schedule)\n"
        "entry = table['matrikkel-open-data-refresh']\n"
        "assert 'matrikkel-sync-incremental' not in table\n"
        "print(entry['task'], entry['schedule'])\n"
        "from properties.tasks import matrikkel_open_data_refresh\n"
        "print(matrikkel_open_data_refresh.apply().get())"))

    assert refreshed.returncode == 0, refreshed.stderr
    assert "properties.tasks.matrikkel_open_data_refresh 604800.0" in refreshed.stdout
    with sqlite3.connect(database) as conn:
        properties = conn.execute("SELECT count(*), count(DISTINCT municipality_number) FROM properties_property "
                                  "WHERE source = 'open_register' AND retired_at IS NULL").fetchone()
        run = conn.execute("SELECT status, created FROM properties_syncrun WHERE kind = 'open_data'").fetchone()
    assert properties == (8327 + 7 + 1, 3)  # Elverum, and the recorded sample's Karasjok and Oslo units
    assert run == ("succeeded", 8335)


@pytest.fixture
def standin():
    from standins.matrikkel.dataset import Dataset
    from standins.matrikkel.server import StandinServer

    server = StandinServer(Dataset(count=20, seed=1)).start()
    yield server
    server.stop()
