"""mozilla-django-oidc's backend, made safe for BankID.

What the library leaves unchecked (see docs: bankid.md) is done here: endpoints and keys come
from discovery, the ID token is verified for signature (RS256 only, JWKS cached, one rate-limited
refetch on an unknown `kid` or a failed signature), `iss`, `aud`/`azp`, `exp`, `iat`, `sub`, nonce
and level of assurance, and users are keyed on `bankid_altsub` from the verified token. Every
failure raises LoginFailed, which the callback view turns into a login-failed page; nothing here
logs personal data.
"""
from __future__ import annotations

import hmac
import logging
import time

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from requests.auth import HTTPBasicAuth

from .. import services
from .errors import LoginFailed, ProviderUnavailable
from .provider import client_config, discovery, signing_key, signing_key_after_bad_signature

logger = logging.getLogger("accounts.oidc")

JWT_ERRORS = (
    (jwt.ExpiredSignatureError, "expired"),
    (jwt.ImmatureSignatureError, "not_yet_valid"),
    (jwt.InvalidAudienceError, "audience"),
    (jwt.InvalidIssuerError, "issuer"),
    (jwt.InvalidSignatureError, "signature"),
    (jwt.InvalidAlgorithmError, "algorithm"),
)


def acr_values() -> list[str]:
    return settings.BANKID_ACR_VALUES.split()


