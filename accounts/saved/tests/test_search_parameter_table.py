"""A search parameter is one row of one table: a row added here (plot_area_min, registered only inside this
test) is honoured by the search page, the API (and its docs), saved searches and the alerts."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.saved import alerts
from accounts.saved.models import SavedSearch
from accounts.tests.factories import UserFactory
from properties.search import params as table
from properties.tests.factories import PropertyFactory

pytestmark = pytest.mark.django_db

PLOT_AREA_MIN = table.Param(
    "plot_area_min", "Minimum plot area, m².", table.whole_number(maximum=10**8), label="Plot area, at least (m²)",
    **table.at_least("plot_area"))


@pytest.fixture
def plot_area_min():
    with table.registered(PLOT_AREA_MIN) as row:
        yield row


@pytest.fixture
def plots():
    return {"small": PropertyFactory(plot_area=400), "large": PropertyFactory(plot_area=2500),
            "unknown": PropertyFactory(plot_area=None)}


def _ids(body: dict) -> set[int]:
    return {row["id"] for row in body["results"]}


def test_without_its_row_the_parameter_is_refused(client, plots):
    response = client.get("/api/v1/properties", {"plot_area_min": "1000"})
    assert response.status_code == 400
    assert response.json()["extra"]["fields"]["plot_area_min"][0]["code"] == "unknown_parameter"


def test_the_api_filters_validates_and_documents_a_new_row(client, plots, plot_area_min):
    response = client.get("/api/v1/properties", {"plot_area_min": "1000"})
    assert response.status_code == 200 and _ids(response.json()) == {plots["large"].pk}
    bad = client.get("/api/v1/properties", {"plot_area_min": "lots"})
    assert bad.status_code == 400 and bad.json()["extra"]["fields"]["plot_area_min"][0]["code"] == "invalid_number"
    schema = SchemaGenerator().get_schema(request=None, public=True)
    documented = {p["name"]: p for p in schema["paths"]["/api/v1/properties"]["get"]["parameters"]}
    assert documented["plot_area_min"]["description"] == "Minimum plot area, m²."


def test_the_search_page_filters_and_shows_an_input_for_a_new_row(client, plots, plot_area_min):
    page = client.get("/", {"plot_area_min": "1000"}).content.decode()
    listed = {int(i) for i in re.findall(r'class="result" data-id="(\d+)"', page)}
    assert listed == {plots["large"].pk}
    assert re.search(r'Plot area, at least \(m²\)<input type="text" name="plot_area_min" value="1000"', page)
    error = client.get("/", {"plot_area_min": "-5"}).content.decode()
    assert 'data-field="plot_area_min"' in error


def test_saved_searches_and_their_alerts_honour_a_new_row(plots, plot_area_min, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = UserFactory(email="plot@example.no", language="en")
    api = APIClient()
    api.force_authenticate(user)
    refused = api.post("/api/v1/saved-searches", {"name": "x", "params": {"plot_area_min": "huge"}}, format="json")
    assert (
        refused.status_code == 400 and refused.json()["extra"]["fields"]["plot_area_min"][0]["code"] == "invalid_number"
    )
    created = api.post("/api/v1/saved-searches", {"name": "Big plots", "params": {"plot_area_min": "1000"},
                                                 "frequency": "instant"}, format="json")
    assert created.status_code == 201, created.content
    SavedSearch.objects.update(last_notified=timezone.now() - dt.timedelta(hours=1))
    new_small, new_large = PropertyFactory(plot_area=900), PropertyFactory(plot_area=1800)

    result = alerts.saved_search_alerts_run()

    assert result.digests == 1
    [message] = mail.outbox
    reported = {int(i) for i in re.findall(r"/properties/(\d+)/", message.body)}
    assert new_large.pk in reported and new_small.pk not in reported and plots["small"].pk not in reported
