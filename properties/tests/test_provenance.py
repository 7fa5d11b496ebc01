"""Every fact shows where it came from; unknown facts stay unknown on the page, in the API and in search."""
from __future__ import annotations

import pytest
from django.urls import reverse
from lxml import html

from properties.matrikkelen.opendata import matrikkel_open_data_sync
from properties.models import FactSource, Property
from properties.services import property_facts_set_many
from properties.tests.factories import make_catalogue
from standins.matrikkel.rest import ELVERUM_CSV

pytestmark = pytest.mark.django_db


@pytest.fixture
def elverum():
    matrikkel_open_data_sync(path=ELVERUM_CSV)
    return Property.objects.get(external_id="3420-19/1/0/0")


def _facts(response) -> dict[str, tuple[str, str]]:
    tree = html.fromstring(response.content)
    return {dd.get("data-fact"): (" ".join(dd.text_content().split()), dd.get("data-source"))
            for dd in tree.xpath("//dd[@data-fact]")}


def test_a_property_from_the_open_register_shows_its_real_facts_and_says_the_rest_is_unknown(client, elverum):
    response = client.get(reverse("properties:detail", args=[elverum.pk]))

    assert response.status_code == 200
    facts = _facts(response)
    assert facts["address"][0].startswith("Strandbygdvegen 1300, 2411 Elverum")
    assert facts["address"][1] == FactSource.OPEN_REGISTER and "open address register" in facts["address"][0]
    for name in ("category", "usable_area", "rooms", "bedrooms", "year_built"):
        assert facts[name][0] == "Unknown (not in Kartverket's open address register)", name
    assert facts["features"][0].startswith("Unknown")
    assert b"Gobakkvegen 438, 2410 Hernes" in response.content  # its other address
    assert b"badge synthetic" not in response.content


def test_synthetic_facts_are_marked_one_by_one(client, elverum):
    property_facts_set_many(facts={elverum.external_id: {"category": "residential", "usable_area": 131,
                                                         "features": ["sauna"]}}, source=FactSource.DEMO)

    facts = _facts(client.get(reverse("properties:detail", args=[elverum.pk])))

    assert facts["usable_area"] == ("131 m² Synthetic", FactSource.DEMO)
    assert facts["features"] == ("Sauna Synthetic", FactSource.DEMO)  # the tag as a person reads it
    assert facts["address"][1] == FactSource.OPEN_REGISTER and "Synthetic" not in facts["address"][0]
    assert facts["rooms"][0].startswith("Unknown")


def test_the_api_gives_each_fact_its_source_and_unknown_as_null(client, elverum):
    body = client.get(f"/api/v1/properties/{elverum.pk}").json()

    assert body["category"] is None and body["usable_area"] is None and body["features"] == []
    assert body["fact_sources"]["usable_area"] == "open_register" and "features" not in body["fact_sources"]
    assert {a["text"] for a in body["addresses"]} == {"Strandbygdvegen 1300", "Gobakkvegen 438"}
    assert body["is_synthetic"] is False


def test_a_search_for_an_address_with_its_town_finds_the_property_by_any_of_its_addresses(client, elverum):
    body = client.get("/api/v1/properties", {"q": "Gobakkvegen 438, Elverum"}).json()

    assert [p["external_id"] for p in body["results"]] == ["3420-19/1/0/0"]


def test_filters_never_match_an_unknown_fact(client, elverum):
    make_catalogue(30, seed=4)

    for params in ({"municipality": "3420", "category": "residential"}, {"municipality": "3420", "area_min": "1"},
                   {"municipality": "3420", "features": "road_access"}, {"municipality": "3420", "year_max": "2100"}):
        assert client.get("/api/v1/properties", params).json()["results"] == [], params
    everything = client.get("/api/v1/properties", {"municipality": "3420", "sort": "-area"}).json()["results"]
    assert len(everything) == 25 and all(p["usable_area"] is None for p in everything)  # listed, unknown last


def test_search_results_mark_properties_with_synthetic_facts(client, elverum):
    make_catalogue(3, seed=5)

    response = client.get("/", {"q": "Gobakkvegen"})
    demo = client.get("/", {"municipality": "0301,4601,5025,5501,3110,3440,1103"})

    assert b"badge synthetic" not in response.content and b"category unknown" in response.content
    assert b"badge synthetic" in demo.content
