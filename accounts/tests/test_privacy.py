"""Privacy: export of everything held, deletion without remains, the identity number never shown."""
from __future__ import annotations

import json
import logging

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.test import APIClient

from accounts import nnin, services

from .conftest import callback, start_login
from .factories import UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
NUMBER = "14838510036"  # synthetic test number


def test_export_holds_all_of_the_users_data_and_nobody_elses(client):
    alice = UserFactory(name="Alice Ås", email="alice@example.com")
    bob = UserFactory(name="Bob Berg", email="bob@example.com")
    services.user_profile_update(user=alice, preferences={"budget": {"min": 1, "max": 5_000_000},
                                                          "locations": ["Bergen"], "amenities": ["sauna"]})
    services.api_token_create(user=alice, name="alice-laptop")
    services.api_token_create(user=bob, name="bob-phone")
    client.force_login(alice)
    response = client.get("/api/v1/me/export")
    assert response.status_code == 200
    data = response.json()
    text = json.dumps(data)
    assert data["profile"]["name"] == "Alice Ås" and data["profile"]["bankid_altsub"] == alice.bankid_altsub
    assert data["profile"]["birth_date"] == alice.birth_date.isoformat()
    assert data["preferences"]["locations"] == ["Bergen"] and data["preferences"]["amenities"] == ["sauna"]
    assert [t["name"] for t in data["api_tokens"]] == ["alice-laptop"]
    for field in User._meta.concrete_fields:  # every stored field is accounted for
        assert field.name in {"id", "password", "is_superuser", "is_staff", "is_active", "nnin_encrypted",
                              "nnin_hash", "preferences"} or field.name in data["profile"], field.name
    for theirs in ("Bob", "bob@example.com", "bob-phone", bob.bankid_altsub):
        assert theirs not in text
    page = client.get("/accounts/profile/export/")
    assert (
        page["Content-Disposition"].startswith("attachment")
        and json.loads(page.content)["profile"]["name"] == "Alice Ås"
    )


def test_other_apps_can_register_export_sections_and_deletion_hooks(client, monkeypatch):
    monkeypatch.setattr(services, "EXPORT_SECTIONS", {})
    monkeypatch.setattr(services, "DELETION_HOOKS", [])
    anonymised = []
    services.register_export_section("offers", lambda user: [{"amount": 4_200_000}])
    services.register_deletion_hook(lambda user: anonymised.append(user.pk))
    user = UserFactory()
    client.force_login(user)
    assert client.get("/api/v1/me/export").json()["offers"] == [{"amount": 4_200_000}]
    pk = user.pk
    assert client.delete("/api/v1/me").status_code == 204
    assert anonymised == [pk]


def _all_text_in_database() -> str:
    """Every text value in every table, to look for remains."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # test-only scan of our own test database
            chunks.extend(str(value) for row in cursor.fetchall() for value in row)
    return "\n".join(chunks)


def test_deleting_the_account_leaves_no_personal_data(client):
    user = UserFactory(name="Siri Sletteberg", email="siri@example.com")
    services.api_token_create(user=user, name="siri-token")
    services.user_profile_update(user=user, preferences={"locations": ["Sømna"]})
    client.force_login(user)
    response = client.post("/accounts/profile/delete/", {"confirm": "on"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert "_auth_user_id" not in client.session
    remains = _all_text_in_database()
    for personal in ("Siri Sletteberg", "siri@example.com", user.bankid_altsub, "siri-token", "Sømna"):
        assert personal not in remains


def test_delete_page_needs_confirmation(client):
    user = UserFactory()
    client.force_login(user)
    assert client.post("/accounts/profile/delete/", {}).status_code == 200
    assert User.objects.filter(pk=user.pk).exists()


def test_identity_number_is_neither_requested_nor_stored_by_default(client, fake_op):
    params = start_login(client)
    assert "nnin_altsub" not in params["scope"]
    fake_op.issue_code("c", fake_op.mint(fake_op.claims(params["nonce"], nnin_altsub=NUMBER)))
    assert callback(client, code="c", state=params["state"]).status_code == 302
    user = User.objects.get()
    assert not user.has_nnin and user.nnin_hash is None
    assert NUMBER not in _all_text_in_database()


@pytest.fixture
def nnin_on(settings):
    settings.BANKID_STORE_NNIN = True
    settings.NNIN_SECRET = "n" * 40


def test_identity_number_when_enabled_is_encrypted_looked_up_by_keyed_hash_and_never_shown(
        client, fake_op, nnin_on, caplog, capsys):
    with caplog.at_level(logging.DEBUG):
        params = start_login(client)
        assert "nnin_altsub" in params["scope"].split()
        fake_op.issue_code("c", fake_op.mint(fake_op.claims(params["nonce"], nnin_altsub=NUMBER)))
        login = callback(client, code="c", state=params["state"])
        assert login.status_code == 302
        responses = [client.get(url) for url in ("/accounts/profile/", "/api/v1/me", "/api/v1/me/export",
                                                 "/accounts/profile/export/", "/accounts/profile/tokens/")]
    user = User.objects.get()
    assert user.has_nnin
    assert User.objects.get(nnin_hash=nnin.nnin_hash(NUMBER)) == user
    assert nnin.decrypt(user.nnin_encrypted) == NUMBER
    assert NUMBER not in _all_text_in_database()  # not in the user row, nor in the session
    for response in [login, *responses]:
        assert NUMBER not in response.content.decode()
    assert responses[2].json()["profile"]["national_identity_number_stored"] is True
    assert NUMBER not in caplog.text and NUMBER not in "".join(capsys.readouterr())


def test_invalid_identity_number_is_not_stored(client, fake_op, nnin_on):
    params = start_login(client)
    fake_op.issue_code("c", fake_op.mint(fake_op.claims(params["nonce"], nnin_altsub="12345678901")))
    callback(client, code="c", state=params["state"])
    assert not User.objects.get().has_nnin


def test_deleting_the_account_removes_the_identity_number(client, fake_op, nnin_on):
    params = start_login(client)
    fake_op.issue_code("c", fake_op.mint(fake_op.claims(params["nonce"], nnin_altsub=NUMBER)))
    callback(client, code="c", state=params["state"])
    digest = nnin.nnin_hash(NUMBER)
    assert APIClient().delete("/api/v1/me").status_code == 401
    assert client.delete("/api/v1/me").status_code == 204
    assert not User.objects.filter(nnin_hash=digest).exists()
    assert digest not in _all_text_in_database()
