"""Settings for bankid (imported by base.py): BankID login over OpenID Connect, API tokens, privacy.

Endpoints are never configured by hand: they come from the issuer's discovery document
(accounts/oidc/provider.py). With no BANKID_ISSUER and DEBUG on, the login runs against the
local BankID stand-in (standins/bankid/) under /dev/bankid/, never in production.
"""
from .env import env, env_bool, env_int, env_list

# --- The provider. Test: https://auth.current.bankid.no/auth/realms/current, production: .../realms/prod
BANKID_ISSUER = (env("BANKID_ISSUER") or "").rstrip("/")
BANKID_CLIENT_ID = env("BANKID_CLIENT_ID", "")
BANKID_CLIENT_SECRET = env("BANKID_CLIENT_SECRET", "")
# The level of assurance asked for and required in the ID token (space-separated, any one accepted).
BANKID_ACR_VALUES = env("BANKID_ACR_VALUES", "urn:bankid:bid;LOA=4")
BANKID_SCOPES = env("BANKID_SCOPES", "openid profile")
# Audiences besides our client id that may appear in an ID token (then `azp` must be our client id).
BANKID_TRUSTED_AUDIENCES = env_list("BANKID_TRUSTED_AUDIENCES")
# BankID's userinfo is experimental and needs consent; off by default (claims come from the ID token).
BANKID_USE_USERINFO = env_bool("BANKID_USE_USERINFO", False)
BANKID_DISCOVERY_TTL = 6 * 3600
BANKID_JWKS_TTL = 3600
# After an unknown key id or a failed signature the key set is refetched, at most once in this many seconds.
BANKID_JWKS_REFETCH_INTERVAL = 30
BANKID_HTTP_TIMEOUT = 10
BANKID_CLOCK_SKEW = 60
# Logins started / completed per client IP in a window (seconds).
BANKID_LOGIN_RATE = env_int("BANKID_LOGIN_RATE", 20)
BANKID_LOGIN_RATE_WINDOW = 300
# The local stand-in (the `standins` app, installed by local and test settings only); production.py
# turns it off as well.
BANKID_STANDIN_ALLOWED = True
BANKID_STANDIN_CLIENT_ID = "epty-local"

# --- E-mail confirmation: links mailed to an address the user types in, at most this many in 24 hours.
EMAIL_CONFIRM_DAILY_LIMIT = env_int("EMAIL_CONFIRM_DAILY_LIMIT", 5)

# --- The national identity number: not requested, not stored, unless this is on.
BANKID_STORE_NNIN = env_bool("BANKID_STORE_NNIN", False)
NNIN_SECRET = env("NNIN_SECRET", "")

# --- mozilla-django-oidc, with the safe values (its defaults are HS256 and no PKCE).
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_PKCE_CODE_VERIFIER_SIZE = 64
OIDC_USE_NONCE = True
OIDC_TOKEN_USE_BASIC_AUTH = True
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:bankid-callback"
OIDC_STORE_ID_TOKEN = True
OIDC_MAX_STATES = 10
OIDC_TIMEOUT = BANKID_HTTP_TIMEOUT

AUTHENTICATION_BACKENDS = [
    "accounts.oidc.backend.BankIDBackend",
    "django.contrib.auth.backends.ModelBackend",  # staff passwords for /admin/
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:profile"
LOGOUT_REDIRECT_URL = "/"
