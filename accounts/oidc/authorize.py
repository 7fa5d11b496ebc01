"""The start of a BankID login: the authorization request (state, nonce, PKCE S256, acr_values, login_hint).

Used by the API's login start (``GET /api/v1/auth/bankid``); the callback and logout are page views
(``views.py``).
"""
from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.utils.http import url_has_allowed_host_and_scheme
from mozilla_django_oidc.utils import add_state_and_verifier_and_nonce_to_session, generate_code_challenge

from .backend import acr_values
from .provider import client_config, discovery

LOGIN_HINTS = {"BID", "BIM", "BIS"}


def safe_next(request: HttpRequest, value: str | None) -> str | None:
    """`value` when it is a path or URL on this site (an open redirect otherwise), else None."""
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()},
                                                 require_https=request.is_secure()):
        return value
    return None


def bankid_authorization_url(request: HttpRequest, *, next_url: str | None, hint: str | None) -> str:
    """The provider's authorization URL (from discovery); state, nonce and PKCE verifier go in the session."""
    config = client_config(request)
    provider = discovery(config.issuer)
    state = get_random_string(32)
    nonce = get_random_string(32)
    verifier = get_random_string(settings.OIDC_PKCE_CODE_VERIFIER_SIZE)
    scopes = settings.BANKID_SCOPES.split()
    if settings.BANKID_STORE_NNIN and "nnin_altsub" not in scopes:
        scopes.append("nnin_altsub")
    params = {
        "response_type": "code",
        "scope": " ".join(scopes),
        "client_id": config.client_id,
        "redirect_uri": request.build_absolute_uri(reverse(settings.OIDC_AUTHENTICATION_CALLBACK_URL)),
        "state": state,
        "nonce": nonce,
        "code_challenge": generate_code_challenge(verifier, "S256"),
        "code_challenge_method": "S256",
        "acr_values": " ".join(acr_values()),
        "ui_locales": getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE),
    }
    if hint in LOGIN_HINTS:
        params["login_hint"] = hint
    add_state_and_verifier_and_nonce_to_session(request, state, params, verifier)
    request.session["oidc_login_next"] = next_url
    return f"{provider['authorization_endpoint']}?{urlencode(params)}"
