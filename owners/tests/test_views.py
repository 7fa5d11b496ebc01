"""The owner's page and what the property page shows of it; everyone but a verified owner gets 404."""
from __future__ import annotations

import pytest
from django.urls import reverse
from lxml import html

from owners import services
from properties.models import Property

pytestmark = pytest.mark.django_db


def _facts(response) -> dict[str, str]:
    tree = html.fromstring(response.content)
    return {dd.get("data-fact"): " ".join(dd.text_content().split()) for dd in tree.xpath("//dd[@data-fact]")}


def test_an_owner_adds_facts_and_the_property_page_shows_them_beside_matrikkelens(client, prop, owner):
    client.force_login(owner)
    page = client.get(reverse("owners:edit", args=[prop.pk]))
    assert page.status_code == 200 and b'name="csrfmiddlewaretoken"' in page.content

    response = client.post(reverse("owners:edit", args=[prop.pk]), {
        "usable_area": "120", "rooms": "4", "bedrooms": "3", "year_built": "1987", "year_renovated": "2019",
        "features": ["sauna", "waterfront"], "description": "Sunny flat by the fjord."})

    assert response.status_code == 302 and response["Location"] == reverse("owners:edit", args=[prop.pk])
    detail = client.get(reverse("properties:detail", args=[prop.pk]))
    facts = _facts(detail)
    assert facts["usable_area"] == "120 m² the owner · 112 m² in Matrikkelen"
    assert facts["bedrooms"] == "3 the owner"  # no source knew it: nothing beside
    assert facts["rooms"] == "4 · Matrikkelen (Kartverket's Matrikkel API)"  # unchanged: still Matrikkelen's
    assert facts["features"] == "Waterfront from the owner, Sauna from the owner"
    tree = html.fromstring(detail.content)
    assert tree.get_element_by_id("owner-description").text_content().strip() == "Sunny flat by the fjord."
    assert "2019" in tree.get_element_by_id("owner-year-renovated").text_content()
    assert tree.get_element_by_id("owner-edit-link").get("href") == reverse("owners:edit", args=[prop.pk])


def test_the_owners_page_shows_both_values_and_the_provenance(client, prop, owner):
    services.owner_facts_update(user=owner, property_id=prop.pk, values={"usable_area": 120})
    client.force_login(owner)

    tree = html.fromstring(client.get(reverse("owners:edit", args=[prop.pk])).content)

    row = tree.xpath("//tr[@data-fact='usable_area']")[0]
    assert row.get("data-by-owner") == "yes"
    assert [" ".join(td.text_content().split()) for td in row.xpath("td")] == ["Usable area", "120 the owner", "112"]
    assert tree.xpath("//tr[@data-fact='rooms']")[0].get("data-by-owner") == "no"
    assert tree.xpath("//input[@name='usable_area']")[0].get("value") == "120"


def test_the_description_is_rendered_escaped(client, prop, owner):
    services.owner_facts_update(user=owner, property_id=prop.pk,
                                values={"description": '<script>alert("x")</script><b>bold</b>'})

    body = client.get(reverse("properties:detail", args=[prop.pk])).content.decode()

    assert "<script>alert" not in body and "<b>bold</b>" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in body


def test_bad_input_shows_readable_messages_and_changes_nothing(client, prop, owner):
    client.force_login(owner)

    response = client.post(reverse("owners:edit", args=[prop.pk]), {
        "usable_area": "0", "rooms": "4", "bedrooms": "", "year_built": "1987", "year_renovated": "",
        "description": ""})
    assert response.status_code == 200
    assert "The usable area must be between 1 and 100000 m²." in response.content.decode()
    response = client.post(reverse("owners:edit", args=[prop.pk]), {
        "usable_area": "112", "rooms": "2", "bedrooms": "3", "year_built": "1987", "description": ""})
    assert "There cannot be more bedrooms than rooms." in response.content.decode()
    response = client.post(reverse("owners:edit", args=[prop.pk]), {"usable_area": "many", "features": ["moat"]})
    assert response.status_code == 200 and "Enter a whole number." in response.content.decode()
    assert Property.objects.get(pk=prop.pk).usable_area == 112


@pytest.mark.parametrize("who", ["anonymous", "stranger", "claimant"])
def test_nobody_but_a_verified_owner_sees_or_changes_the_owners_page(client, prop, owner, stranger, claimant, who):
    if who != "anonymous":
        client.force_login({"stranger": stranger, "claimant": claimant}[who])
    url = reverse("owners:edit", args=[prop.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, {"usable_area": "999", "description": "Mine now"}).status_code == 404
    assert Property.objects.get(pk=prop.pk).usable_area == 112 and not hasattr(prop, "owner_description")
    detail = client.get(reverse("properties:detail", args=[prop.pk]))
    assert b"owner-edit-link" not in detail.content


def test_an_owner_of_one_property_gets_404_on_another(client, prop, owner):
    from .conftest import matrikkel_property

    other = matrikkel_property()
    client.force_login(owner)

    assert client.get(reverse("owners:edit", args=[other.pk])).status_code == 404
    assert client.post(reverse("owners:edit", args=[other.pk]), {"usable_area": "999"}).status_code == 404
    assert client.get("/owners/99999999/").status_code == 404
    assert Property.objects.get(pk=other.pk).usable_area == 112


def test_the_owners_words_are_in_bokmal(client, prop, owner, settings):
    settings.LANGUAGE_CODE = "nb"
    services.owner_facts_update(user=owner, property_id=prop.pk, values={"usable_area": 120, "features": ["sauna"]})
    client.force_login(owner)

    detail = client.get(reverse("properties:detail", args=[prop.pk]), HTTP_ACCEPT_LANGUAGE="nb")
    facts = _facts(detail)
    assert facts["usable_area"] == "120 m² eieren · 112 m² i Matrikkelen"
    assert "fra eieren" in facts["features"] and "Rediger som eier" in detail.content.decode()
    response = client.post(reverse("owners:edit", args=[prop.pk]), {"usable_area": "0"}, HTTP_ACCEPT_LANGUAGE="nb")
    assert "Bruksarealet må være mellom 1 og 100000 m²." in response.content.decode()


def test_owners_changes_share_one_budget_on_the_page_and_in_the_api(client, prop, owner, monkeypatch, settings):
    from rest_framework.test import APIClient
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES",
                        {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "owner_facts": "2/hour"})
    api = APIClient()
    api.force_authenticate(owner)
    assert api.patch(f"/api/v1/owners/{prop.pk}/facts", {"rooms": 5}, format="json").status_code == 200
    client.force_login(owner)
    page = reverse("owners:edit", args=[prop.pk])
    assert client.post(page, {"usable_area": "120"}).status_code == 302  # the budget's second change

    refused = client.post(page, {"usable_area": "130"}, follow=True)
    assert "Too many changes in a short time" in refused.content.decode()
    assert api.patch(f"/api/v1/owners/{prop.pk}/facts", {"rooms": 6}, format="json").status_code == 429
    prop.refresh_from_db()
    assert prop.usable_area == 120 and prop.rooms != 6  # what was refused changed nothing
