"""Scoped API throttles (epty/throttles.py): the recommender, counted searches and every request that
sends e-mail answer 429 in the API's error shape once a client is over its rate, on the real cache."""
from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from accounts.tests.factories import UserFactory
from epty.mail.models import OutboxMessage
from offers.tests.factories import HIGH_ACR, BuyerFactory, PropertyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(monkeypatch, settings):
    """Small rates, so that a test reaches them in a few requests (DRF reads the rates once, at import)."""
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "recommend": "3/min", "counted_search": "2/min",
             "mail": "3/hour"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    settings.EMAIL_CONFIRM_DAILY_LIMIT = 100
    settings.OFFERS_DAILY_LIMIT = 100
    return rates


def assert_throttled(response):
    assert response.status_code == 429, response.content
    body = response.json()
    assert set(body) == {"message", "code", "extra"}
    assert body["code"] == "throttled"
    assert body["extra"]["retry_after_seconds"] > 0
    assert int(response["Retry-After"]) > 0


def test_the_configured_rates_name_every_scope_the_views_use(settings):
    assert set(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]) >= {"recommend", "counted_search", "mail",
                                                                      "address_suggest"}
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 0


def test_a_mistyped_rate_in_the_environment_stops_the_process_at_start(monkeypatch):
    from epty.settings.env import env_rate

    monkeypatch.setenv("API_RATE_RECOMMEND", "100/hour")
    assert env_rate("API_RATE_RECOMMEND", "30/min") == "100/hour"
    for wrong in ("100 per hour", "²/min", "100/fortnight", "/min"):
        monkeypatch.setenv("API_RATE_RECOMMEND", wrong)
        with pytest.raises(ImproperlyConfigured):
            env_rate("API_RATE_RECOMMEND", "30/min")


def test_the_recommender_is_throttled_per_client_and_a_forged_forwarded_for_does_not_help(rates):
    client = APIClient()
    for _ in range(3):
        assert client.post("/api/v1/ai/recommend", {"user_preferences": {}}, format="json").status_code == 200
    assert_throttled(client.post("/api/v1/ai/recommend", {"user_preferences": {}}, format="json"))
    assert_throttled(client.post("/api/v1/ai/recommend", {"user_preferences": {}}, format="json",
                                 HTTP_X_FORWARDED_FOR="203.0.113.7"))
    # Another address (another client) still has its own budget.
    assert client.post("/api/v1/ai/recommend", {"user_preferences": {}}, format="json",
                       REMOTE_ADDR="198.51.100.4").status_code == 200


def test_a_logged_in_user_has_a_budget_of_their_own(rates):
    anonymous = APIClient()
    for _ in range(3):
        anonymous.post("/api/v1/ai/recommend", {"user_preferences": {}}, format="json")
    assert anonymous.post("/api/v1/ai/recommend", {"user_preferences": {}}, format="json").status_code == 429
    user = APIClient()
    user.force_login(UserFactory())
    assert user.post("/api/v1/ai/recommend", {"user_preferences": {}}, format="json").status_code == 200


def test_counted_searches_are_throttled_and_paging_without_a_count_is_not(rates):
    PropertyFactory()
    client = APIClient()
    for _ in range(2):
        response = client.get("/api/v1/properties", {"count": "true"})
        assert response.status_code == 200 and response.json()["count"] == 1
    assert_throttled(client.get("/api/v1/properties", {"count": "true"}))
    assert_throttled(client.get("/api/v1/properties", {"count": "yes", "municipality": "0301"}))
    for _ in range(5):
        assert client.get("/api/v1/properties").status_code == 200
        assert client.get("/api/v1/properties", {"count": "false"}).status_code == 200


def buyer_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    session = client.session
    session["bankid_acr"] = HIGH_ACR
    session.save()
    return client


def test_requests_that_send_mail_share_one_budget_per_user_and_reading_is_not_counted(rates):
    buyer = BuyerFactory(email="kari@example.no")
    client = buyer_client(buyer)
    props = [PropertyFactory() for _ in range(3)]
    for prop in props[:2]:
        response = client.post("/api/v1/offers", {"property_id": prop.pk, "offer_amount": 5_000_000}, format="json")
        assert response.status_code == 201, response.content
    assert client.post("/api/v1/me/email", {"email": "kari.new@example.no"}, format="json").status_code == 202
    for _ in range(5):
        assert client.get("/api/v1/offers").status_code == 200  # lists are not mail
    assert_throttled(client.post("/api/v1/offers", {"property_id": props[2].pk, "offer_amount": 5_000_000},
                                 format="json"))
    assert_throttled(client.post("/api/v1/me/email", {"email": "kari.other@example.no"}, format="json"))
    assert_throttled(client.post("/api/v1/claims", {"property_id": props[2].pk, "statement": "I own it"},
                                 format="json"))
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.EMAIL_CONFIRM).count() == 1
    # Another user is not held back by this one.
    assert buyer_client(BuyerFactory()).post("/api/v1/me/email", {"email": "per@example.no"},
                                             format="json").status_code == 202


def test_the_search_page_counts_once_and_only_up_to_the_cap_whatever_it_is_asked(rates, client):
    # The page shows how many match, so it counts; the count stops at COUNT_CAP, and count=true on the page
    # asks for nothing more: the throttled count of the API gives no more than every page view already does.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from properties.search.selectors import COUNT_CAP

    PropertyFactory()
    for _ in range(4):
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/", {"count": "true"}).status_code == 200
        counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
        assert len(counts) == 1 and f"LIMIT {COUNT_CAP + 1}" in counts[0]
