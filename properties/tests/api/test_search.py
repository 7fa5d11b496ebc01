"""Search through the API, checked against a brute-force Python oracle."""
from __future__ import annotations

import random

import pytest
from django.test import Client

from properties import reference
from properties.geo import haversine_km
from properties.models import Property
from properties.services import property_upsert_many
from properties.tests.factories import make_catalogue, property_row

pytestmark = pytest.mark.django_db

PAGE_SIZE = 7
SORT_FIELDS = {"-estimate": ("estimate", True), "estimate": ("estimate", False), "-area": ("usable_area", True),
               "area": ("usable_area", False), "newest": ("year_built", True), "distance": ("distance", False)}


@pytest.fixture
def catalogue(settings):
    settings.SEARCH_PAGE_SIZE = PAGE_SIZE
    return make_catalogue(420, seed=11)


def fetch_all(client: Client, params: dict) -> list[int]:
    """Follow `next` links to the end; return the ids in the order served."""
    response = client.get("/api/v1/properties", params)
    assert response.status_code == 200, response.content
    body = response.json()
    ids = [r["id"] for r in body["results"]]
    while body["next"]:
        response = client.get(body["next"])
        assert response.status_code == 200, response.content
        body = response.json()
        ids += [r["id"] for r in body["results"]]
    return ids


def oracle(properties: list[Property], params: dict) -> list[int]:
    """The meaning of every filter and sort, written the slow, obvious way."""
    def keep(p: Property) -> bool:
        if "municipality" in params:
            wanted = {n for v in params["municipality"].split(",") for n in reference.municipality_numbers_for(v)}
            if p.municipality_number not in wanted:
                return False
        if "county" in params and p.county_number not in {
            reference.county_number_for(v) for v in params["county"].split(",")
        }:
            return False
        if "category" in params and p.category not in params["category"].split(","):
            return False
        if "building_type" in params and p.building_type_code not in {
            int(v) for v in params["building_type"].split(",")
        }:
            return False
        for key, attr, op in (("estimate_min", "estimate", "ge"), ("estimate_max", "estimate", "le"),
                              ("area_min", "usable_area", "ge"), ("area_max", "usable_area", "le"),
                              ("rooms_min", "rooms", "ge"), ("bedrooms_min", "bedrooms", "ge"),
                              ("year_min", "year_built", "ge"), ("year_max", "year_built", "le")):
            if key in params:
                value = getattr(p, attr)
                if value is None or (value < int(params[key]) if op == "ge" else value > int(params[key])):
                    return False
        if "features" in params and not set(params["features"].split(",")) <= set(p.features):
            return False
        if "bbox" in params:
            min_lon, min_lat, max_lon, max_lat = map(float, params["bbox"].split(","))
            if not (min_lon <= p.lon <= max_lon and min_lat <= p.lat <= max_lat):
                return False
        if "near" in params and p.distance > float(params["radius_km"]):
            return False
        if "q" in params:
            text = reference.fold(f"{p.address} {p.postcode} {p.town} {p.municipality_name}")
            if not all(word in text for word in reference.fold(params["q"]).split()):
                return False
        return True

    if "near" in params:
        lat, lon = map(float, params["near"].split(","))
        for p in properties:
            p.distance = haversine_km(lat, lon, p.lat, p.lon)
    matches = [p for p in properties if keep(p)]
    field, descending = SORT_FIELDS[params.get("sort", "-estimate")]
    with_value = [p for p in matches if getattr(p, field) is not None]
    without = [p for p in matches if getattr(p, field) is None]
    with_value.sort(key=lambda p: (getattr(p, field), p.id), reverse=descending)
    without.sort(key=lambda p: p.id, reverse=descending)
    return [p.id for p in with_value + without]


