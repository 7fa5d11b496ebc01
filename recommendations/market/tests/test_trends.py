"""SSB PxWeb client (loopback server with the recorded answer), platform index, trends API and pages."""
from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rest_framework.test import APIClient

from recommendations.market import ssb
from recommendations.market.models import MarketTrend
from recommendations.market.services import market_trends_refresh
from recommendations.market.tasks import market_trends_refresh_task

from .catalogue import make_property, make_sales


@pytest.fixture
def ssb_server():
    """A loopback PxWeb stand-in serving the recorded json-stat2 answers; counts the POSTs it gets."""
    calls: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            table = self.path.rstrip("/").rsplit("/", 1)[-1]
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            calls.append({"table": table, "body": body})
            payload = json.dumps(ssb.recorded(ssb.TableQuery(table, []))).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/api/v0/no/table/", calls
    server.shutdown()


def test_recorded_answer_parses_into_ssb_rows():
    rows = ssb.parse(ssb.recorded(ssb.PRICE_INDEX))
    bergen = {r["Tid"][0]: r["value"] for r in rows if r["Region"][1] == "Bergen"}
    assert len(bergen) == 14 and round(bergen["2024K4"] / bergen["2023K4"] - 1, 3) == 0.103


def test_client_posts_a_json_stat2_query_and_caches_the_answer(db, ssb_server):
    base_url, calls = ssb_server
    first = ssb.fetch(ssb.PRICE_INDEX, base_url=base_url)
    second = ssb.fetch(ssb.PRICE_INDEX, base_url=base_url)
    assert (first.origin, second.origin) == ("api", "cache")
    assert len(calls) == 1 and calls[0]["table"] == "07221"
    assert calls[0]["body"]["response"] == {"format": "json-stat2"}


def test_client_falls_back_to_last_good_answer_then_recording(db, ssb_server):
    base_url, _calls = ssb_server
    ssb.fetch(ssb.PRICE_INDEX, base_url=base_url)
    from django.core.cache import cache

    cache.delete(ssb._cache_key(ssb.PRICE_INDEX, base_url))  # fresh copy expired
    # Same key, server gone: the last good answer is used.
    ssb_server_dead = base_url
    import requests

    original = requests.post
    requests.post = lambda *a, **k: (_ for _ in ()).throw(requests.ConnectionError("down"))
    try:
        assert ssb.fetch(ssb.PRICE_INDEX, base_url=ssb_server_dead).origin == "stale-cache"
        assert ssb.fetch(ssb.PRICE_PER_M2, base_url="http://127.0.0.1:9/").origin == "recorded"
    finally:
        requests.post = original


def test_refresh_stores_ssb_and_platform_index_and_api_serves_it(db, ssb_server):
    base_url, _calls = ssb_server
    homes = [make_property(municipality="5001", category="residential", area=100 + i) for i in range(25)]
    for home in homes:
        make_sales(home, start_year=2022, quarters=16, growth=0.025)
    result = market_trends_refresh(base_url=base_url)
    assert result["ssb_origin"] == {"07221": "api", "06035": "api"} and result["platform_rows"] > 0
    assert (
        MarketTrend.objects.filter(source="platform", region_code="5001", metric="index", dwelling_type="all").count()
        == 16
    )

    response = APIClient().get("/api/v1/market/trends", {"region": "trondheim"})
    assert response.status_code == 200
    body = response.json()
    assert body["region"] == {"kind": "municipality", "code": "5001", "name": "Trondheim"}
    sources = {(s["source"], s["metric"]) for s in body["series"]}
    assert ("ssb", "index") in sources and ("platform", "index") in sources
    assert body["change_1y"]["source"] == "ssb" and body["change_1y"]["region_name"] == "Trondheim"
    # A county has no SSB series of its own here: epty's sales give the yearly change (+10.4 % from 2.5 %/quarter).
    county = APIClient().get("/api/v1/market/trends", {"region": "Trøndelag"}).json()
    assert county["change_1y"]["source"] == "platform" and 0.09 < county["change_1y"]["value"] < 0.12


