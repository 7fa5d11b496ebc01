"""Development and the embedded default: works with nothing configured."""
from .base import *  # noqa: F401,F403
from .env import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)

# Development stand-ins: the Matrikkelen stand-in and the demo loader (never in production).
INSTALLED_APPS = [*INSTALLED_APPS, "standins"]  # noqa: F405
