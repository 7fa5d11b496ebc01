"""The relying party against broken ID tokens (bankid.md: "What the relying party must reject").

Tokens are minted here with a test key set and served by a real loopback provider (fake_op).
Each rejection must leave no session, no user, no call to userinfo, and show a clear page.
"""
from __future__ import annotations

import logging
import time

import pytest
from django.contrib.auth import get_user_model

from .conftest import callback, start_login
from .fake_op import ACR, CLIENT_ID, CLIENT_SECRET, DROP, public_jwk

pytestmark = pytest.mark.django_db
User = get_user_model()


def assert_rejected(client, response, op, reason: str | None = None):
    assert response.status_code in (400, 403), response.status_code
    assert "Login failed" in response.text
    if reason:
        assert f"<code>{reason}</code>" in response.text
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == 0
    assert op.calls["userinfo"] == 0


def login_with(client, op, make_token):
    params = start_login(client)
    token = make_token(params["nonce"])
    op.issue_code("code-1", token)
    return callback(client, code="code-1", state=params["state"])


CASES = {
    "bad signature": (lambda op, n: op.mint(op.claims(n), kid="k1", key=op.attacker), "signature"),
    "alg none": (lambda op, n: op.mint(op.claims(n), algorithm="none", kid=None), "algorithm"),
    "HS256 signed with the client secret": (
        lambda op, n: op.mint(op.claims(n), key=CLIENT_SECRET, algorithm="HS256"), "algorithm"),
    "wrong aud": (lambda op, n: op.mint(op.claims(n, aud="someone-else")), "audience"),
    "missing aud": (lambda op, n: op.mint(op.claims(n, aud=DROP)), "missing_aud"),
    "extra aud": (lambda op, n: op.mint(op.claims(n, aud=[CLIENT_ID, "untrusted"], azp=CLIENT_ID)), "audience"),
    "azp mismatch": (lambda op, n: op.mint(op.claims(n, azp="someone-else")), "azp"),
    "wrong iss": (lambda op, n: op.mint(op.claims(n, iss="https://evil.example")), "issuer"),
    "missing sub": (lambda op, n: op.mint(op.claims(n, sub=DROP)), "missing_sub"),
    "missing iat": (lambda op, n: op.mint(op.claims(n, iat=DROP)), "missing_iat"),
    "expired exp": (lambda op, n: op.mint(op.claims(n, exp=int(time.time()) - 600, iat=int(time.time()) - 900)),
                    "expired"),
    "nonce mismatch": (lambda op, n: op.mint(op.claims("another-nonce")), "nonce"),
    "missing nonce": (lambda op, n: op.mint(op.claims(n, nonce=DROP)), "nonce"),
    "unknown kid": (lambda op, n: op.mint(op.claims(n), kid="k9", key=op.attacker), "unknown_kid"),
    "acr below what is required": (lambda op, n: op.mint(op.claims(n, acr="urn:bankid:bis;LOA=3")), "acr"),
    "missing bankid_altsub": (lambda op, n: op.mint(op.claims(n, bankid_altsub=DROP)), "missing_bankid_altsub"),
    "not RS256 even with a known key": (lambda op, n: op.mint(op.claims(n), algorithm="RS512"), "algorithm"),
}


@pytest.fixture
def op(fake_op, test_keys):
    fake_op.attacker = test_keys["attacker"]
    return fake_op


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_relying_party_rejects_broken_id_token(client, op, case, caplog):
    make, reason = CASES[case]
    with caplog.at_level(logging.WARNING, logger="accounts"):
        response = login_with(client, op, lambda nonce: make(op, nonce))
    assert_rejected(client, response, op, reason)
    assert f"reason={reason}" in caplog.text
    assert "Nordmann" not in caplog.text and "9578-5999" not in caplog.text


def test_unknown_kid_refetches_the_key_set_once_then_rejects(client, op, test_keys):
    login_with(client, op, lambda nonce: op.mint(op.claims(nonce)))  # warms the JWKS cache
    client.post("/accounts/logout/")
    User.objects.all().delete()
    fetches = op.calls["jwks"]
    response = login_with_code(
        client, op, "code-2", lambda n: op.mint(op.claims(n), kid="k9", key=test_keys["attacker"])
    )
    assert_rejected(client, response, op, "unknown_kid")
    assert op.calls["jwks"] == fetches + 1