OSLO, BERGEN = reference.municipalities()["0301"], reference.municipalities()["4601"]
CASES = [
    {},
    {"sort": "estimate"},
    {"sort": "-area"},
    {"sort": "area"},
    {"sort": "newest"},
    {"municipality": "0301"},
    {"municipality": "bergen,Røros"},
    {"municipality": "ROROS", "sort": "area"},
    {"county": "Vestland"},
    {"county": "03,55"},
    {"category": "cabin"},
    {"category": "residential,commercial", "sort": "newest"},
    {"building_type": "111,161"},
    {"estimate_min": "5000000"},
    {"estimate_max": "3000000", "sort": "estimate"},
    {"estimate_min": "4000000", "estimate_max": "4000000"},  # edge: exactly one value
    {"area_min": "100", "area_max": "200", "sort": "-area"},
    {"area_min": "25", "area_max": "25"},
    {"rooms_min": "4"},
    {"bedrooms_min": "3", "sort": "area"},
    {"year_min": "1990", "year_max": "2000", "sort": "newest"},
    {"year_min": "2025"},
    {"features": "sauna"},
    {"features": "waterfront,jetty"},
    {"bbox": f"{OSLO.lon - 0.05},{OSLO.lat - 0.04},{OSLO.lon + 0.1},{OSLO.lat + 0.05}"},
    {"near": f"{OSLO.lat},{OSLO.lon}", "radius_km": "5", "sort": "distance"},
    {"near": f"{BERGEN.lat},{BERGEN.lon}", "radius_km": "50"},
    {"near": f"{OSLO.lat},{OSLO.lon}", "radius_km": "80", "sort": "distance", "category": "residential"},
    {"q": "storgata"},
    {"q": "BØGATA 1"},
    {"q": "bogata"},
    {"q": "Fjordvegen", "municipality": "Tromsø"},
    {"municipality": "0301,4601", "category": "residential", "area_min": "60", "features": "balcony", "sort": "-area"},
    {"county": "Oslo", "estimate_min": "2000000", "estimate_max": "9000000", "rooms_min": "2", "year_min": "1950",
     "sort": "estimate"},
    {"category": "cabin", "features": "sauna,waterfront", "estimate_max": "8000000"},
    {"municipality": "5501", "q": "zzz"},  # nothing matches
]


@pytest.mark.parametrize("params", CASES, ids=[str(c) for c in CASES])
def test_every_filter_and_sort_matches_the_oracle(client, catalogue, params):
    expected = oracle(catalogue, params)
    served = fetch_all(client, params)
    assert served == expected
    assert len(served) == len(set(served))


def test_the_cases_exercise_real_matches(catalogue):
    """Guard against an oracle that agrees because everything is empty."""
    non_empty = sum(1 for params in CASES if oracle(catalogue, params))
    assert non_empty >= len(CASES) - 2


def test_random_filter_combinations_match_the_oracle(client, catalogue):
    rng = random.Random(5)
    options = {
        "municipality": ["0301", "Bergen", "Tromsø,Hvaler"], "category": ["residential", "cabin"],
        "estimate_min": ["2000000", "6000000"], "estimate_max": ["7000000", "11000000"],
        "area_min": ["50", "150"], "rooms_min": ["2", "5"], "year_min": ["1950", "2000"],
        "features": ["garage", "view,balcony"], "sort": list(SORT_FIELDS)[:-1], "q": ["gata", "veien 1"],
    }
    for _ in range(25):
        params = {key: rng.choice(values) for key, values in rng.sample(sorted(options.items()), rng.randint(1, 4))}
        assert fetch_all(client, params) == oracle(catalogue, params), params


def test_count_reports_all_matches_when_asked_for(client, catalogue):
    body = client.get("/api/v1/properties", {"category": "cabin", "count": "true"}).json()
    assert body["count"] == len(oracle(catalogue, {"category": "cabin"}))
    assert body["count_is_exact"] is True
    assert client.get("/api/v1/properties", {"category": "cabin"}).json()["count"] is None


def test_count_is_capped(client, catalogue, monkeypatch):
    from properties.search import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 10)
    body = client.get("/api/v1/properties", {"count": "1"}).json()
    assert (body["count"], body["count_is_exact"]) == (10, False)


def test_cursor_pages_return_every_match_exactly_once_while_rows_are_inserted(client, catalogue):
    params = {"sort": "-estimate"}
    before = set(oracle(catalogue, params))
    body = client.get("/api/v1/properties", params).json()
    seen = [r["id"] for r in body["results"]]
    rng = random.Random(99)
    inserted = 0
    while body["next"]:
        # New rows land everywhere in the order: above, at and below the cursor.
        rows = [property_row(rng, 10_000 + inserted + i) for i in range(5)]
        inserted += len(rows)
        result = property_upsert_many(rows=rows)
        for i, pk in enumerate(result.ids.values()):
            Property.objects.filter(pk=pk).update(estimate=[None, 1_000_000, 6_000_000, 12_000_000, 4_000_000][i])
        body = client.get(body["next"]).json()
        seen += [r["id"] for r in body["results"]]
    assert len(seen) == len(set(seen)), "a property was served twice"
    assert before <= set(seen), "a property that matched all along was skipped"


