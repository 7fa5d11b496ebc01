"""Read traffic on a real PostgreSQL streaming replica (epty/replica.py).

`make test-replica` runs this module: it copies this machine's PostgreSQL with pg_basebackup into a second
cluster on port 5433 (epty/tests/streaming_replica.py), points DATABASE_REPLICA_URL there and checks, against
that real replica: reads of read requests come from it, a person's reads right after their own write come from
the primary, a stopped replica or one that lags falls back to the primary without a 500, and /healthz says so.
The normal suite deselects it (marker `replica`, pytest.ini). Without a replica that can be made, it fails.
"""
from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from epty import replica
from epty.tests.streaming_replica import ReplicaError, StreamingReplica
from properties.models import Property
from properties.tests.factories import PropertyFactory

pytestmark = [pytest.mark.replica,
              pytest.mark.django_db(transaction=True, databases=["default", "replica"])]


@pytest.fixture(scope="session")
def streaming_replica() -> Iterator[StreamingReplica]:
    from django.conf import settings

    if "replica" not in settings.DATABASES:
        pytest.fail("DATABASE_REPLICA_URL is not set: run these tests with `make test-replica`")
    configured = settings.DATABASES["replica"]
    node = StreamingReplica(port=int(configured["PORT"]))
    try:
        node.create()
        print(f"\nstreaming replica on port {node.port}: pg_basebackup took {node.basebackup_seconds:.1f} s")
    except (ReplicaError, OSError) as exc:
        node.destroy()
        pytest.fail(f"could not make a streaming replica on port {node.port}: {exc}")
    yield node
    node.destroy()


@pytest.fixture(scope="session")
def django_db_setup(streaming_replica, django_db_setup):
    """The replica runs before the test database is created on the primary: it arrives there by replication."""
    yield


@pytest.fixture
def node(streaming_replica, settings) -> Iterator[StreamingReplica]:
    settings.DATABASE_REPLICA_READS = True
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 3600.0  # a paused replica still counts as current unless a test says
    settings.DATABASE_REPLICA_STICKY_SECONDS = 15
    if not (streaming_replica.datadir and (streaming_replica.datadir / "postmaster.pid").exists()):
        streaming_replica.start()  # a test before stopped it (that test runs last, so normally never)
    streaming_replica.resume_replay()
    replica.replica_status_forget()
    streaming_replica.wait_caught_up()
    yield streaming_replica
    if streaming_replica.datadir and (streaming_replica.datadir / "postmaster.pid").exists():
        streaming_replica.resume_replay()  # before the test database is flushed on the primary
    replica.replica_status_forget()


def _queries(context: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in context.captured_queries if "properties_property" in q["sql"]]


def _get(client: Client, path: str):
    with CaptureQueriesContext(connections["default"]) as primary, \
            CaptureQueriesContext(connections["replica"]) as secondary:
        response = client.get(path)
    return response, _queries(primary), _queries(secondary)


def test_the_replica_is_a_real_standby_of_the_test_database(node):
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), current_database(), current_setting('port')")
        in_recovery, database, port = cursor.fetchone()
    assert in_recovery is True and port == str(node.port)
    assert database == connections["default"].settings_dict["NAME"]


def test_a_read_request_is_answered_from_the_replica(node, client):
    prop = PropertyFactory(address="Replikaveien 1")
    node.wait_caught_up()
    # Proof that the replica answers, not the primary: stop its replay, change the row on the primary; the
    # page shows the replica's (old) copy.
    node.pause_replay()
    Property.objects.filter(pk=prop.pk).update(address="Primærveien 1")

    response, on_primary, on_replica = _get(client, f"/api/v1/properties/{prop.pk}")

    assert response.status_code == 200
    assert response.json()["address"] == "Replikaveien 1"
    assert on_replica and not on_primary
    node.resume_replay()
    node.wait_caught_up()
    assert _get(client, f"/api/v1/properties/{prop.pk}")[0].json()["address"] == "Primærveien 1"


def test_search_lists_and_the_map_read_the_replica(node, client):
    PropertyFactory.create_batch(3)
    node.wait_caught_up()
    for path in ("/api/v1/properties?municipality=0301", "/api/v1/properties/map?zoom=5&view=4.0,57.5,31.5,71.5", "/"):
        response, on_primary, on_replica = _get(client, path)
        assert response.status_code == 200, path
        assert on_replica and not on_primary, path


def test_a_person_reads_from_the_primary_after_their_own_write_then_the_replica_after_the_window(node, settings):
    settings.DATABASE_REPLICA_STICKY_SECONDS = 2
    prop = PropertyFactory(address="Gammelveien 2")
    client = Client()
    client.force_login(UserFactory())
    node.wait_caught_up()
    node.pause_replay()  # from here the replica shows nothing new: what a page shows tells where it was read
    Property.objects.filter(pk=prop.pk).update(address="Nyveien 2")

    created = client.post("/api/v1/collections", {"name": "Hytter"}, content_type="application/json")
    assert created.status_code == 201
    assert replica.COOKIE in created.cookies

    with CaptureQueriesContext(connections["replica"]) as on_replica:
        own = client.get("/api/v1/collections")
        page = client.get(f"/api/v1/properties/{prop.pk}")
    assert "Hytter" in [c["name"] for c in own.json()["results"]], "their own write, at once"
    assert page.json()["address"] == "Nyveien 2"
    assert not on_replica.captured_queries, "inside the window nothing is read from the replica"

    time.sleep(2.2)
    response, on_primary, on_replica_later = _get(client, f"/api/v1/properties/{prop.pk}")
    assert response.status_code == 200
    assert on_replica_later and not on_primary, "after the window their reads go to the replica again"
    assert response.json()["address"] == "Gammelveien 2", "(the paused replica's copy)"