def login_with_code(client, op, code, make_token):
    params = start_login(client)
    op.issue_code(code, make_token(params["nonce"]))
    return callback(client, code=code, state=params["state"])


def test_rotated_key_is_found_by_one_refetch(client, op, test_keys):
    login_with(client, op, lambda nonce: op.mint(op.claims(nonce)))
    client.post("/accounts/logout/")
    op.published = [public_jwk(test_keys["k2"], "k2")]  # the provider rotates its key
    op.keys["k2"] = test_keys["k2"]
    response = login_with_code(client, op, "code-2", lambda n: op.mint(op.claims(n), kid="k2"))
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_rotated_key_with_the_same_kid_is_found_by_one_refetch(client, op, test_keys):
    """The provider replaces its key but keeps the key id: the cached key fails the signature, one refetch
    of the key set finds the new key, and the login goes through at once (not when the cache expires)."""
    login_with(client, op, lambda nonce: op.mint(op.claims(nonce)))  # caches the key set with the old k1
    client.post("/accounts/logout/")
    fetches = op.calls["jwks"]
    op.keys["k1"] = test_keys["k2"]
    op.published = [public_jwk(test_keys["k2"], "k1")]  # a new key under the old kid
    response = login_with_code(client, op, "code-2", lambda n: op.mint(op.claims(n), kid="k1"))
    assert response.status_code == 302
    assert client.session["_auth_user_id"]
    assert op.calls["jwks"] == fetches + 1
    client.post("/accounts/logout/")
    response = login_with_code(client, op, "code-3", lambda n: op.mint(op.claims(n), kid="k1"))
    assert response.status_code == 302  # the refetched set is cached: no further fetch
    assert op.calls["jwks"] == fetches + 1


def test_forged_signature_with_a_known_kid_is_refused_after_the_refetch(client, op, test_keys):
    login_with(client, op, lambda nonce: op.mint(op.claims(nonce)))
    client.post("/accounts/logout/")
    User.objects.all().delete()
    fetches = op.calls["jwks"]
    response = login_with_code(client, op, "code-2",
                               lambda n: op.mint(op.claims(n), kid="k1", key=test_keys["attacker"]))
    assert_rejected(client, response, op, "signature")
    assert op.calls["jwks"] == fetches + 1  # it looked once for a rotated key, found the same, refused


def test_refetching_the_key_set_is_rate_limited(client, op, test_keys, settings):
    """A stream of forged tokens (bad signatures, unknown key ids) costs the provider one refetch per
    interval, not one per token; once the interval has passed, a real rotation is found again."""
    login_with(client, op, lambda nonce: op.mint(op.claims(nonce)))
    client.post("/accounts/logout/")
    User.objects.all().delete()
    fetches = op.calls["jwks"]
    forgeries = [lambda n: op.mint(op.claims(n), kid="k1", key=test_keys["attacker"]),
                 lambda n: op.mint(op.claims(n), kid="k9", key=test_keys["attacker"])] * 3
    for number, forge in enumerate(forgeries):
        response = login_with_code(client, op, f"forged-{number}", forge)
        assert_rejected(client, response, op)
    assert op.calls["jwks"] == fetches + 1

    from django.core.cache import cache

    from accounts.oidc.provider import _cache_key

    cache.delete(_cache_key("jwks-refetch", f"{op.issuer}/jwks"))  # the interval has passed
    op.keys["k1"] = test_keys["k2"]
    op.published = [public_jwk(test_keys["k2"], "k1")]
    response = login_with_code(client, op, "rotated", lambda n: op.mint(op.claims(n), kid="k1"))
    assert response.status_code == 302
    assert op.calls["jwks"] == fetches + 2


def test_several_keys_and_no_kid_is_rejected(client, op, test_keys):
    op.published = [public_jwk(test_keys["k1"], None), public_jwk(test_keys["k2"], None)]
    response = login_with(client, op, lambda nonce: op.mint(op.claims(nonce), kid=None))
    assert_rejected(client, response, op, "no_kid_several_keys")


