"""Account pages and the login start: profile, e-mail confirmation, language, redirects, rate limits."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from rest_framework.test import APIClient

from epty.mail.delivery import outbox_send

from .conftest import start_login
from .factories import UserFactory

pytestmark = pytest.mark.django_db


def test_profile_needs_login(client):
    response = client.get("/accounts/profile/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_profile_saves_name_language_and_preferences(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/accounts/profile/", {
        "name": "Kari Nordmann", "language": "en", "budget_min": "2000000", "budget_max": "4500000",
        "locations": "Bergen, Voss", "property_type": "cabin", "amenities": "sauna, fireplace"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.name == "Kari Nordmann" and user.language == "en"
    assert user.preferences == {"budget": {"min": 2000000, "max": 4500000}, "locations": ["Bergen", "Voss"],
                                "property_type": "cabin", "amenities": ["sauna", "fireplace"]}
    page = client.get("/accounts/profile/", HTTP_ACCEPT_LANGUAGE="nb")
    assert '<html lang="en">' in page.text  # the user's own language wins


def test_profile_refuses_a_budget_upside_down(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/accounts/profile/", {"name": "X", "language": "en", "budget_min": "9", "budget_max": "1"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "The budget&#x27;s minimum is above its maximum." in response.text


def test_api_updates_preferences_in_the_f9_shape():
    user = UserFactory()
    client = APIClient()
    client.force_authenticate(user)
    response = client.patch("/api/v1/me", {"preferences": {"budget": {"min": 1_000_000, "max": 3_000_000},
                                                           "locations": ["Oslo"], "property_type": "residential",
                                                           "amenities": ["balcony"]}}, format="json")
    assert response.status_code == 200
    assert response.json()["preferences"] == {"budget": {"min": 1_000_000, "max": 3_000_000}, "locations": ["Oslo"],
                                              "property_type": "residential", "amenities": ["balcony"]}
    bad = client.patch("/api/v1/me", {"preferences": {"budget": {"min": 5, "max": 1}}}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "budget_min_above_max"


def test_email_is_stored_only_after_the_signed_link_is_followed(client):
    user = UserFactory(email="")
    client.force_login(user)
    client.post("/accounts/profile/email/", {"email": "kari@example.com"})
    user.refresh_from_db()
    assert user.email == ""
    assert outbox_send() == 1  # the outbox's sender (after the commit, which a test transaction never reaches)
    link = re.search(r"http://testserver(/accounts/profile/email/[^/\s]+/)", mail.outbox[0].body).group(1)
    assert mail.outbox[0].to == ["kari@example.com"]
    assert client.get(link).status_code == 302
    user.refresh_from_db()
    assert user.email == "kari@example.com" and user.email_confirmed_at


def test_an_email_link_for_another_user_or_tampered_is_refused(client):
    alice, bob = UserFactory(email=""), UserFactory(email="")
    client.force_login(alice)
    client.post("/accounts/profile/email/", {"email": "alice@example.com"})
    outbox_send()
    link = re.search(r"http://testserver(/accounts/profile/email/[^/\s]+/)", mail.outbox[0].body).group(1)
    client.force_login(bob)
    assert client.get(link).status_code == 400
    assert client.get(link.replace(":", "x", 1)).status_code == 400
    bob.refresh_from_db()
    assert bob.email == ""


def test_confirmation_mails_are_capped_per_user_and_day_on_the_page_and_in_the_api(client, settings):
    """Confirmation mails go to any address the user types: at most EMAIL_CONFIRM_DAILY_LIMIT a day, counted
    across the page and the API, with a readable message on the page and a stable code in the API."""
    import datetime as dt

    from django.utils import timezone

    from epty.mail.models import OutboxMessage

    settings.EMAIL_CONFIRM_DAILY_LIMIT = 3
    user = UserFactory(email="")
    client.force_login(user)
    for number in range(2):
        assert client.post("/accounts/profile/email/", {"email": f"kari{number}@example.com"}).status_code == 302
    api = APIClient()
    api.force_login(user)
    assert api.post("/api/v1/me/email", {"email": "kari2@example.com"}, format="json").status_code == 202

    page = client.post("/accounts/profile/email/", {"email": "victim@example.com"})
    assert page.status_code == 429
    assert "You have asked for 3 confirmation e-mails in the last 24 hours. Try again tomorrow." in page.text
    response = api.post("/api/v1/me/email", {"email": "victim@example.com"}, format="json")
    assert response.status_code == 429
    assert response.json() == {"message": "You have asked for 3 confirmation e-mails in the last 24 hours. "
                                          "Try again tomorrow.", "code": "email_confirm_limit", "extra": {"limit": 3}}
    confirmations = OutboxMessage.objects.filter(kind=OutboxMessage.Kind.EMAIL_CONFIRM)
    assert sorted(confirmations.values_list("to", flat=True)) == [f"kari{n}@example.com" for n in range(3)]

    # Another user has a budget of their own; a day later this one has theirs back.
    other = APIClient()
    other.force_login(UserFactory(email=""))
    assert other.post("/api/v1/me/email", {"email": "per@example.com"}, format="json").status_code == 202
    confirmations.filter(user=user).update(created_at=timezone.now() - dt.timedelta(hours=24, minutes=1))
    assert client.post("/accounts/profile/email/", {"email": "kari3@example.com"}).status_code == 302


def test_a_bad_address_in_the_api_is_a_400_with_a_code(client):
    api = APIClient()
    api.force_login(UserFactory(email=""))
    response = api.post("/api/v1/me/email", {"email": "not an address"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert api.post("/api/v1/me/email", {}, format="json").json()["code"] == "required"
    assert APIClient().post("/api/v1/me/email", {"email": "a@example.com"}, format="json").status_code in (401, 403)


def test_login_start_keeps_a_local_next_and_drops_an_open_redirect(client, fake_op):
    start_login(client, next="/accounts/profile/tokens/")
    assert client.session["oidc_login_next"] == "/accounts/profile/tokens/"
    for evil in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)", "/\\evil.example"):
        start_login(client, next=evil)
        assert client.session["oidc_login_next"] is None


def test_login_start_passes_the_method_hint_and_ignores_unknown_ones(client, fake_op):
    assert start_login(client, method="BIM")["login_hint"] == "BIM"
    assert "login_hint" not in start_login(client, method="<script>")


def test_login_start_uses_endpoints_from_discovery(client, fake_op):
    response = client.get("/api/v1/auth/bankid")
    assert response["Location"].startswith(f"{fake_op.issuer}/authorize?")
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["redirect_uri"] == ["http://testserver/accounts/bankid/callback/"]


def test_starting_logins_is_rate_limited_with_the_api_error_shape(client, fake_op, settings):
    settings.BANKID_LOGIN_RATE = 3
    for _ in range(3):
        assert client.get("/api/v1/auth/bankid").status_code == 302
    response = client.get("/api/v1/auth/bankid")
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "throttled" and body["extra"]["retry_after_seconds"] > 0


def test_completing_logins_is_rate_limited_with_a_readable_page(client, fake_op, settings):
    settings.BANKID_LOGIN_RATE = 2
    for _ in range(2):
        client.get("/accounts/bankid/callback/", {"code": "x", "state": "y"})
    response = client.get("/accounts/bankid/callback/", {"code": "x", "state": "y"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert "Too many login attempts" in response.text
    assert fake_op.calls["token"] == 0


def test_login_page_offers_bankid_and_logout_needs_post(client, fake_op):
    page = client.get("/accounts/login/?next=/x", HTTP_ACCEPT_LANGUAGE="en")
    assert "/api/v1/auth/bankid?next=/x" in page.text
    assert client.get("/accounts/logout/").status_code == 405


def test_logout_calls_the_providers_end_session_endpoint(client, fake_op):
    params = start_login(client)
    fake_op.issue_code("c", fake_op.mint(fake_op.claims(params["nonce"])))
    from .conftest import callback

    callback(client, code="c", state=params["state"])
    response = client.post("/accounts/logout/")
    assert response["Location"].startswith(f"{fake_op.issuer}/logout?")
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/"] and query["id_token_hint"]
    assert "_auth_user_id" not in client.session
