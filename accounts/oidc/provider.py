"""The OpenID provider as the discovery document describes it: endpoints, and its keys.

Both the discovery document and the JWKS are cached (the cache is Redis in production). An
ID token signed with a key id we do not know, or whose signature the cached key does not verify,
triggers one refetch of the JWKS (key rotation, even with a reused key id); after that it is
rejected. Refetches are rate-limited (BANKID_JWKS_REFETCH_INTERVAL), so forged tokens cannot make
us hammer the provider.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import jwt
import requests
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from .errors import LoginFailed, ProviderUnavailable

logger = logging.getLogger("accounts.oidc")


@dataclass(frozen=True)
class ClientConfig:
    issuer: str
    client_id: str
    client_secret: str
    standin: bool


def standin_enabled() -> bool:
    """The local stand-in runs only in development: installed (the `standins` app), DEBUG on, no BankID
    issuer, and allowed by settings."""
    return bool(settings.BANKID_STANDIN_ALLOWED and settings.DEBUG and not settings.BANKID_ISSUER
                and apps.is_installed("standins"))


def standin_client_secret() -> str:
    return hashlib.sha256(f"epty-standin:{settings.SECRET_KEY}".encode()).hexdigest()


def client_config(request) -> ClientConfig:
    if settings.BANKID_ISSUER:
        return ClientConfig(settings.BANKID_ISSUER, settings.BANKID_CLIENT_ID, settings.BANKID_CLIENT_SECRET, False)
    if standin_enabled():
        issuer = request.build_absolute_uri(reverse("bankid_standin:root")).rstrip("/")
        return ClientConfig(issuer, settings.BANKID_STANDIN_CLIENT_ID, standin_client_secret(), True)
    raise ProviderUnavailable("not_configured")


def _cache_key(kind: str, url: str) -> str:
    return f"accounts:oidc:{kind}:{hashlib.sha256(url.encode()).hexdigest()[:32]}"


def _get_json(url: str) -> dict:
    try:
        response = requests.get(url, timeout=settings.BANKID_HTTP_TIMEOUT, headers={"Accept": "application/json"})
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        logger.warning("OpenID provider request failed: %s %s", url, type(exc).__name__)
        raise ProviderUnavailable("provider_unreachable") from exc
    if not isinstance(data, dict):
        raise ProviderUnavailable("provider_bad_response")
    return data


REQUIRED_ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri")


def discovery(issuer: str) -> dict:
    """The provider's discovery document, cached, checked to be for this issuer and to support RS256 and S256."""
    url = f"{issuer}/.well-known/openid-configuration"
    key = _cache_key("discovery", url)
    doc = cache.get(key)
    if doc is None:
        doc = _get_json(url)
        if doc.get("issuer", "").rstrip("/") != issuer.rstrip("/"):
            logger.error("Discovery document issuer does not match the configured issuer")
            raise ProviderUnavailable("discovery_issuer_mismatch")
        if any(not doc.get(name) for name in REQUIRED_ENDPOINTS):
            raise ProviderUnavailable("discovery_incomplete")
        if "RS256" not in doc.get("id_token_signing_alg_values_supported", ["RS256"]):
            raise ProviderUnavailable("discovery_no_rs256")
        if "S256" not in doc.get("code_challenge_methods_supported", ["S256"]):
            raise ProviderUnavailable("discovery_no_pkce_s256")
        cache.set(key, doc, settings.BANKID_DISCOVERY_TTL)
    return doc


def _fetch_jwks(jwks_uri: str) -> dict:
    jwks = _get_json(jwks_uri)
    if not isinstance(jwks.get("keys"), list):
        raise ProviderUnavailable("jwks_invalid")
    cache.set(_cache_key("jwks", jwks_uri), jwks, settings.BANKID_JWKS_TTL)
    return jwks


def _signing_keys(jwks: dict) -> list[dict]:
    return [k for k in jwks["keys"] if isinstance(k, dict) and k.get("kty") == "RSA"
            and k.get("use", "sig") == "sig" and k.get("alg", "RS256") == "RS256"]


def _key_set_refetch(jwks_uri: str) -> dict | None:
    """The key set fetched again (key rotation), or None when it was refetched less than
    BANKID_JWKS_REFETCH_INTERVAL seconds ago: forged tokens cannot make us hammer the provider."""
    if not cache.add(_cache_key("jwks-refetch", jwks_uri), 1, settings.BANKID_JWKS_REFETCH_INTERVAL):
        logger.info("JWKS refetch skipped: the key set was refetched moments ago")
        return None
    return _fetch_jwks(jwks_uri)


def _find_key(jwks: dict, kid: str | None) -> dict | None:
    keys = _signing_keys(jwks)
    if kid is None:
        if len(keys) > 1:
            raise LoginFailed("no_kid_several_keys")
        return keys[0] if keys else None
    matching = [k for k in keys if k.get("kid") == kid]
    return matching[0] if len(matching) == 1 else None


def signing_key(jwks_uri: str, kid: str | None) -> jwt.PyJWK:
    """The RSA key that signed a token: by `kid`, or the only key when the token has none.

    A `kid` missing from the cached key set refetches it once (rate-limited) before giving up."""
    jwks = cache.get(_cache_key("jwks", jwks_uri))
    fresh = jwks is None
    if fresh:
        jwks = _fetch_jwks(jwks_uri)
    jwk = _find_key(jwks, kid)
    if jwk is None and not fresh:
        refetched = _key_set_refetch(jwks_uri)
        if refetched is not None:
            jwk = _find_key(refetched, kid)
    if jwk is None:
        raise LoginFailed("unknown_kid" if kid else "no_signing_key")
    return _to_pyjwk(jwk)


def signing_key_after_bad_signature(jwks_uri: str, kid: str | None, tried: jwt.PyJWK) -> jwt.PyJWK | None:
    """After a signature that `tried` does not verify: the key for `kid` from a refetched key set
    (rate-limited), when it differs from `tried`. The provider may have rotated its key and kept the key
    id; the cached set would otherwise fail every login until it expires. None: nothing new to try."""
    refetched = _key_set_refetch(jwks_uri)
    if refetched is None:
        return None
    jwk = _find_key(refetched, kid)
    if jwk is None:
        return None
    key = _to_pyjwk(jwk)
    if _public_numbers(key) == _public_numbers(tried):
        return None
    return key


def _public_numbers(key: jwt.PyJWK) -> object:
    return key.key.public_numbers() if hasattr(key.key, "public_numbers") else None


def _to_pyjwk(jwk: dict) -> jwt.PyJWK:
    try:
        return jwt.PyJWK(jwk, algorithm="RS256")
    except jwt.PyJWTError as exc:
        raise LoginFailed("jwks_key_invalid") from exc


