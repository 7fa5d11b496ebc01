"""Deployment files, settings, health and API schema."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from epty.settings.env import VARIABLES

ROOT = Path(__file__).resolve().parent.parent.parent
APP_SERVICES = {"web", "worker", "beat", "migrate", "bootstrap"}


def test_ci_runs_against_postgresql_and_redis():
    """In CI the suite must run on the real services, never silently on SQLite."""
    from django.conf import settings
    from django.db import connection

    if not os.environ.get("CI"):
        pytest.skip("only meaningful in CI, where DATABASE_URL and REDIS_URL are set by .ci/run")
    assert connection.vendor == "postgresql"
    assert settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_web_worker_beat_postgres_and_redis_with_health_checks():
    compose = _compose()
    services = compose["services"]
    assert set(services) == APP_SERVICES | {"db", "redis", "proxy"}
    for name, service in services.items():
        if name not in {"migrate", "bootstrap"}:  # one-shot: they exit when done
            assert "healthcheck" in service, f"{name} has no health check"
    images = {services[name]["image"] for name in APP_SERVICES}
    assert len(images) == 1, "web, worker and beat must run one image"
    assert services["db"]["image"].startswith("postgres:15") and services["proxy"]["image"].startswith("caddy:")
    assert "ports" not in services["web"], "web is reached through the proxy only (it trusts X-Forwarded-Proto)"
    assert services["redis"]["image"].startswith("redis:")
    assert "gunicorn epty.wsgi:application" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A epty worker")
    assert services["beat"]["command"].startswith("celery -A epty beat")
    named = set(compose["volumes"])
    used = {v.split(":")[0] for s in services.values() for v in s.get("volumes", []) if not v.startswith("./")}
    assert used == named, "every volume is a named volume, and every named volume is used"


def test_compose_environment_matches_the_settings():
    services = _compose()["services"]
    for name in APP_SERVICES:
        env = services[name]["environment"]
        unknown = set(env) - set(VARIABLES)
        assert not unknown, f"{name} sets variables the settings never read: {unknown}"
        assert env["DJANGO_SETTINGS_MODULE"] == "epty.settings.production"
        assert re.fullmatch(r"postgres://epty:\$\{POSTGRES_PASSWORD[^}]*\}@db:5432/epty", env["DATABASE_URL"])
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert services[name]["env_file"] == ".env"
    db_env = services["db"]["environment"]
    assert db_env["POSTGRES_DB"] == "epty" and db_env["POSTGRES_USER"] == "epty"


def test_env_example_lists_every_variable_the_settings_read():
    listed = {line.split("=", 1)[0] for line in (ROOT / ".env.example").read_text().splitlines()
              if line and not line.startswith("#")}
    assert listed - {"POSTGRES_PASSWORD"} == set(VARIABLES)


def test_env_example_asks_the_operator_for_three_values_only():
    lines = (ROOT / ".env.example").read_text().splitlines()
    asked = [next(after for after in lines[i:] if not after.startswith("#")).split("=")[0]
             for i, line in enumerate(lines) if line.startswith("# FILL IN")]
    assert asked == ["EPTY_HOST", "DJANGO_SECRET_KEY", "POSTGRES_PASSWORD"]
    values = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    assert values["MATRIKKEL_SOURCE"] == "rest" and values["SITE_URL"] == ""  # SITE_URL follows EPTY_HOST


def test_every_variable_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in VARIABLES if f"`{name}`" not in readme]
    assert not missing


def test_settings_read_the_environment_only_through_the_registry():
    for path in (ROOT / "epty" / "settings").glob("*.py"):
        if path.name != "env.py":
            assert "os.environ" not in path.read_text(), path


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # A production process sees only what it is given (no test-only switches such as DJANGO_ALLOW_ASYNC_UNSAFE).
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", DJANGO_SETTINGS_MODULE="epty.settings.production")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(("env", "message"), [
    ({"MATRIKKEL_SOURCE": "standin"}, "MATRIKKEL_SOURCE must be soap or rest"),
    ({"MATRIKKEL_SOURCE": "soap"}, "needs MATRIKKEL_USERNAME and MATRIKKEL_PASSWORD"),
])
def test_production_refuses_the_matrikkelen_standin_and_soap_without_credentials(env, message):
    result = _manage("check", DJANGO_SETTINGS_MODULE="epty.settings.production",
                     DJANGO_SECRET_KEY="k" * 20 + "-production-test-key-0123456789-abcdefghij", **env)
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize(("source", "scheduled"), [("rest", False), ("soap", True)])
def test_production_polls_the_matrikkel_change_log_only_from_a_source_that_has_one(source, scheduled):
    result = _manage("shell", "-v0", "--no-imports", "-c",
                     "from epty.celery import beat_schedule; print(sorted(beat_schedule()))",
                     DJANGO_SETTINGS_MODULE="epty.settings.production", MATRIKKEL_SOURCE=source,
                     MATRIKKEL_USERNAME="u", MATRIKKEL_PASSWORD="p",
                     DJANGO_SECRET_KEY="k" * 20 + "-production-test-key-0123456789-abcdefghij")
    assert result.returncode == 0, result.stderr
    entries = result.stdout
    assert "valuation-weekly-retrain" in entries
    assert ("matrikkel-sync-incremental" in entries) is scheduled


def test_production_settings_pass_check_deploy():
    result = _manage("check", "--deploy", "--fail-level", "WARNING",
                     DJANGO_SETTINGS_MODULE="epty.settings.production",
                     DJANGO_SECRET_KEY="k" * 20 + "-production-test-key-0123456789-abcdefghij",
                     DJANGO_ALLOWED_HOSTS="epty.no")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_healthz_reports_database_and_cache(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["checks"]["database"]["ok"] and body["checks"]["cache"]["ok"]


@pytest.mark.django_db
def test_healthz_is_503_when_the_cache_is_unreachable(client):
    from django.test import override_settings

    dead = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                        "LOCATION": "redis://127.0.0.1:1/0", "OPTIONS": {"socket_connect_timeout": 0.5}}}
    with override_settings(CACHES=dead):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["ok"] is False


def test_openapi_schema_builds_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out), "--validate", "--fail-on-warn")
    schema = yaml.safe_load(out.read_text())
    assert "/api/v1/properties" in schema["paths"]


@pytest.mark.django_db
def test_api_docs_and_schema_are_served(client):
    assert client.get("/api/v1/schema/").status_code == 200
    assert client.get("/api/v1/docs/").status_code == 200


@pytest.mark.django_db
def test_pages_speak_bokmal_by_default_and_english_on_request(client, settings):
    settings.LANGUAGE_CODE = "nb"  # the project's default (tests otherwise run in English)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="")
    assert page.status_code == 200
    assert '<html lang="nb">' in page.text
    assert "Søk" in page.text
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/")
    assert '<html lang="en">' in page.text
    assert "Search every property in Norway" in page.text