def test_an_api_client_without_cookies_reads_its_own_write_and_a_new_token_works_at_once(node):
    from accounts.services import api_token_create

    prop = PropertyFactory(address="Gammelveien 3")
    user = UserFactory()
    node.wait_caught_up()
    node.pause_replay()  # the replica sees neither the token nor the change below
    _token, plain = api_token_create(user=user, name="script")
    Property.objects.filter(pk=prop.pk).update(address="Nyveien 3")
    auth = {"HTTP_AUTHORIZATION": f"Token {plain}"}

    listed = Client().get("/api/v1/collections", **auth)  # a GET on the replica: the token is read on the primary
    assert listed.status_code == 200
    created = Client().post("/api/v1/collections", {"name": "Skript"}, content_type="application/json", **auth)
    assert created.status_code == 201

    with CaptureQueriesContext(connections["replica"]) as on_replica:
        page = Client().get(f"/api/v1/properties/{prop.pk}", **auth)  # no cookie sent
    assert page.json()["address"] == "Nyveien 3" and not on_replica.captured_queries
    response, on_primary, on_replica_other = _get(Client(), f"/api/v1/properties/{prop.pk}")  # anonymous
    assert response.json()["address"] == "Gammelveien 3" and on_replica_other and not on_primary


def test_another_person_is_not_held_on_the_primary_by_someone_elses_write(node):
    writer, reader = Client(), Client()
    writer.force_login(UserFactory())
    assert writer.post("/api/v1/collections", {"name": "Mine"}, content_type="application/json").status_code == 201
    prop = PropertyFactory()
    node.wait_caught_up()
    response, on_primary, on_replica = _get(reader, f"/api/v1/properties/{prop.pk}")
    assert response.status_code == 200 and on_replica and not on_primary


def test_a_lagging_replica_falls_back_to_the_primary_and_healthz_says_lagging(node, settings, client):
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 1.0
    prop = PropertyFactory(address="Gammelveien 1")
    node.wait_caught_up()
    node.pause_replay()
    Property.objects.filter(pk=prop.pk).update(address="Nyveien 1")
    time.sleep(1.5)
    replica.replica_status_forget()

    response, on_primary, on_replica = _get(client, f"/api/v1/properties/{prop.pk}")

    assert response.status_code == 200
    assert response.json()["address"] == "Nyveien 1", "fresh: read from the primary"
    assert on_primary and not on_replica
    health = client.get("/healthz")
    assert health.status_code == 200
    body = health.json()
    assert body["replica"]["state"] == "lagging" and body["replica"]["lag_seconds"] > 1.0
    assert body["status"] != "unavailable"


def test_healthz_reports_a_current_replica_as_ok(node, client):
    body = client.get("/healthz").json()
    assert body["replica"]["state"] == "ok" and body["replica"]["ok"] is True


def test_tasks_and_commands_read_the_primary_unless_they_opt_in(node):
    prop = PropertyFactory(address="Oppgaveveien 1")
    node.wait_caught_up()
    node.pause_replay()
    Property.objects.filter(pk=prop.pk).update(address="Oppgaveveien 2")

    assert Property.objects.get(pk=prop.pk).address == "Oppgaveveien 2", "outside a request: the primary"
    with replica.replica_reads():
        assert Property.objects.get(pk=prop.pk).address == "Oppgaveveien 1", "opted in: the replica"
        Property.objects.filter(pk=prop.pk).update(postcode="0151")  # a write ...
        assert Property.objects.get(pk=prop.pk).address == "Oppgaveveien 2", "... then reads from the primary"


def test_a_stopped_replica_falls_back_to_the_primary_without_a_500(node, client):  # last: it stops the replica
    prop = PropertyFactory()
    node.wait_caught_up()
    assert replica.replica_status(fresh=True).state == "ok"  # this process last saw it well
    assert _get(client, f"/api/v1/properties/{prop.pk}")[2], "(the replica's connection is open)"

    node.stop()
    # The cached state still says ok: the request fails on the replica, is re-checked and answered again from
    # the primary. (The test client re-raises the first attempt's error unless told not to.)
    quiet = Client(raise_request_exception=False)
    response = quiet.get(f"/api/v1/properties/{prop.pk}")
    assert response.status_code == 200 and response.json()["id"] == prop.pk
    assert replica.replica_status().state == "down"

    for path in (f"/api/v1/properties/{prop.pk}", "/api/v1/properties?municipality=0301", "/"):
        assert client.get(path).status_code == 200, path
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["replica"]["state"] == "down" and health.json()["status"] == "degraded"
