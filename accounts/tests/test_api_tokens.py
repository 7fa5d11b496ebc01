"""Personal API tokens: shown once, stored hashed, owned by one user, revoked at once."""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiToken

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def api(token: str | None = None, keyword: str = "Bearer") -> APIClient:
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"{keyword} {token}")
    return client


def test_user_creates_a_token_sees_it_once_and_only_its_hash_is_stored():
    user = UserFactory()
    client = APIClient()
    client.force_authenticate(user)
    response = client.post("/api/v1/me/tokens", {"name": "laptop"}, format="json")
    assert response.status_code == 201
    plain = response.json()["token"]
    stored = ApiToken.objects.get()
    assert plain not in {stored.secret_hash, stored.prefix} and plain.split("_")[1] == stored.prefix
    listed = client.get("/api/v1/me/tokens").json()["results"]
    assert [t["name"] for t in listed] == ["laptop"] and "token" not in listed[0]
    assert api(plain).get("/api/v1/me").json()["name"] == user.name
    assert api(plain, "Token").get("/api/v1/me").status_code == 200


def test_a_token_belongs_to_its_user_only():
    alice, bob = UserFactory(name="Alice"), UserFactory(name="Bob")
    _, alice_plain = services.api_token_create(user=alice, name="a")
    bob_token, _ = services.api_token_create(user=bob, name="b")
    assert api(alice_plain).get("/api/v1/me").json()["name"] == "Alice"
    # Alice cannot see or revoke Bob's token
    assert [t["name"] for t in api(alice_plain).get("/api/v1/me/tokens").json()["results"]] == ["a"]
    assert api(alice_plain).delete(f"/api/v1/me/tokens/{bob_token.pk}").status_code == 404
    bob_token.refresh_from_db()
    assert bob_token.revoked_at is None


def test_a_revoked_token_stops_working_at_once():
    user = UserFactory()
    token, plain = services.api_token_create(user=user, name="ci")
    assert api(plain).get("/api/v1/me").status_code == 200
    assert api(plain).delete(f"/api/v1/me/tokens/{token.pk}").status_code == 204
    response = api(plain).get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_a_forged_or_altered_token_is_refused_with_the_api_error_shape():
    user = UserFactory()
    _, plain = services.api_token_create(user=user, name="x")
    for bad in (plain[:-2] + "xx", "epty_deadbeef_" + "a" * 43, "nonsense"):
        response = api(bad).get("/api/v1/me")
        assert response.status_code == 401
        assert set(response.json()) == {"message", "code", "extra"}


def test_anonymous_requests_to_my_endpoints_are_401():
    assert APIClient().get("/api/v1/me/tokens").status_code == 401
    assert APIClient().get("/api/v1/me/export").status_code == 401


def test_session_auth_keeps_working_for_the_browser(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get("/api/v1/me").json()["name"] == user.name


def test_tokens_page_creates_shows_once_and_revokes(client):
    user = UserFactory()
    client.force_login(user)
    page = client.post("/accounts/profile/tokens/", {"name": "script"})
    token = ApiToken.objects.get(user=user)
    plain = page.context["created"]
    assert plain in page.text
    assert plain not in client.get("/accounts/profile/tokens/").text  # shown once
    client.post(f"/accounts/profile/tokens/{token.pk}/revoke/")
    assert api(plain).get("/api/v1/me").status_code == 401


def test_last_used_is_recorded():
    user = UserFactory()
    token, plain = services.api_token_create(user=user, name="x")
    api(plain).get("/api/v1/me")
    token.refresh_from_db()
    assert token.last_used_at is not None
