"""Development and the embedded default: works with nothing configured."""
from .base import *  # noqa: F403 - a settings module starts from every shared setting
from .base import BASE_DIR, INSTALLED_APPS, REDIS_URL
from .env import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)

# Development stand-ins: the BankID provider under /dev/bankid/, the demo generator, the Matrikkelen stand-in.
INSTALLED_APPS = [*INSTALLED_APPS, "standins"]

# Without Redis, a cache on disk that every process of this machine shares: a trends refresh or a new model
# from a management command reaches the running development server without a restart (an in-process cache
# would keep each process's own copy).
if not REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(BASE_DIR / "var" / "cache"), "OPTIONS": {"MAX_ENTRIES": 20000}}}