class BankIDBackend(OIDCAuthenticationBackend):
    def __init__(self, *args, **kwargs):
        # The parent reads fixed endpoints from settings; ours come from discovery per login.
        self.OIDC_RP_SIGN_ALGO = "RS256"
        self.UserModel = get_user_model()

    # --- the code flow -----------------------------------------------------------------
    def authenticate(self, request, nonce=None, code_verifier=None, **kwargs):
        if request is None or nonce is None or code_verifier is None:
            return None  # not a BankID callback (e.g. the admin's password login)
        code = request.GET.get("code")
        if not code or not request.GET.get("state"):
            return None
        self.request = request
        self.config = client_config(request)
        self.provider = discovery(self.config.issuer)

        token_info = self.get_token({
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": request.build_absolute_uri(reverse(settings.OIDC_AUTHENTICATION_CALLBACK_URL)),
            "code_verifier": code_verifier,
        })
        id_token = token_info.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise LoginFailed("no_id_token")
        claims = self.verify_token(id_token, nonce=nonce)
        request.bankid_acr = claims["acr"]  # the verified level of assurance; the callback keeps it in the session
        if settings.BANKID_USE_USERINFO and self.provider.get("userinfo_endpoint"):
            claims = {**claims, **self.get_userinfo(token_info.get("access_token"), id_token, claims)}
        self.store_tokens(token_info.get("access_token"), id_token)
        return self.get_or_create_user(token_info.get("access_token"), id_token, claims)

    def get_token(self, payload):
        """Exchange the code at the token endpoint with client_secret_basic."""
        try:
            response = requests.post(
                self.provider["token_endpoint"], data=payload,
                auth=HTTPBasicAuth(self.config.client_id, self.config.client_secret),
                timeout=settings.BANKID_HTTP_TIMEOUT, headers={"Accept": "application/json"},
            )
        except requests.RequestException as exc:
            raise ProviderUnavailable("token_endpoint_unreachable") from exc
        if response.status_code != 200:
            try:
                error = str(response.json().get("error", "unknown"))[:40]
            except ValueError:
                error = "unknown"
            logger.warning("Token endpoint refused the code: status=%s error=%s", response.status_code, error)
            raise LoginFailed("code_rejected")
        try:
            return response.json()
        except ValueError as exc:
            raise LoginFailed("token_response_invalid") from exc

    def verify_token(self, token, **kwargs):
        """Verify an ID token completely; return its claims or raise LoginFailed."""
        nonce = kwargs.get("nonce")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise LoginFailed("malformed_token") from exc
        if header.get("alg") != "RS256":
            raise LoginFailed("algorithm")
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise LoginFailed("malformed_token")
        key = signing_key(self.provider["jwks_uri"], kid)
        try:
            claims = self._decode(token, key)
        except LoginFailed as exc:
            if exc.reason != "signature":
                raise
            # The provider may have rotated its key under the same key id: refetch once (rate-limited).
            newer = signing_key_after_bad_signature(self.provider["jwks_uri"], kid, tried=key)
            if newer is None:
                raise
            claims = self._decode(token, newer)

        audiences = [self.config.client_id, *settings.BANKID_TRUSTED_AUDIENCES]
        aud = claims["aud"]
        aud_list = [aud] if isinstance(aud, str) else aud
        if (not isinstance(aud_list, list) or self.config.client_id not in aud_list
                or any(not isinstance(a, str) or a not in audiences for a in aud_list)):
            raise LoginFailed("audience")
        if (len(aud_list) > 1 or "azp" in claims) and claims.get("azp") != self.config.client_id:
            raise LoginFailed("azp")
        if not isinstance(claims["iat"], (int, float)) or claims["iat"] > time.time() + settings.BANKID_CLOCK_SKEW:
            raise LoginFailed("iat")
        if not isinstance(claims["sub"], str) or not claims["sub"]:
            raise LoginFailed("missing_sub")
        token_nonce = claims.get("nonce")
        if not isinstance(token_nonce, str) or not nonce or not hmac.compare_digest(token_nonce, nonce):
            raise LoginFailed("nonce")
        if claims.get("acr") not in acr_values():
            raise LoginFailed("acr")
        altsub = claims.get("bankid_altsub")
        if not isinstance(altsub, str) or not altsub.strip():
            raise LoginFailed("missing_bankid_altsub")
        return claims

    def _decode(self, token: str, key: jwt.PyJWK) -> dict:
        try:
            return jwt.decode(
                token, key, algorithms=["RS256"], audience=self.config.client_id,
                issuer=self.provider["issuer"], leeway=settings.BANKID_CLOCK_SKEW,
                options={"require": ["iss", "aud", "exp", "iat", "sub"], "verify_signature": True,
                         "verify_aud": False},
            )
        except jwt.MissingRequiredClaimError as exc:
            raise LoginFailed(f"missing_{exc.claim}") from exc
        except jwt.PyJWTError as exc:
            for error_class, reason in JWT_ERRORS:
                if isinstance(exc, error_class):
                    raise LoginFailed(reason) from exc
            raise LoginFailed("invalid_token") from exc

    def get_userinfo(self, access_token, id_token, payload):
        """BankID's userinfo (off by default): its `sub` must be the ID token's."""
        try:
            response = requests.get(self.provider["userinfo_endpoint"], timeout=settings.BANKID_HTTP_TIMEOUT,
                                    headers={"Authorization": f"Bearer {access_token}"})
            response.raise_for_status()
        except requests.RequestException as exc:
            raise ProviderUnavailable("userinfo_unreachable") from exc
        if response.headers.get("content-type", "").lower().startswith("application/jwt"):
            # Signed by the userinfo server (its own `iss`); verify the signature with the provider's keys.
            try:
                header = jwt.get_unverified_header(response.text)
                key = signing_key(self.provider["jwks_uri"], header.get("kid"))
                info = jwt.decode(response.text, key, algorithms=["RS256"], options={"verify_aud": False})
            except jwt.PyJWTError as exc:
                raise LoginFailed("userinfo_invalid") from exc
        else:
            try:
                info = response.json()
            except ValueError as exc:
                raise LoginFailed("userinfo_invalid") from exc
        if not isinstance(info, dict) or info.get("sub") != payload["sub"]:
            raise LoginFailed("userinfo_sub_mismatch")
        # Identity claims are taken from the verified ID token only.
        return {k: v for k, v in info.items() if k not in {"sub", "bankid_altsub", "acr", "nnin_altsub", "iss", "aud"}}

    def store_tokens(self, access_token, id_token):
        """Keep the ID token for `id_token_hint` at logout, unless it may carry the identity number."""
        if not settings.BANKID_STORE_NNIN:
            self.request.session["oidc_id_token"] = id_token

    # --- users ---------------------------------------------------------------------------
    def verify_claims(self, claims):
        return bool(claims.get("bankid_altsub"))

    def filter_users_by_claims(self, claims):
        return self.UserModel.objects.filter(bankid_altsub=claims["bankid_altsub"])

    def get_or_create_user(self, access_token, id_token, payload):
        if not self.verify_claims(payload):
            raise LoginFailed("missing_bankid_altsub")
        return services.user_upsert_from_bankid(claims=payload)

    def create_user(self, claims):
        return services.user_upsert_from_bankid(claims=claims)

    def update_user(self, user, claims):
        return services.user_upsert_from_bankid(claims=claims)
