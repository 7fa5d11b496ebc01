"""`make run`'s data: the generated catalogue through the SOAP sync, and Elverum's real register through the feed."""
from __future__ import annotations

import pytest
from django.core.management import call_command

from properties.models import FACTS, FactSource, Property, PropertySale, Source

pytestmark = pytest.mark.django_db


def test_the_demo_is_generated_everywhere_but_elverum_whose_real_register_gets_synthetic_building_facts(capsys):
    call_command("matrikkel_standin", "--load", "--count", "150", "--no-progress")
    first = capsys.readouterr().out

    elverum = Property.objects.filter(municipality_number="3420")
    assert elverum.count() == 8327 and set(elverum.values_list("source", flat=True)) == {Source.OPEN_REGISTER}
    assert Property.objects.filter(source=Source.DEMO).count() > 140  # the generated catalogue, minus bare plots
    farm = Property.objects.get(external_id="3420-19/1/0/0")
    assert farm.address == "Strandbygdvegen 1300" and len(farm.addresses) == 2
    assert farm.fact_source("location") == farm.fact_source("address") == FactSource.OPEN_REGISTER
    assert set(farm.synthetic_facts) == set(FACTS) - {"location", "address"}  # every generated fact, marked
    assert farm.category in ("residential", "cabin", "commercial") and farm.estimate and farm.features_known
    assert PropertySale.objects.filter(property__municipality_number="3420").count() >= 8000
    assert "8,327 created" in first

    call_command("matrikkel_standin", "--load", "--count", "150", "--no-progress")
    second = capsys.readouterr().out

    assert second.count("0 created, 0 updated") == 2
    assert "synthetic facts on 0 properties, 0 demo estimates" in second
    assert "generated building facts on 0 of them (marked synthetic), 0 demo estimates" in second


def test_gobakkvegen_438_in_elverum_is_found_by_search_and_shown_where_it_is(client):
    call_command("matrikkel_standin", "--load", "--count", "40", "--no-progress")

    results = client.get("/api/v1/properties", {"q": "Gobakkvegen 438, Elverum"}).json()["results"]
    page = client.get(f"/properties/{results[0]['id']}/")

    assert [r["external_id"] for r in results] == ["3420-19/1/0/0"]
    assert b'"title": "Gobakkvegen 438, 2410 Hernes", "estimate"' in page.content
    assert b'61.0257147' in page.content and b'11.4832912' in page.content