def test_token_without_kid_is_accepted_when_the_key_set_has_one_key(client, op, test_keys):
    op.published = [public_jwk(test_keys["k1"], None)]
    response = login_with(client, op, lambda nonce: op.mint(op.claims(nonce), kid=None))
    assert response.status_code == 302
    user = User.objects.get()
    assert client.session["_auth_user_id"] == str(user.pk)
    assert user.bankid_altsub == "9578-5999-4-1765512"
    assert user.name == "Kari Nordmann"
    assert str(user.birth_date) == "1985-03-14"
    assert user.email == ""  # never from BankID


def test_state_mismatch_is_rejected(client, op):
    params = start_login(client)
    op.issue_code("code-1", op.mint(op.claims(params["nonce"])))
    response = callback(client, code="code-1", state="forged-state")
    assert_rejected(client, response, op, "state")
    assert op.calls["token"] == 0


def test_state_replay_is_rejected(client, op):
    params = start_login(client)
    op.issue_code("code-1", op.mint(op.claims("wrong-nonce")))
    first = callback(client, code="code-1", state=params["state"])
    assert_rejected(client, first, op, "nonce")
    op.issue_code("code-2", op.mint(op.claims(params["nonce"])))
    second = callback(client, code="code-2", state=params["state"])  # the same state again, now with a good token
    assert_rejected(client, second, op, "state")


def test_authorization_code_replay_is_rejected(client, op):
    params = start_login(client)
    op.issue_code("code-1", op.mint(op.claims(params["nonce"])))
    assert callback(client, code="code-1", state=params["state"]).status_code == 302
    client.post("/accounts/logout/")
    User.objects.all().delete()
    params = start_login(client)
    response = callback(client, code="code-1", state=params["state"])  # the provider refuses a used code
    assert_rejected(client, response, op, "code_rejected")


def test_userinfo_with_another_sub_is_rejected(client, op, settings):
    settings.BANKID_USE_USERINFO = True
    op.userinfo = {"sub": "someone-else", "email": "x@example.com"}
    response = login_with(client, op, lambda nonce: op.mint(op.claims(nonce)))
    assert response.status_code == 400 and "Login failed" in response.text
    assert "<code>userinfo_sub_mismatch</code>" in response.text
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == 0
    assert op.calls["userinfo"] == 1


def test_userinfo_with_the_same_sub_is_accepted_but_cannot_change_identity(client, op, settings):
    settings.BANKID_USE_USERINFO = True
    op.userinfo = {"sub": "per-login-sub-1", "bankid_altsub": "other-person"}
    response = login_with(client, op, lambda nonce: op.mint(op.claims(nonce)))
    assert response.status_code == 302
    assert User.objects.get().bankid_altsub == "9578-5999-4-1765512"


def test_the_token_request_uses_client_secret_basic_and_pkce(client, op):
    import base64
    import hashlib

    params = start_login(client)
    assert params["code_challenge_method"] == "S256"
    assert params["acr_values"] == ACR
    op.issue_code("code-1", op.mint(op.claims(params["nonce"])))
    callback(client, code="code-1", state=params["state"])
    request = op.token_requests[0]
    assert "client_secret" not in request["form"]
    verifier = request["form"]["code_verifier"]
    assert base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode() \
        == params["code_challenge"]


def test_the_discovery_document_and_key_set_are_cached(client, op):
    for code in ("a", "b"):
        login_with_code(client, op, code, lambda n: op.mint(op.claims(n)))
        client.post("/accounts/logout/")
    assert op.calls["discovery"] == 1
    assert op.calls["jwks"] == 1


def test_provider_error_and_cancel_are_login_failed_pages(client, op):
    params = start_login(client)
    response = client.get("/accounts/bankid/callback/", {"error": "access_denied", "state": params["state"]},
                          HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "cancelled" in response.text
    assert "_auth_user_id" not in client.session


def test_unreachable_provider_is_a_clear_page_not_a_500(client, settings):
    settings.BANKID_ISSUER = "http://127.0.0.1:9"
    settings.BANKID_CLIENT_ID, settings.BANKID_CLIENT_SECRET = CLIENT_ID, CLIENT_SECRET
    response = client.get("/api/v1/auth/bankid")
    assert response.status_code == 503
    assert response.json()["code"] == "login_unavailable"
    session = client.session
    session["oidc_states"] = {"s": {"nonce": "n", "code_verifier": "v" * 64, "added_on": time.time()}}
    session.save()
    page = callback(client, code="c", state="s")
    assert page.status_code == 503 and "Login failed" in page.text
