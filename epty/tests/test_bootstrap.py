"""manage.py bootstrap: the first run of a deployment in one command, safe to run again."""
from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from properties.models import Property
from recommendations.market.models import MarketTrend
from recommendations.valuation import artifacts
from recommendations.valuation.models import ValuationModelVersion
from standins.matrikkel.dataset import Dataset
from standins.matrikkel.server import StandinServer


@pytest.fixture
def feed(settings):
    server = StandinServer(Dataset(count=50, seed=3)).start()
    settings.MATRIKKEL_SOURCE = "rest"
    settings.MATRIKKEL_OPEN_DATA_MUNICIPALITIES = ["3420"]
    settings.MATRIKKEL_OPEN_DATA_FEED_URL = (f"{server.rest_base_url}geonorge/ATOM-feeds/"
                                             "MatrikkelenAdresse_AtomFeedCSV.xml")
    yield server
    server.stop()


def _bootstrap(*args: str) -> str:
    out = io.StringIO()
    call_command("bootstrap", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_bootstrap_loads_the_register_creates_staff_without_a_password_and_says_why_no_model_yet(feed, settings):
    settings.BOOTSTRAP_ADMIN_USERNAME = "operator"
    output = _bootstrap()

    staff = get_user_model().objects.get(username="operator")
    assert staff.is_staff and staff.is_superuser and not staff.has_usable_password()
    assert "changepassword operator" in output
    assert Property.objects.filter(municipality_number="3420").count() > 1000  # Elverum's real register
    assert "not trained: At least 200 sales are needed" in output  # the open register has no sales
    assert MarketTrend.objects.exists() and "bootstrap done" in output


@pytest.mark.django_db
def test_bootstrap_trains_and_activates_the_first_model_once_there_are_sales(settings):
    artifacts._loaded.clear()
    call_command("generate_demo", count=1500, seed=11, sales=3000, stdout=io.StringIO())
    first = _bootstrap("--skip-register")
    second = _bootstrap("--skip-register")

    active = ValuationModelVersion.objects.get(is_active=True)
    assert "valuation-v1 trained and activated" in first and "valuation model: valuation-v1 is active" in second
    assert ValuationModelVersion.objects.count() == 1 and active.version == 1
    assert "admin exists" in second and "market trends:" in second
