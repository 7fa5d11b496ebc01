"""/healthz and the containers' health checks: the worker's heartbeat, beat's tick, the valuation model."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery.signals import before_task_publish

from epty import health
from epty.settings.env import VARIABLES

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="the marks live in Redis (CI sets REDIS_URL)")


@pytest.fixture(autouse=True)
def _clean_marks(settings):
    settings.REDIS_URL = os.environ.get("REDIS_URL")
    client = health._redis()
    keys = [f"epty:health:{name}" for name in health.MARKS]
    client.delete(*keys)
    yield client
    client.delete(*keys)


@pytest.mark.django_db
def test_healthz_is_degraded_until_worker_and_beat_have_been_seen_then_ok(client):
    before = client.get("/healthz").json()
    assert before["status"] == "degraded" and before["worker"]["ok"] is False and before["beat"]["age_seconds"] is None

    health.WorkerHeartbeat._beat()  # what the worker's timer runs
    before_task_publish.send(sender=health.TICK_TASK, body=None, exchange="", routing_key="", headers={},
                             properties={}, declare=[], retry_policy=None)  # what beat's publishing fires
    health.beat_tick()  # what the worker runs when the tick arrives
    after = client.get("/healthz").json()

    assert after["worker"]["ok"] and after["beat"]["ok"] and after["beat_to_worker"]["ok"]
    assert after["worker"]["age_seconds"] < 5
    assert after["valuation_model"]["state"] == "no_active_model"


@pytest.mark.django_db
def test_a_stale_worker_heartbeat_is_reported(client, _clean_marks):
    _clean_marks.set("epty:health:worker", f"{time.time() - health.STALE_SECONDS - 5:.3f} old-host")
    body = client.get("/healthz").json()
    assert body["worker"] == {"ok": False, "age_seconds": pytest.approx(health.STALE_SECONDS + 5, abs=2)}
    assert body["status"] == "degraded"


def test_the_beat_tick_is_scheduled_always():
    from epty.celery import beat_schedule

    assert beat_schedule()["health-beat-tick"] == {"task": health.TICK_TASK, "schedule": health.TICK_SECONDS}


def _healthcheck(*args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {**clean, "DJANGO_SETTINGS_MODULE": "epty.settings.local", "REDIS_URL": os.environ["REDIS_URL"]}
    return subprocess.run([sys.executable, "-m", "epty.healthcheck", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_the_beat_healthcheck_fails_without_a_recent_tick_and_passes_with_one():
    missing = _healthcheck("beat")
    health.mark("beat")
    fresh = _healthcheck("beat")
    assert missing.returncode == 1 and "never ticked" in missing.stdout
    assert fresh.returncode == 0 and "healthy" in fresh.stdout


def test_the_web_healthcheck_fails_when_nothing_answers():
    result = _healthcheck("web", "--url", "http://127.0.0.1:9/healthz")
    assert result.returncode == 1 and "unreachable" in result.stdout and "Traceback" not in result.stderr
