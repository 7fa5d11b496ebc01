"""Production: refuses to start without a secret key; passes `manage.py check --deploy`."""
from django.core.exceptions import ImproperlyConfigured

from .bankid import BANKID_CLIENT_ID, BANKID_CLIENT_SECRET, BANKID_ISSUER, BANKID_STORE_NNIN, NNIN_SECRET
from .base import *  # noqa: F403 - a settings module starts from every shared setting
from .base import LOGGING, REST_FRAMEWORK
from .env import env
from .matrikkelen import (
    MATRIKKEL_OPEN_DATA_INTERVAL_DAYS,
    MATRIKKEL_PASSWORD,
    MATRIKKEL_SYNC_INTERVAL_MINUTES,
    MATRIKKEL_USERNAME,
    schedule_switches,
)

DEBUG = False

SECRET_KEY = env("DJANGO_SECRET_KEY") or ""
if not SECRET_KEY or len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters in production."
    )

# Development stand-ins (the `standins` app) are never installed here: INSTALLED_APPS is base's.
# BankID: the local stand-in provider can never run here (its URLs are not even routed), and a
# configured issuer needs its client credentials.
BANKID_STANDIN_ALLOWED = False
# The Matrikkelen stand-in serves generated data: never in production. Without a Matrikkel
# agreement, production reads Kartverket's open REST APIs (look-ups; no change log to sync).
MATRIKKEL_SOURCE = env("MATRIKKEL_SOURCE", "rest")
if MATRIKKEL_SOURCE not in {"soap", "rest"}:
    raise ImproperlyConfigured("MATRIKKEL_SOURCE must be soap or rest in production (the stand-in is for development).")
if MATRIKKEL_SOURCE == "soap" and not (MATRIKKEL_USERNAME and MATRIKKEL_PASSWORD):
    raise ImproperlyConfigured("MATRIKKEL_SOURCE=soap needs MATRIKKEL_USERNAME and MATRIKKEL_PASSWORD.")
# The jobs beat runs follow production's source (its default differs from development's).
MATRIKKEL_SYNC_SCHEDULED, MATRIKKEL_OPEN_DATA_SCHEDULED = schedule_switches(
    MATRIKKEL_SOURCE, MATRIKKEL_SYNC_INTERVAL_MINUTES, MATRIKKEL_OPEN_DATA_INTERVAL_DAYS)
if BANKID_ISSUER and not (BANKID_CLIENT_ID and BANKID_CLIENT_SECRET):
    raise ImproperlyConfigured("BANKID_ISSUER is set: BANKID_CLIENT_ID and BANKID_CLIENT_SECRET are required too.")
if BANKID_ISSUER and not BANKID_ISSUER.startswith("https://"):
    raise ImproperlyConfigured("BANKID_ISSUER must be an https:// URL in production.")
if BANKID_STORE_NNIN and len(NNIN_SECRET or "") < 32:
    raise ImproperlyConfigured("BANKID_STORE_NNIN is on: NNIN_SECRET (at least 32 characters) is required.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Every cookie the site sets is Secure here (a test checks each one under these settings).
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_HTTPONLY = True  # read by the server only
X_FRAME_OPTIONS = "DENY"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]}
LOGGING = {
    **LOGGING,
    "handlers": {"console": {**LOGGING["handlers"]["console"], "formatter": env("LOG_FORMAT", "json")}},
}
