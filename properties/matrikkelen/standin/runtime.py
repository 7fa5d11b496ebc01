"""The embedded default: one stand-in per process, serving MATRIKKEL_STANDIN_COUNT generated properties."""
from __future__ import annotations

import threading

from django.conf import settings

from .dataset import Dataset
from .server import StandinServer

DEMO_SEED = 42
_lock = threading.Lock()
_server: StandinServer | None = None


def embedded_standin(*, count: int | None = None, seed: int = DEMO_SEED) -> StandinServer:
    global _server
    with _lock:
        if _server is None:
            _server = StandinServer(Dataset(count=count or settings.MATRIKKEL_STANDIN_COUNT, seed=seed)).start()
        return _server