def test_list_runs_a_constant_number_of_queries(client, catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):  # the page's keys, then its rows: no count unless asked for
        first = client.get("/api/v1/properties", {"municipality": "Oslo", "features": "garage"}).json()
    with django_assert_max_num_queries(3):  # the capped count, keys and rows
        client.get("/api/v1/properties", {"municipality": "Oslo", "features": "garage", "count": "true"})
    with django_assert_max_num_queries(3):  # keys, at the end of the sort values the NULL block's keys, rows
        client.get(first["next"])


def test_detail_returns_the_property_with_its_payload(client, catalogue):
    prop = catalogue[0]
    body = client.get(f"/api/v1/properties/{prop.id}").json()
    assert body["external_id"] == prop.external_id
    assert body["upstream_payload"] == prop.upstream_payload
    assert body["is_synthetic"] is True


def test_detail_of_a_missing_property_is_a_coded_404(client):
    response = client.get("/api/v1/properties/999999")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


BAD_INPUTS = [
    ({"estimate_min": "9", "estimate_max": "1"}, "estimate_min", "min_gt_max"),
    ({"area_min": "300", "area_max": "20"}, "area_min", "min_gt_max"),
    ({"year_min": "2020", "year_max": "1990"}, "year_min", "min_gt_max"),
    ({"estimate_min": "lots"}, "estimate_min", "invalid_number"),
    ({"rooms_min": "-1"}, "rooms_min", "out_of_range"),
    ({"year_min": "99999"}, "year_min", "out_of_range"),
    ({"category": "castle"}, "category", "unknown_category"),
    ({"municipality": "Atlantis"}, "municipality", "unknown_municipality"),
    ({"municipality": "9999"}, "municipality", "unknown_municipality"),
    ({"county": "Narnia"}, "county", "unknown_county"),
    ({"building_type": "abc"}, "building_type", "unknown_building_type"),
    ({"building_type": "998"}, "building_type", "unknown_building_type"),
    ({"features": "pool"}, "features", "unknown_feature"),
    ({"bbox": "1,2,3"}, "bbox", "invalid_bbox"),
    ({"bbox": "10,60,9,61"}, "bbox", "invalid_bbox"),
    ({"bbox": "a,b,c,d"}, "bbox", "invalid_bbox"),
    ({"bbox": "nan,1,2,3"}, "bbox", "invalid_bbox"),
    ({"bbox": "-170,-80,170,80"}, "bbox", "bbox_too_large"),
    ({"near": "59.9", "radius_km": "5"}, "near", "invalid_point"),
    ({"near": "95,10", "radius_km": "5"}, "near", "invalid_point"),
    ({"near": "59.9,10.7", "radius_km": "500"}, "radius_km", "radius_out_of_range"),
    ({"near": "59.9,10.7", "radius_km": "0"}, "radius_km", "radius_out_of_range"),
    ({"near": "59.9,10.7", "radius_km": "far"}, "radius_km", "invalid_number"),
    ({"radius_km": "5"}, "radius_km", "radius_needs_point"),
    ({"near": "59.9,10.7"}, "near", "point_needs_radius"),
    ({"sort": "distance"}, "sort", "distance_needs_point"),
    ({"sort": "price"}, "sort", "invalid_sort"),
    ({"q": "x"}, "q", "invalid_query"),
    ({"q": "y" * 101}, "q", "invalid_query"),
    ({"colour": "blue"}, "colour", "unknown_parameter"),
    ({"cursor": "not-a-cursor"}, "cursor", "invalid_cursor"),
    ({"municipality": ",".join(["0301"] * 21)}, "municipality", "too_many_values"),
]


@pytest.mark.parametrize(("params", "field", "code"), BAD_INPUTS, ids=[b[2] + ":" + str(b[0])[:40] for b in BAD_INPUTS])
def test_bad_input_gets_400_with_a_stable_code_per_field(client, params, field, code):
    response = client.get("/api/v1/properties", params)
    assert response.status_code == 400
    body = response.json()
    assert body["extra"]["fields"][field][0]["code"] == code
    assert body["message"]


def test_a_cursor_from_another_sort_is_refused(client, catalogue):
    next_url = client.get("/api/v1/properties", {"sort": "estimate"}).json()["next"]
    cursor = next_url.split("cursor=")[1]
    response = client.get("/api/v1/properties", {"sort": "-area", "cursor": cursor})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


def test_retired_properties_are_not_found_by_search_but_keep_their_page(client, catalogue):
    from django.utils import timezone

    prop = catalogue[0]
    Property.objects.filter(pk=prop.pk).update(retired_at=timezone.now())
    assert prop.id not in fetch_all(client, {})
    assert client.get(f"/api/v1/properties/{prop.id}").status_code == 200
