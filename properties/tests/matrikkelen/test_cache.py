"""The read cache in front of Kartverket: one upstream call per key, stale answers while it is down."""
from __future__ import annotations

import threading
import time

import pytest
from django.urls import reverse

from properties.matrikkelen.cache import cached_read, stats
from properties.matrikkelen.rest import RestSource
from properties.matrikkelen.sync import matrikkel_lookup
from standins import demo

from .conftest import COUNT, SEED

pytestmark = pytest.mark.django_db


def _ident(standin) -> str:
    unit = standin.dataset.get(demo.MATRIKKELENHET_ID_OFFSET + 5)
    return f"{unit['kommunenummer']}-{unit['gnr']}/{unit['bnr']}/0/0"


def test_a_hundred_concurrent_reads_of_one_cold_key_make_exactly_one_upstream_call(source, standin):
    ident = _ident(standin)
    source.building_type_codes()  # WSDLs and code lists loaded: count lookups only
    standin.faults.delay = 0.2  # a slow Kartverket widens the window for a stampede
    standin.calls.clear()
    barrier = threading.Barrier(100)
    answers, errors = [], []

    def read():
        barrier.wait()
        try:
            answers.append(matrikkel_lookup(ident=ident, source=source))
        except Exception as exc:  # noqa: BLE001 - every failure is collected; the test asserts none
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(100)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert standin.calls["findMatrikkelenhetIdForIdent"] == 1
    assert len(answers) == 100 and all(a.value["id"] == answers[0].value["id"] and not a.stale for a in answers)


def test_with_kartverket_down_a_cached_read_still_answers_and_says_it_is_stale(source, standin, settings):
    ident = _ident(standin)
    first = matrikkel_lookup(ident=ident, source=source)
    settings.MATRIKKEL_CACHE_TTL = 0  # every copy is now old
    standin.faults.down = True

    answer = matrikkel_lookup(ident=ident, source=source)

    assert answer.stale and answer.value == first.value
    time.sleep(0.3)  # the background refresh fails; the copy stays
    again = matrikkel_lookup(ident=ident, source=source)
    assert again.stale and again.value == first.value


def test_an_old_copy_is_served_at_once_and_refreshed_in_the_background(source, standin, settings):
    ident = _ident(standin)
    matrikkel_lookup(ident=ident, source=source)
    settings.MATRIKKEL_CACHE_TTL = 0
    calls = standin.calls["findMatrikkelenhetIdForIdent"]

    answer = matrikkel_lookup(ident=ident, source=source)

    assert answer.stale
    deadline = time.monotonic() + 5
    while standin.calls["findMatrikkelenhetIdForIdent"] == calls and time.monotonic() < deadline:
        time.sleep(0.02)
    assert standin.calls["findMatrikkelenhetIdForIdent"] == calls + 1


def test_not_found_is_cached_briefly(source, standin, settings):
    settings.MATRIKKEL_CACHE_NEGATIVE_TTL = 1

    assert not matrikkel_lookup(ident="0301-99999/1/0/0", source=source).found
    assert not matrikkel_lookup(ident="0301-99999/1/0/0", source=source).found
    assert standin.calls["findMatrikkelenhetIdForIdent"] == 1
    time.sleep(1.1)
    matrikkel_lookup(ident="0301-99999/1/0/0", source=source)
    assert standin.calls["findMatrikkelenhetIdForIdent"] == 2


def test_a_miss_with_kartverket_down_and_no_copy_raises(standin, db):
    calls = []

    def fetch():
        calls.append(1)
        raise RuntimeError("down")

    with pytest.raises(RuntimeError):
        cached_read("test:down", fetch)
    assert calls == [1]


def test_hits_and_misses_are_counted_on_healthz(client, source, standin):
    ident = _ident(standin)
    matrikkel_lookup(ident=ident, source=source)
    matrikkel_lookup(ident=ident, source=source)
    matrikkel_lookup(ident=ident, source=source)

    body = client.get(reverse("healthz") if _has_name("healthz") else "/healthz").json()

    assert body["matrikkelen_cache"]["hits"] >= 2 and body["matrikkelen_cache"]["misses"] >= 1
    assert stats()["upstream_calls"] >= 1


def _has_name(name: str) -> bool:
    from django.urls import NoReverseMatch
    try:
        reverse(name)
        return True
    except NoReverseMatch:
        return False


def test_the_open_rest_apis_answer_lookups_in_wgs84(standin, db):
    rest = RestSource(base_url=standin.rest_base_url)
    unit = standin.dataset.get(demo.MATRIKKELENHET_ID_OFFSET + 5)
    ident = f"{unit['kommunenummer']}-{unit['gnr']}/{unit['bnr']}/0/0"
    generated = next(demo.generate(COUNT, SEED)).properties[5]

    record = rest.unit_by_ident(ident)

    assert abs(record["lat"] - generated["lat"]) < 1e-5 and abs(record["lon"] - generated["lon"]) < 1e-5
    assert record["addresses"][0]["postcode"] == generated["postcode"]
    assert rest.unit_by_ident("0301-99999/1/0/0") is None
    assert {"number": "0301", "name": "Oslo"} in rest.municipalities()
