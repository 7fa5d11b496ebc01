"""The replica router without a replica (the normal suite): nothing changes; with DATABASE_REPLICA_URL set, the
settings make the alias a test mirror with a short connect timeout. The real replica: test_replica.py."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connections

from accounts.tests.factories import UserFactory
from epty import replica
from properties.models import Property

ROOT = Path(__file__).resolve().parent.parent.parent


def test_migrations_run_on_the_primary_only():
    router = replica.ReplicaRouter()
    assert router.allow_migrate("default", "properties") is True
    assert router.allow_migrate("replica", "properties") is False


def test_without_a_replica_reads_and_writes_use_the_primary_even_when_opted_in():
    router = replica.ReplicaRouter()
    assert router.db_for_read(Property) == "default" and router.db_for_write(Property) == "default"
    with replica.replica_reads():
        assert router.db_for_read(Property) == "default"
    assert replica.replica_status().state == "not_configured"


@pytest.mark.django_db
def test_without_a_replica_no_cookie_is_set_and_healthz_says_not_configured(client):
    client.force_login(UserFactory())
    created = client.post("/api/v1/collections", {"name": "Hytter"}, content_type="application/json")
    assert created.status_code == 201
    assert replica.COOKIE not in created.cookies
    body = client.get("/healthz").json()
    assert body["replica"] == {"state": "not_configured", "ok": True}
    assert "replica" not in connections.settings


def test_the_replica_url_makes_a_mirrored_alias_with_a_short_connect_timeout():
    env = {**os.environ, "DATABASE_REPLICA_URL": "postgres://reader:secret@replica.example:6432/epty",
           "DJANGO_SETTINGS_MODULE": "epty.settings.test"}
    code = ("from django.conf import settings as s; r = s.DATABASES['replica']; "
            "print(r['HOST'], r['PORT'], r['NAME'], r['OPTIONS']['connect_timeout'], r['TEST']['MIRROR'], "
            "s.DATABASE_REPLICA_READS, s.DATABASE_ROUTERS)")
    result = subprocess.run([sys.executable, "manage.py", "shell", "-v0", "--no-imports", "-c", code], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(None, 6) == ["replica.example", "6432", "epty", "2", "default", "False",
                                            "['epty.replica.ReplicaRouter']\n"]


def test_the_recommendation_post_is_marked_read_only_and_writes_are_not():
    from django.urls import resolve

    assert replica._read_only_view(resolve("/api/v1/ai/recommend").func)
    assert not replica._read_only_view(resolve("/api/v1/collections").func)
