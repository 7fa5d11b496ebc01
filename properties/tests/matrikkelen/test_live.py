"""The read cache in the user's path: the property page's "Data from Matrikkelen" and the search box's suggestions."""
from __future__ import annotations

import json
import time

import pytest
from django.urls import reverse
from lxml import html

from properties.matrikkelen import lookups
from properties.matrikkelen.cache import stats
from properties.matrikkelen.opendata import matrikkel_open_data_sync
from properties.matrikkelen.sync import matrikkel_sync
from properties.models import Property, SyncRun
from standins.matrikkel.rest import ELVERUM_CSV

pytestmark = pytest.mark.django_db
# Gobakkvegen 438, Elverum: Nord 6770754.69, Øst 310012.98 in EPSG:25833 in the file, in WGS84:
GOBAKKVEGEN_438 = (61.0257147, 11.4832912)


@pytest.fixture
def soap_settings(settings, standin):
    settings.MATRIKKEL_SOURCE = "soap"
    settings.MATRIKKEL_BASE_URL = standin.soap_base_url
    settings.MATRIKKEL_USERNAME = ""
    return settings


@pytest.fixture
def rest_settings(settings, standin):
    settings.MATRIKKEL_SOURCE = "rest"
    settings.MATRIKKEL_REST_BASE_URL = standin.rest_base_url
    standin.rest._all_addresses()  # the stand-in indexes its addresses once
    return settings


def _live_state(response) -> str:
    return html.fromstring(response.content).xpath('//section[@id="matrikkelen-live"]/@data-state')[0]


def _wait_for(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_property_page_reads_matrikkelen_through_the_cache_and_never_waits_for_it(client, source, standin,
                                                                                     soap_settings):
    matrikkel_sync(kind=SyncRun.Kind.FULL, source=source)
    prop = Property.objects.filter(category="residential").order_by("id").first()
    url = reverse("properties:detail", args=[prop.pk])
    standin.calls.clear()

    first = client.get(url)  # a miss: the page answers at once and the fetch runs in the background
    assert first.status_code == 200 and _live_state(first) == "pending"
    _wait_for(lambda: standin.calls["getObjectsIgnoreMissing"] >= 1 and _live_state(client.get(url)) == "fresh")
    calls = sum(standin.calls.values())

    fresh = client.get(url)
    assert _live_state(fresh) == "fresh" and sum(standin.calls.values()) == calls  # from the cache
    assert prop.address.encode() in fresh.content.split(b'id="matrikkelen-live"')[1]

    soap_settings.MATRIKKEL_CACHE_TTL = 0  # every copy is old now
    standin.faults.down = True
    stale = client.get(url)
    assert stale.status_code == 200 and _live_state(stale) == "stale"
    counters = client.get("/healthz").json()["matrikkelen_cache"]
    assert counters["hits"] >= 1 and counters["stale"] >= 1 and counters["misses"] >= 1
    assert 0 < counters["hit_ratio"] < 1 and counters["mean_stale_age_seconds"] >= 0


def test_a_property_matrikkelen_does_not_know_says_so(client, source, standin, soap_settings):
    matrikkel_open_data_sync(path=ELVERUM_CSV)  # real Elverum numbers: not in the stand-in's generated data
    prop = Property.objects.get(external_id="3420-19/1/0/0")
    url = reverse("properties:detail", args=[prop.pk])

    client.get(url)
    _wait_for(lambda: _live_state(client.get(url)) == "not-found")


def test_the_search_box_suggests_real_addresses_with_their_property_through_the_cache(client, standin, rest_settings):
    matrikkel_open_data_sync(path=ELVERUM_CSV)
    farm = Property.objects.get(external_id="3420-19/1/0/0")

    body = client.get("/api/v1/addresses/suggest", {"q": "Gobakkvegen 438, Elverum"}).json()
    again = client.get("/api/v1/addresses/suggest", {"q": "gobakkvegen 438 elverum"}).json()

    first = body["results"][0]
    assert (first["text"], first["postcode"], first["town"], first["matrikkel_number"], first["property_id"]) == (
        "Gobakkvegen 438", "2410", "Hernes", "3420-19/1/0/0", farm.pk)
    assert abs(first["lat"] - GOBAKKVEGEN_438[0]) < 1e-5 and abs(first["lon"] - GOBAKKVEGEN_438[1]) < 1e-5
    assert again["results"] == body["results"] and standin.calls["/adresser/v1/sok"] == 1  # the same words: cached
    assert body["stale"] is False


def test_suggestions_keep_answering_from_the_cache_while_kartverket_is_down(client, standin, rest_settings):
    client.get("/api/v1/addresses/suggest", {"q": "Strandbygdvegen 1300"})
    rest_settings.MATRIKKEL_CACHE_TTL = 0
    standin.faults.down = True

    stale = client.get("/api/v1/addresses/suggest", {"q": "Strandbygdvegen 1300"})
    missing = client.get("/api/v1/addresses/suggest", {"q": "Storgata 9"})

    assert stale.status_code == 200 and stale.json()["stale"] is True and stale.json()["results"]
    assert missing.status_code == 503 and missing.json()["code"] == "upstream_unavailable"


def test_a_too_short_query_is_a_400_with_a_stable_code(client, rest_settings):
    response = client.get("/api/v1/addresses/suggest", {"q": "ab"})

    assert response.status_code == 400 and response.json()["code"] == "invalid_query"


def test_the_admin_shows_the_hit_ratio_and_staleness(admin_client, rest_settings):
    lookups.address_suggestions(text="Strandbygdvegen 1300")
    lookups.address_suggestions(text="Strandbygdvegen 1300")

    page = admin_client.get(reverse("admin:properties_syncrun_changelist"))

    assert b"hit ratio 50.0%" in page.content and b"stale answers" in page.content
    assert stats()["hit_ratio"] == 0.5


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_user_finds_gobakkvegen_438_in_elverum_from_the_search_box_on_the_map_where_it_is(page, live_server, standin,
                                                                                              rest_settings):
    matrikkel_open_data_sync(path=ELVERUM_CSV)
    farm = Property.objects.get(external_id="3420-19/1/0/0")
    page.goto(f"{live_server.url}/")

    page.fill("#search-form input[name=q]", "Gobakkvegen 438, Elverum")
    page.wait_for_selector("#address-suggestions li")
    page.click("#address-suggestions li >> nth=0")
    page.wait_for_url(f"**/properties/{farm.pk}/")

    markers = json.loads(page.locator("#markers-data").text_content())
    gobakk = next(m for m in markers if m["title"].startswith("Gobakkvegen 438"))
    assert abs(gobakk["lat"] - GOBAKKVEGEN_438[0]) < 1e-5 and abs(gobakk["lon"] - GOBAKKVEGEN_438[1]) < 1e-5
    assert page.locator(".leaflet-marker-icon").count() == len(markers) == 2