def test_unknown_region_is_400_with_suggestions(db):
    response = APIClient().get("/api/v1/market/trends", {"region": "Bergn"})
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_region" and "Bergen" in response.json()["extra"]["suggestions"]


def test_without_region_the_api_shows_norway(db):
    market_trends_refresh(base_url="http://127.0.0.1:9/")
    body = APIClient().get("/api/v1/market/trends").json()
    assert body["region"]["code"] == "NO" and body["change_1y"]["region_name"] == "Norge"


def test_daily_task_is_scheduled_and_safe_to_run_twice(db, settings):
    from epty.celery import beat_schedule

    assert beat_schedule()["recommendations.market_trends_refresh"]["task"] == market_trends_refresh_task.name
    settings.SSB_BASE_URL = "http://127.0.0.1:9/"
    first = market_trends_refresh_task.apply().get()
    count = MarketTrend.objects.count()
    second = market_trends_refresh_task.apply().get()
    assert first == second and MarketTrend.objects.count() == count > 0


def test_trends_page_and_property_page_show_the_chart(client, db):
    market_trends_refresh(base_url="http://127.0.0.1:9/")
    page = client.get("/market/trends/", {"region": "Bergen"})
    assert page.status_code == 200 and b"<polyline" in page.content and b"Bergen" in page.content
    prop = make_property(municipality="4601", category="residential")
    detail = client.get(f"/properties/{prop.id}/")
    assert detail.status_code == 200 and b"trend-chart" in detail.content and b"<polyline" in detail.content


def test_the_trends_page_names_its_sources_in_the_readers_language(client, db):
    market_trends_refresh(base_url="http://127.0.0.1:9/")
    bokmal = client.get("/market/trends/", HTTP_ACCEPT_LANGUAGE="nb").content.decode()
    english = client.get("/market/trends/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "tabell 07221 og 06035" in bokmal and "tables" not in bokmal and "recorded sales" not in bokmal
    assert "tables 07221 and 06035" in english
    # Quarters as each language writes them, and what the legend's change is measured from.
    assert re.search(r"\d{4}K\d", bokmal) and not re.search(r"\d{4}Q\d", bokmal)
    assert re.search(r"% siden \d{4}K\d\)", bokmal) and re.search(r"% since \d{4}Q\d\)", english)


def test_the_refresh_stores_the_amenity_shares_so_no_request_computes_them(db, ssb_server,
                                                                           django_capture_on_commit_callbacks,
                                                                           django_assert_num_queries):
    from properties import reference
    from recommendations.market import selectors

    base_url, _calls = ssb_server
    for i in range(4):
        make_property(municipality="5001", estimate=3_000_000, area=70, features=["sauna"] if i < 3 else [])
    with django_capture_on_commit_callbacks(execute=True):
        market_trends_refresh(base_url=base_url)
    selectors._memo.clear()  # a fresh web process
    with django_assert_num_queries(0):
        shares = selectors.feature_shares()
    assert shares["cabin"][reference.FEATURES.index("sauna")] == pytest.approx(0.75)


def test_the_shared_cache_holds_momentum_as_plain_data_so_moving_code_never_breaks_a_read(db):
    import pickle

    from django.core.cache import cache

    from recommendations.market import selectors

    prop = make_property(municipality="5001", category="residential")
    make_sales(prop, per_quarter=25)
    market_trends_refresh(base_url="http://127.0.0.1:9/")
    momentum = selectors.momentum()
    cached = cache.get(selectors.MOMENTUM_KEY.format(version=cache.get(selectors.TRENDS_VERSION_KEY) or 0))
    assert b"recommendations" not in pickle.dumps(cached)  # no class of ours is pickled into Redis
    assert momentum.national is not None and momentum.for_municipality("5001") is not None
    selectors._memo.clear()  # another process reads what this one cached
    assert selectors.momentum() == momentum
