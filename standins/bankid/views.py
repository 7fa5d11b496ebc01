"""The stand-in provider's endpoints: discovery, JWKS, authorize, token, end-session."""
from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
import time
from urllib.parse import unquote_plus, urlencode

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.oidc.provider import standin_client_secret, standin_enabled

from .persons import PERSONS, by_altsub

KEY_CACHE = "accounts:standin:rsa-key"
CODE_TTL = 60
TOKEN_LIFETIME = 300
ACRS = ["urn:bankid:bid;LOA=4", "urn:bankid:bis;LOA=3"]


def standin_only(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not standin_enabled():
            raise Http404("The BankID stand-in is off.")
        return view(request, *args, **kwargs)
    return wrapper


def _issuer(request) -> str:
    return request.build_absolute_uri(reverse("bankid_standin:root")).rstrip("/")


def _private_key() -> rsa.RSAPrivateKey:
    pem = cache.get(KEY_CACHE)
    if pem is None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
        if not cache.add(KEY_CACHE, pem, timeout=None):
            pem = cache.get(KEY_CACHE)
    loaded = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(loaded, rsa.RSAPrivateKey)  # the key this module generated
    return loaded


def _public_jwk(key: rsa.RSAPrivateKey) -> dict:
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    thumb = hashlib.sha256(f'{{"e":"{jwk["e"]}","kty":"RSA","n":"{jwk["n"]}"}}'.encode()).digest()
    return {**jwk, "kid": base64.urlsafe_b64encode(thumb).rstrip(b"=").decode(), "use": "sig", "alg": "RS256"}


def _callback_url(request) -> str:
    return request.build_absolute_uri(reverse(settings.OIDC_AUTHENTICATION_CALLBACK_URL))


@require_GET
@standin_only
def root(request):
    return discovery(request)


@require_GET
@standin_only
def discovery(request):
    issuer = _issuer(request)
    return JsonResponse({
        "issuer": issuer,
        "authorization_endpoint": request.build_absolute_uri(reverse("bankid_standin:authorize")),
        "token_endpoint": request.build_absolute_uri(reverse("bankid_standin:token")),
        "jwks_uri": request.build_absolute_uri(reverse("bankid_standin:jwks")),
        "end_session_endpoint": request.build_absolute_uri(reverse("bankid_standin:end-session")),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "scopes_supported": ["openid", "profile", "nnin_altsub"],
        "acr_values_supported": ACRS,
        "claims_supported": ["sub", "bankid_altsub", "acr", "amr", "name", "given_name", "family_name",
                             "birthdate", "nnin_altsub"],
    })


@require_GET
@standin_only
def jwks(request):
    return JsonResponse({"keys": [_public_jwk(_private_key())]})


def _authorize_error(request, message: str):
    return render(request, "standins/bankid_error.html", {"message": message}, status=400)


@require_http_methods(["GET", "POST"])
@standin_only
def authorize(request):
    params = request.GET if request.method == "GET" else request.POST
    if params.get("client_id") != settings.BANKID_STANDIN_CLIENT_ID:
        return _authorize_error(request, "Unknown client_id.")
    if params.get("redirect_uri") != _callback_url(request):
        return _authorize_error(request, "redirect_uri is not registered for this client.")
    redirect_uri, state = params["redirect_uri"], params.get("state", "")

    def error(code: str):
        return HttpResponseRedirect(f"{redirect_uri}?{urlencode({'error': code, 'state': state})}")

    if params.get("response_type") != "code":
        return error("unsupported_response_type")
    if "openid" not in params.get("scope", "").split():
        return error("invalid_scope")
    if params.get("code_challenge_method") != "S256" or len(params.get("code_challenge", "")) < 43:
        return error("invalid_request")  # PKCE S256 is required
    if not params.get("nonce"):
        return error("invalid_request")
    if request.method == "POST":
        if "cancel" in request.POST:
            return error("access_denied")
        person = by_altsub(request.POST.get("person", ""))
        if person is None:
            return _authorize_error(request, "Pick a test person.")
        requested = [acr for acr in params.get("acr_values", "").split() if acr in ACRS]
        code = secrets.token_urlsafe(32)
        cache.set(f"accounts:standin:code:{code}", {
            "redirect_uri": redirect_uri, "nonce": params["nonce"], "challenge": params["code_challenge"],
            "scope": params.get("scope", ""), "altsub": person["bankid_altsub"],
            "acr": requested[0] if requested else ACRS[0],
        }, timeout=CODE_TTL)
        return HttpResponseRedirect(f"{redirect_uri}?{urlencode({'code': code, 'state': state})}")
    hidden = {k: params.get(k, "") for k in ("client_id", "redirect_uri", "response_type", "scope", "state", "nonce",
                                             "code_challenge", "code_challenge_method", "acr_values", "login_hint")}
    return render(request, "standins/bankid_authorize.html", {"persons": PERSONS, "hidden": hidden,
                                                               "method": params.get("login_hint", "")})


def _token_error(code: str, status: int = 400):
    response = JsonResponse({"error": code}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="bankid-standin"'
    return response


@csrf_exempt
@require_POST
@standin_only
def token(request):
    auth = request.META.get("HTTP_AUTHORIZATION", "")
    try:
        scheme, encoded = auth.split(" ", 1)
        client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
    except ValueError:
        return _token_error("invalid_client", 401)
    client_id, secret = unquote_plus(client_id), unquote_plus(secret)
    if (scheme.lower() != "basic" or client_id != settings.BANKID_STANDIN_CLIENT_ID
            or not hmac.compare_digest(secret, standin_client_secret())):
        return _token_error("invalid_client", 401)
    if request.POST.get("grant_type") != "authorization_code":
        return _token_error("unsupported_grant_type")
    key = f"accounts:standin:code:{request.POST.get('code', '')}"
    grant = cache.get(key)
    if grant is None or not cache.delete(key):  # single use
        return _token_error("invalid_grant")
    if request.POST.get("redirect_uri") != grant["redirect_uri"]:
        return _token_error("invalid_grant")
    verifier = request.POST.get("code_verifier", "")
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    if not verifier or not hmac.compare_digest(challenge, grant["challenge"]):
        return _token_error("invalid_grant")
    person = by_altsub(grant["altsub"])
    if person is None:
        return _token_error("invalid_grant")
    now = int(time.time())
    claims = {
        "iss": _issuer(request), "aud": client_id, "sub": secrets.token_hex(16), "iat": now,
        "exp": now + TOKEN_LIFETIME,
        "auth_time": now, "nonce": grant["nonce"], "acr": grant["acr"], "amr": ["BID"],
        "bankid_altsub": person["bankid_altsub"],
    }
    scopes = grant["scope"].split()
    if "profile" in scopes:
        claims.update({k: person[k] for k in ("name", "given_name", "family_name", "birthdate")})
    if "nnin_altsub" in scopes:
        claims["nnin_altsub"] = person["nnin_altsub"]
    private = _private_key()
    id_token = jwt.encode(claims, private, algorithm="RS256", headers={"kid": _public_jwk(private)["kid"]})
    response = JsonResponse({"access_token": secrets.token_urlsafe(32), "token_type": "Bearer",
                             "expires_in": TOKEN_LIFETIME, "id_token": id_token, "scope": grant["scope"]})
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@standin_only
def end_session(request):
    target = request.GET.get("post_logout_redirect_uri") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return HttpResponseRedirect(target)
