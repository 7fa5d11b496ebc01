"""The embedded default: one stand-in per process, serving MATRIKKEL_STANDIN_COUNT generated properties."""
from __future__ import annotations

import threading

from django.conf import settings

from .dataset import Dataset
from .server import StandinServer

DEMO_SEED = 42
# Municipalities whose properties come from the real open address register in the demo (the data set
# leaves its generated units out there): Elverum, whose register is in data/.
REAL_MUNICIPALITIES = frozenset({"3420"})
_lock = threading.Lock()
_server: StandinServer | None = None


def embedded_standin(*, count: int | None = None, seed: int = DEMO_SEED,
                     exclude_municipalities: frozenset[str] = REAL_MUNICIPALITIES) -> StandinServer:
    global _server
    with _lock:
        if _server is None:
            dataset = Dataset(count=count or settings.MATRIKKEL_STANDIN_COUNT, seed=seed,
                              exclude_municipalities=exclude_municipalities)
            _server = StandinServer(dataset).start()
        return _server


def standin_source():
    """MATRIKKEL_SOURCE=standin: the SOAP client reading the embedded stand-in, its facts marked synthetic."""
    from properties.matrikkelen.soap import SoapSource

    return SoapSource(base_url=embedded_standin().soap_base_url, username="", password="", name="standin",
                      fact_source="demo")


def standin_rest_source():
    """The open REST client reading the embedded stand-in (its address API answers from real Elverum data too)."""
    from properties.matrikkelen.rest import RestSource

    return RestSource(base_url=embedded_standin().rest_base_url)
