"""Development without Redis: a trends refresh in one process (a management command) reaches another (the running
server) without a restart, because local settings share a cache on disk."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from epty.settings.env import VARIABLES

ROOT = Path(__file__).resolve().parents[3]


def _local(code: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env["DJANGO_SETTINGS_MODULE"] = "epty.settings.local"  # no REDIS_URL: the embedded defaults of make run
    result = subprocess.run([sys.executable, "manage.py", "shell", "-v0", "--no-imports", "-c", code], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_a_trends_refresh_in_another_process_changes_the_version_the_server_reads():
    read = ("from django.core.cache import cache; from recommendations.market.selectors import TRENDS_VERSION_KEY; "
            "print(cache.get(TRENDS_VERSION_KEY) or 0)")
    before = int(_local(read))
    _local("from recommendations.market.services import trends_cache_bump; trends_cache_bump()")
    after = int(_local(read))
    assert after == before + 1
