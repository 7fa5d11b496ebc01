"""The test suite's settings (pytest.ini): local's apps and defaults, made fast and unable to reach upstreams.

Database, cache and broker still come from DATABASE_URL and REDIS_URL (CI runs on PostgreSQL and
Redis); tasks run eagerly unless REDIS_URL or CELERY_BROKER_URL names a broker. Every upstream
(Kartverket, SSB, BankID) points at a closed loopback port, whatever the environment says: a test
that needs one starts its own server on loopback and points the setting there. pytest-socket
(pytest.ini) refuses any connection that is not to loopback.
"""
from .base import *  # noqa: F403 - a settings module starts from every shared setting
from .base import INSTALLED_APPS

DEBUG = False
INSTALLED_APPS = [*INSTALLED_APPS, "standins"]

# Hashing test users' passwords with PBKDF2 costs tenths of a second each; tests need no strength.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Port 9 (discard) on loopback: nothing listens, so a call fails at once instead of reaching the internet.
CLOSED = "http://127.0.0.1:9"
MATRIKKEL_SOURCE = "standin"
MATRIKKEL_BASE_URL = f"{CLOSED}/matrikkelapi/wsapi/v1/"
MATRIKKEL_REST_BASE_URL = f"{CLOSED}/"
MATRIKKEL_USERNAME = MATRIKKEL_PASSWORD = ""
SSB_BASE_URL = f"{CLOSED}/api/v0/no/table/"
# The BankID tests start their own provider on loopback (or use the stand-in) and set these.
BANKID_ISSUER = f"{CLOSED}/bankid"
BANKID_CLIENT_ID = "epty-test"
BANKID_CLIENT_SECRET = "closed-loopback-port"
SITE_URL = "http://testserver"
# A configured replica (DATABASE_REPLICA_URL) is a test mirror of the test database; reads stay on the primary
# (TestCase data is uncommitted, invisible to a real replica) except in the replica tests (epty/tests/test_replica.py).
DATABASE_REPLICA_READS = False
