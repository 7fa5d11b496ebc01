"""Development and the embedded default: works with nothing configured."""
from .base import *  # noqa: F403 - a settings module starts from every shared setting
from .base import INSTALLED_APPS
from .env import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)

# Development stand-ins: the BankID provider under /dev/bankid/, the demo generator, the Matrikkelen stand-in.
INSTALLED_APPS = [*INSTALLED_APPS, "standins"]
