"""GET /api/v1/properties/{id}/valuation"""
import pytest

from properties.models import Property
from properties.tests.factories import PropertyFactory
from recommendations.valuation import selectors, services


@pytest.fixture
def active(demo_catalogue):
    version = services.valuation_train(frame=selectors.sales_frame())
    services.valuation_version_activate(version=version, enqueue=False)
    services.valuation_estimates_write(version_id=version.pk)
    return version


def test_valuation_gives_estimate_interval_factors_in_plain_words_and_comparable_sales(client, active):
    prop = Property.objects.filter(sales__isnull=False, category="residential").order_by("id").first()
    response = client.get(f"/api/v1/properties/{prop.pk}/valuation")
    assert response.status_code == 200
    body = response.json()
    assert body["model_version"] == active.version and body["source"] == "valuation-v1"
    assert body["low"] <= body["estimate"] <= body["high"]
    assert body["factors"] and all(": " in f["text"] and f["text"].endswith("%") for f in body["factors"])
    assert any(f["label"].startswith(f"Location ({prop.municipality_name})") for f in body["factors"]) or \
        all(f["group"] != "location" for f in body["factors"])
    assert len(body["comparables"]) <= 5
    for c in body["comparables"]:
        assert c["property_id"] != prop.pk and c["distance_km"] <= 50


def test_valuation_says_how_accurate_such_estimates_are_how_many_sales_it_used_and_its_history(client, active):
    prop = Property.objects.filter(sales__isnull=False, category="residential").order_by("id").first()
    body = client.get(f"/api/v1/properties/{prop.pk}/valuation").json()
    accuracy = body["accuracy"]
    assert accuracy["scope"] in {"category_county", "category", "all"} and accuracy["sales"] >= 30
    assert 0 < accuracy["mdape"] < 50 and 0 <= accuracy["within_10"] <= accuracy["within_20"] <= 100
    if accuracy["scope"] == "category_county":
        assert accuracy["county_name"] == prop.county_name
        assert active.metrics["by_category_county"][f"residential|{prop.county_number}"]["mdape"] == accuracy["mdape"]
    assert 1 <= body["comparables_used"] <= 10
    assert body["history"] == [{"version": 1, "estimated_at": body["history"][0]["estimated_at"],
                                "estimate": body["estimate"], "low": body["low"], "high": body["high"]}]
    assert [s["sold_on"] for s in body["sales"]] == sorted(str(d) for d in prop.sales.values_list("sold_on", flat=True))


def test_valuation_answers_for_a_property_with_no_sales_nearby(client, active):
    lonely = PropertyFactory(external_id="5501-999/1/0/0", lat=78.2, lon=15.6, municipality_number="5501",
                             municipality_name="Tromsø", county_number="55", county_name="Troms", category="cabin",
                             building_type_code=161)
    services.valuation_estimates_write(version_id=active.pk)
    response = client.get(f"/api/v1/properties/{lonely.pk}/valuation")
    assert response.status_code == 200
    body = response.json()
    assert body["comparables"] == [] and body["estimate"] > 0 and body["factors"]


def test_valuation_of_an_unknown_property_is_a_404_in_the_error_shape(client, db):
    response = client.get("/api/v1/properties/999999/valuation")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_valuation_without_an_active_model_shows_the_stored_estimate_without_factors(client, db):
    prop = PropertyFactory()
    body = client.get(f"/api/v1/properties/{prop.pk}/valuation").json()
    assert body["estimate"] == 5_000_000 and body["factors"] == [] and body["model_version"] is None


def test_the_shared_cache_holds_factors_as_plain_data_so_moving_code_never_breaks_a_read(client, active):
    import pickle

    from django.core.cache import cache

    prop = Property.objects.filter(category="residential").order_by("id").first()
    url = f"/api/v1/properties/{prop.pk}/valuation"
    first = client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    key = f"valuation:factors:{active.artifact_sha256[:16]}:{prop.pk}:{prop.updated_at.timestamp()}:en"
    cached = cache.get(key)  # one copy per language: the factors' texts are the reader's
    assert cached is not None and b"recommendations" not in pickle.dumps(cached)  # no class of ours in Redis
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()["factors"] == first["factors"]  # from cache


def test_a_model_of_an_earlier_layout_still_answers_with_the_stored_estimate(client, active):
    from recommendations.valuation.artifacts import valuation_model_for

    del valuation_model_for(version=active).format  # as if the file predated the current model layout
    prop = Property.objects.filter(category="residential").order_by("id").first()
    response = client.get(f"/api/v1/properties/{prop.pk}/valuation")
    assert response.status_code == 200
    body = response.json()
    assert body["estimate"] == prop.estimate and body["factors"] == [] and body["comparables_used"] is None
