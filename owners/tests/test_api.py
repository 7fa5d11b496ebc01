"""GET/PATCH /api/v1/owners/<id>/facts: the owner only (404 for anyone else), stable error codes, never a 500."""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts import services as account_services
from properties.models import FactSource, Property

pytestmark = pytest.mark.django_db


def url(prop) -> str:
    return f"/api/v1/owners/{prop.pk}/facts"


@pytest.fixture
def api(owner):
    client = APIClient()
    client.force_authenticate(owner)
    return client


def test_an_owner_reads_and_changes_the_facts(api, prop):
    body = api.get(url(prop)).json()
    facts = {f["fact"]: f for f in body["facts"]}
    assert facts["usable_area"] == {"fact": "usable_area", "value": 112, "source": "matrikkel_api", "by_owner": False,
                                    "upstream_value": None, "upstream_source": None}

    response = api.patch(url(prop), {"usable_area": 120, "features": ["sauna"], "year_renovated": 2020,
                                     "description": "By the fjord."}, format="json")

    assert response.status_code == 200, response.content
    facts = {f["fact"]: f for f in response.json()["facts"]}
    assert facts["usable_area"] == {"fact": "usable_area", "value": 120, "source": "owner", "by_owner": True,
                                    "upstream_value": 112, "upstream_source": "matrikkel_api"}
    assert facts["features"]["value"] == ["sauna"] and facts["year_renovated"]["value"] == 2020
    assert response.json()["description"] == "By the fjord."
    listed = APIClient().get("/api/v1/properties", {"area_min": 118, "municipality": "0301"}).json()["results"]
    assert [p["id"] for p in listed] == [prop.pk]
    detail = APIClient().get(f"/api/v1/properties/{prop.pk}").json()
    assert detail["usable_area"] == 120 and detail["fact_sources"]["usable_area"] == FactSource.OWNER


def test_an_api_token_works_too(prop, owner):
    _token, secret = account_services.api_token_create(user=owner, name="app")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")

    assert client.patch(url(prop), {"rooms": 5}, format="json").status_code == 200
    assert Property.objects.get(pk=prop.pk).rooms == 5


@pytest.mark.parametrize("who", ["anonymous", "stranger", "claimant"])
def test_anyone_else_gets_the_same_404_and_no_data(prop, owner, stranger, claimant, who):
    client = APIClient()
    if who != "anonymous":
        client.force_authenticate({"stranger": stranger, "claimant": claimant}[who])

    for response in (client.get(url(prop)), client.patch(url(prop), {"usable_area": 999}, format="json")):
        assert response.status_code == 404
        assert response.json() == {"message": "Not found.", "code": "not_found", "extra": {}}
    assert Property.objects.get(pk=prop.pk).usable_area == 112
    assert APIClient().get("/api/v1/owners/99999999/facts").status_code == 404


@pytest.mark.parametrize(("body", "code"), [
    ({"usable_area": 0}, "out_of_range"),
    ({"usable_area": "lots"}, "invalid_number"),
    ({"usable_area": True}, "invalid_number"),
    ({"usable_area": 12.5}, "invalid_number"),
    ({"usable_area": {"a": 1}}, "invalid_number"),
    ({"bedrooms": 9}, "bedrooms_exceed_rooms"),
    ({"year_renovated": 1900}, "renovated_before_built"),
    ({"features": ["moat"]}, "unknown_feature"),
    ({"features": "sauna"}, "invalid_features"),
    ({"features": [1, 2]}, "invalid_features"),
    ({"description": "x" * 2001}, "description_too_long"),
    ({"description": 42}, "invalid_description"),
    ({"plot_area": 1}, "unknown_fact"),
    ([1, 2], "invalid"),
])
def test_bad_input_gets_a_stable_code(api, prop, body, code):
    response = api.patch(url(prop), body, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert Property.objects.get(pk=prop.pk).usable_area == 112


def test_a_body_that_is_not_json_is_a_400_not_a_500(api, prop):
    response = api.generic("PATCH", url(prop), "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"]
