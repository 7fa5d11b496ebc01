"""Production settings do not install the stand-ins, and loading every URL with them imports no stand-in module."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
import django
django.setup()
from django.conf import settings
from django.urls import get_resolver
print("INSTALLED", any(app == "standins" or app.startswith("standins.") for app in settings.INSTALLED_APPS))
resolver = get_resolver()
resolver.url_patterns  # imports epty.urls and everything it includes (API, admin)
resolver.reverse_dict  # and walks every included URL conf
print("IMPORTED", sorted(m for m in sys.modules if m == "standins" or m.startswith("standins.")))
"""


def test_production_settings_neither_install_nor_import_any_standin():
    from epty.settings.env import VARIABLES

    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {**clean, "DJANGO_SETTINGS_MODULE": "epty.settings.production", "DJANGO_ALLOWED_HOSTS": "epty.no",
           "DJANGO_SECRET_KEY": "k" * 20 + "-production-test-key-0123456789-abcdefghij"}
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "INSTALLED False" in result.stdout
    assert "IMPORTED []" in result.stdout


def test_local_and_test_settings_install_them():
    assert apps.is_installed("standins")
    from epty.settings import local

    assert "standins" in local.INSTALLED_APPS
