"""The local BankID stand-in: a real OpenID provider for development, impossible in production."""
from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

from accounts.oidc.provider import standin_client_secret

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def standin(settings):
    settings.DEBUG = True
    settings.BANKID_ISSUER = ""


def _authorize(client, **overrides):
    params = {"client_id": "epty-local", "redirect_uri": "http://testserver/accounts/bankid/callback/",
              "response_type": "code", "scope": "openid profile", "state": "s", "nonce": "n",
              "code_challenge": base64.urlsafe_b64encode(__import__("hashlib").sha256(b"v" * 64).digest())
              .rstrip(b"=").decode(), "code_challenge_method": "S256",
              "acr_values": "urn:bankid:bid;LOA=4", "person": "9578-6000-4-100001", **overrides}
    response = client.post("/dev/bankid/authorize", params)
    assert response.status_code == 302
    return response["Location"]


def _token(client, code, verifier="v" * 64, secret=None):
    basic = base64.b64encode(f"epty-local:{secret or standin_client_secret()}".encode()).decode()
    return client.post("/dev/bankid/token", {"grant_type": "authorization_code", "code": code,
                                             "redirect_uri": "http://testserver/accounts/bankid/callback/",
                                             "code_verifier": verifier}, HTTP_AUTHORIZATION=f"Basic {basic}")


def test_standin_is_off_without_debug_or_with_a_real_issuer(client, settings):
    settings.DEBUG = False
    settings.BANKID_ISSUER = ""
    assert client.get("/dev/bankid/.well-known/openid-configuration").status_code == 404
    settings.DEBUG = True
    settings.BANKID_ISSUER = "https://auth.current.bankid.no/auth/realms/current"
    assert client.get("/dev/bankid/.well-known/openid-configuration").status_code == 404
    assert client.post("/dev/bankid/token").status_code == 404


def test_standin_publishes_discovery_and_keys(client, standin):
    doc = client.get("/dev/bankid/.well-known/openid-configuration").json()
    assert doc["issuer"] == "http://testserver/dev/bankid"
    assert doc["code_challenge_methods_supported"] == ["S256"]
    keys = client.get("/dev/bankid/jwks").json()["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "RSA" and "d" not in keys[0]


def test_standin_token_endpoint_checks_pkce_client_secret_and_single_use(client, standin):
    code = _authorize(client).split("code=")[1].split("&")[0]
    assert _token(client, code, secret="wrong").status_code == 401
    assert _token(client, code, verifier="w" * 64).json()["error"] == "invalid_grant"  # PKCE failure burns the code
    code = _authorize(client).split("code=")[1].split("&")[0]
    first = _token(client, code)
    assert first.status_code == 200 and first.json()["id_token"]
    assert _token(client, code).json()["error"] == "invalid_grant"  # replay


def test_standin_refuses_a_request_without_pkce_or_for_another_redirect(client, standin):
    assert "error=invalid_request" in _authorize(client, code_challenge_method="plain")
    response = client.get("/dev/bankid/authorize", {"client_id": "epty-local", "redirect_uri": "https://evil.example/"})
    assert response.status_code == 400


def _manage(*args, **env):
    from epty.settings.env import VARIABLES

    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


PRODUCTION = {"DJANGO_SETTINGS_MODULE": "epty.settings.production", "DJANGO_SECRET_KEY": "k" * 60,
              "DJANGO_ALLOWED_HOSTS": "epty.no", "DJANGO_DEBUG": "1"}


def test_production_settings_make_the_standin_impossible():
    code = ("from django.conf import settings; from django.urls import resolve, Resolver404\n"
            "from accounts.oidc.provider import standin_enabled\n"
            "settings.DEBUG = True\n"
            "assert not settings.BANKID_STANDIN_ALLOWED and not standin_enabled()\n"
            "try:\n    resolve('/dev/bankid/token'); print('ROUTED')\nexcept Resolver404:\n    print('NOT ROUTED')\n")
    result = _manage("shell", "-c", code, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "NOT ROUTED" in result.stdout


def test_production_refuses_a_bankid_issuer_without_credentials_or_https():
    result = _manage("check", **PRODUCTION, BANKID_ISSUER="https://auth.bankid.no/auth/realms/prod")
    assert result.returncode != 0 and "BANKID_CLIENT_ID and BANKID_CLIENT_SECRET" in result.stderr
    result = _manage("check", **PRODUCTION, BANKID_ISSUER="http://auth.bankid.no", BANKID_CLIENT_ID="a",
                     BANKID_CLIENT_SECRET="b")
    assert result.returncode != 0 and "https://" in result.stderr
    result = _manage("check", **PRODUCTION, BANKID_STORE_NNIN="1")
    assert result.returncode != 0 and "NNIN_SECRET" in result.stderr
